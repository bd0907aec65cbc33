import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { BatchNorm, type BatchNormOptions } from './batch-norm.js';
import { ActivationLayer } from './activation-layer.js';
import type { ActivationSpec } from './activations.js';
import { Conv2D, DepthwiseConv2D, type Conv2dLayerOptions, type DepthwiseConv2dOptions } from './conv.js';
import { Flatten, GlobalAveragePooling2D, Pooling2D, Reshape, type Pooling2dOptions } from './spatial.js';
import { ZeroPadding2D, type ZeroPadding2dOptions } from './padding.js';
import { MultiHeadAttention, type MultiHeadAttentionOptions } from './attention.js';
import { Conv1D, type Conv1dLayerOptions } from './conv1d.js';
import { SpatialDropout2D, type SpatialDropout2dOptions } from './spatial-dropout.js';

/** A fully-connected layer, `y = act(x @ W + b)`, W stored [in, out]. */
export const dense = (options: DenseOptions): Dense => new Dense(options);

/** Inverted dropout: zeroes each element with probability `rate` in training, scaling the rest by 1/(1-rate). */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);

/** Batch normalisation over the batch (PyTorch BatchNorm1d: eps 1e-5, momentum 0.1). */
export const batchNorm = (options: BatchNormOptions = {}): BatchNorm => new BatchNorm(options);

/** An activation as a layer of its own: `layers.activation({ activation: 'relu' })`. */
export const activation = (options: { activation: ActivationSpec; name?: string }): ActivationLayer => new ActivationLayer(options);

/** A 2-D convolution over channels-last images [batch, h, w, c], kernel HWIO [kh, kw, c/groups, filters]. */
export const conv2d = (options: Conv2dLayerOptions): Conv2D => new Conv2D(options);

/** A convolution of each channel on its own (groups = channels), kernel [kh, kw, 1, c*depthMultiplier]. */
export const depthwiseConv2d = (options: DepthwiseConv2dOptions): DepthwiseConv2D => new DepthwiseConv2D(options);

/** The maximum over windows of each channel (poolSize 2, strides poolSize, padding 'valid' by default). */
export const maxPooling2d = (options: Pooling2dOptions = {}): Pooling2D => new Pooling2D('maxPooling2d', options);

/** The mean over windows of each channel; 'same' padding divides by the taps inside the image, as Keras. */
export const averagePooling2d = (options: Pooling2dOptions = {}): Pooling2D => new Pooling2D('averagePooling2d', options);

/** The mean of each channel over every position: [batch, h, w, c] -> [batch, c]. */
export const globalAveragePooling2d = (options: { inputShape?: readonly number[]; name?: string } = {}): GlobalAveragePooling2D => new GlobalAveragePooling2D(options);

/** [batch, ...] -> [batch, elements], channels-last order; copies nothing. */
export const flatten = (options: { inputShape?: readonly number[]; name?: string } = {}): Flatten => new Flatten(options);

/** Each sample to targetShape; copies nothing. */
export const reshape = (options: { targetShape: readonly number[]; inputShape?: readonly number[]; name?: string }): Reshape => new Reshape(options);

