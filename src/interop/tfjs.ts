// The TensorFlow.js layers format (what tfjs' model.save writes and tf.loadLayersModel reads):
// a Keras JSON topology, weight specs {name, shape, dtype} and one little-endian float32 buffer.
// Layers map one to one, by small functions per layer kind: dense <-> Dense (kernel [in, out] in
// both), batchNorm <-> BatchNormalization, dropout <-> Dropout, activation <-> Activation; an
// activation Keras has no name for (leakyRelu, elu with alpha != 1) becomes its own LeakyReLU/ELU layer;
// batch norm of images normalises the channels (axis -1) in both; the image layers (conv2d,
// depthwiseConv2d, pooling, flatten, reshape): tfjs-image.ts. This file exports, tfjs-import.ts imports.
// NOTE: Keras' BatchNormalization momentum is the weight of the old running value: Keras 0.99 is
// PyTorch (and wasmnn) momentum 0.01, so momentum maps to 1 - momentum; epsilon is kept as it is
// (Keras' default is 1e-3, PyTorch's 1e-5). Evaluation is the same formula in both; in training
// Keras updates the moving variance with the biased batch variance, PyTorch with the unbiased one.
import type { ModelView } from '../model/view.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Dropout } from '../layers/dropout.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { layerParams } from './pytorch.js';
import { exportImageLayer } from './tfjs-image.js';
import { bad, kerasActivation, regularizerConfig, roundTo12, type Exported, type TfjsArtifacts } from './tfjs-format.js';

export { TfjsFormatError, type TfjsArtifacts, type TfjsWeightSpec } from './tfjs-format.js';
export { loadTfjs } from './tfjs-import.js';

function exportDense(l: Dense, ps: Parameter[], first: Record<string, unknown>): Exported {
  const act = kerasActivation(l.activation, l.name, `${l.name}_leaky_re_lu`);
  const config = {
    units: l.outputUnits, activation: act.inline, use_bias: ps.length === 2,
    kernel_regularizer: regularizerConfig(l.options.kernelRegularizer), bias_regularizer: regularizerConfig(l.options.biasRegularizer),
    activity_regularizer: null, kernel_constraint: null, bias_constraint: null, name: l.name, trainable: true, ...first,
  };
  const weights = [{ name: `${l.name}/kernel`, shape: [...ps[0].shape], values: ps[0].value.slice() }];
  if (ps[1]) weights.push({ name: `${l.name}/bias`, shape: [...ps[1].shape], values: ps[1].value.slice() });
  return { layers: [{ class_name: 'Dense', config }, ...(act.layer ? [act.layer] : [])], weights };
}

function exportBatchNorm(l: BatchNorm, ps: Parameter[], first: Record<string, unknown>): Exported {
  const config = { axis: -1, momentum: roundTo12(1 - l.momentum), epsilon: l.eps, center: true, scale: true, name: l.name, trainable: true, ...first };
  const n = [l.inputUnits];
  return {
    layers: [{ class_name: 'BatchNormalization', config }],
    weights: [
      { name: `${l.name}/gamma`, shape: n, values: ps[0].value.slice() },
      { name: `${l.name}/beta`, shape: n, values: ps[1].value.slice() },
      { name: `${l.name}/moving_mean`, shape: n, values: l.runningMean.data.slice() },
      { name: `${l.name}/moving_variance`, shape: n, values: l.runningVar.data.slice() },
    ],
  };
}

function exportActivation(a: Activation, name: string): Exported {
  const k = kerasActivation(a, name, name);
  return { layers: [k.layer ?? { class_name: 'Activation', config: { activation: k.inline, name, trainable: true } }], weights: [] };
}

function exportLayer(l: Layer, ps: Parameter[], index: number, inputShape: readonly number[]): Exported {
  const first = index === 0 ? { batch_input_shape: [null, ...inputShape], dtype: 'float32' } : {};
  switch (l.kind) {
    case 'dense': return exportDense(l as Dense, ps, first);
    case 'batchNorm': return exportBatchNorm(l as BatchNorm, ps, first);
    case 'dropout': return { layers: [{ class_name: 'Dropout', config: { rate: (l as Dropout).rate, noise_shape: null, seed: null, name: l.name, trainable: true } }], weights: [] };
    case 'activation': return exportActivation((l as Layer & { activation: Activation }).activation, l.name);
    default: return exportImageLayer(l, ps, first, `layer ${index} (${l.name})`) ?? bad(`layer ${index} (${l.name}) of kind '${l.kind}' has no tfjs equivalent`);
  }
}

/** The model in the tfjs layers format: `tf.loadLayersModel(tf.io.fromMemory(toTfjs(model)))` loads it. */
export function toTfjs(model: ModelView): TfjsArtifacts {
  if (!model.isChain()) bad('the tfjs layers format written here is a Keras Sequential model; a functional graph (branches, graph ops, several inputs or outputs) has no export (use ONNX)');
  const ps = layerParams(model);
  const parts = model.layers.map((l, i) => exportLayer(l, ps[i], i, model.inputs[0].shape.slice(1)));
  const weights = parts.flatMap((p) => p.weights);
  const total = weights.reduce((n, w) => n + w.values.length, 0);
  const data = new ArrayBuffer(total * 4);
  const dv = new DataView(data);
  let o = 0;
  for (const w of weights) for (let i = 0; i < w.values.length; i++, o += 4) dv.setFloat32(o, w.values[i], true);
  return {
    modelTopology: { class_name: 'Sequential', config: { name: model.name, layers: parts.flatMap((p) => p.layers) }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    weightSpecs: weights.map((w) => ({ name: w.name, shape: w.shape, dtype: 'float32' })),
    weightData: data,
    format: 'layers-model',
    generatedBy: 'wasmnn',
    convertedBy: null,
  };
}
