import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';
import { BatchNorm, type BatchNormOptions } from './batch-norm.js';
import { ActivationLayer } from './activation-layer.js';
import type { ActivationSpec } from './activations.js';

/** A fully-connected layer, `y = act(x @ W + b)`, W stored [in, out]. */
export const dense = (options: DenseOptions): Dense => new Dense(options);

/** Inverted dropout: zeroes each element with probability `rate` in training, scaling the rest by 1/(1-rate). */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);

/** Batch normalisation over the batch (PyTorch BatchNorm1d: eps 1e-5, momentum 0.1). */
export const batchNorm = (options: BatchNormOptions = {}): BatchNorm => new BatchNorm(options);

/** An activation as a layer of its own: `layers.activation({ activation: 'relu' })`. */
export const activation = (options: { activation: ActivationSpec; name?: string }): ActivationLayer => new ActivationLayer(options);

export { Dense, type DenseOptions, Dropout, type DropoutOptions, BatchNorm, type BatchNormOptions, ActivationLayer };
export { Layer, type ParamSpec } from './layer.js';
export type { ActivationName, ActivationSpec } from './activations.js';