// N-d ops' layers (issue #20).
/** Zeros around channels-last images: padding n, [h, w] or [[top, bottom], [left, right]] (default 1, as Keras). */
export const zeroPadding2d = (options: ZeroPadding2dOptions = {}): ZeroPadding2D => new ZeroPadding2D(options);
export { ZeroPadding2D, type ZeroPadding2dOptions };
/** A 1-D convolution over channels-last sequences [batch, width, c], kernel [kernelSize, c/groups, filters] (Keras' Conv1D). */
export const conv1d = (options: Conv1dLayerOptions): Conv1D => new Conv1D(options);
export { Conv1D, type Conv1dLayerOptions };
/** Drops whole channels of each sample of channels-last images in training (Keras' SpatialDropout2D); the identity in evaluation. */
export const spatialDropout2d = (options: SpatialDropout2dOptions): SpatialDropout2D => new SpatialDropout2D(options);
export { SpatialDropout2D, type SpatialDropout2dOptions };
import { GlobalPooling1D, Pooling1D, type Pooling1dOptions } from './pooling1d.js';
/** The maximum over windows of steps of each channel of sequences [batch, steps, c] (poolSize 2, strides poolSize, padding 'valid'; Keras' MaxPooling1D). */
export const maxPooling1d = (options: Pooling1dOptions = {}): Pooling1D => new Pooling1D('maxPooling1d', options);
/** The mean over windows of steps of each channel; 'same' padding divides by the steps inside the sequence, as Keras. */
export const averagePooling1d = (options: Pooling1dOptions = {}): Pooling1D => new Pooling1D('averagePooling1d', options);
/** The maximum of each channel over every step: [batch, steps, c] -> [batch, c]. */
export const globalMaxPooling1d = (options: { inputShape?: readonly number[]; name?: string } = {}): GlobalPooling1D => new GlobalPooling1D('globalMaxPooling1d', options);
/** The mean of each channel over every step: [batch, steps, c] -> [batch, c]. */
export const globalAveragePooling1d = (options: { inputShape?: readonly number[]; name?: string } = {}): GlobalPooling1D => new GlobalPooling1D('globalAveragePooling1d', options);
export { Pooling1D, GlobalPooling1D, type Pooling1dOptions };

/**
 * Multi-head attention (Keras names, PyTorch nn.MultiheadAttention numerics): apply(x) is
 * self-attention on [batch, t, width]; apply(query, value, key?) attends from query to value.
 */
export const multiHeadAttention = (options: MultiHeadAttentionOptions): MultiHeadAttention => new MultiHeadAttention(options);

export { MultiHeadAttention, type MultiHeadAttentionOptions };
export { Conv2D, DepthwiseConv2D, type Conv2dLayerOptions, type DepthwiseConv2dOptions, Pooling2D, type Pooling2dOptions, GlobalAveragePooling2D, Flatten, Reshape };
export { Dense, type DenseOptions, Dropout, type DropoutOptions, BatchNorm, type BatchNormOptions, ActivationLayer };
export { Layer, type ParamSpec } from './layer.js';

// ---- sequence models -----------------------------------------------------------------------
import { Embedding, type EmbeddingOptions } from './embedding.js';
import { LayerNormalization, type LayerNormalizationOptions } from './layer-normalization.js';

/** int32 ids [batch, ...] to rows of a [inputDim, outputDim] table: [batch, ..., outputDim] (PyTorch nn.Embedding's N(0, 1) init). */
export const embedding = (options: EmbeddingOptions): Embedding => new Embedding(options);

/** Each position's features normalised by their mean and biased variance, then gamma*xhat + beta (PyTorch nn.LayerNorm, epsilon 1e-5). */
export const layerNormalization = (options: LayerNormalizationOptions = {}): LayerNormalization => new LayerNormalization(options);

export { Embedding, type EmbeddingOptions, LayerNormalization, type LayerNormalizationOptions };

// ---- a GPT's layers --------------------------------------------------------------------------
import { PositionalEmbedding, type PositionalEmbeddingOptions } from './positional-embedding.js';
import { TransformerBlock, type TransformerBlockOptions } from './transformer-block.js';

/** A learned table [maxLength, outputDim] added to [batch, t, outputDim] (row p to position p; nanoGPT's wpe). */
export const positionalEmbedding = (options: PositionalEmbeddingOptions): PositionalEmbedding => new PositionalEmbedding(options);

/** nanoGPT's pre-norm Block: x + attn(ln_1(x)), then x + mlp(ln_2(x)) (causal by default, GELU MLP of mlpRatio x width). */
export const transformerBlock = (options: TransformerBlockOptions): TransformerBlock => new TransformerBlock(options);

export { PositionalEmbedding, type PositionalEmbeddingOptions, TransformerBlock, type TransformerBlockOptions };
export type { ActivationName, ActivationSpec } from './activations.js';
