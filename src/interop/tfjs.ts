// The TensorFlow.js layers format (what tfjs' model.save writes and tf.loadLayersModel reads):
// a Keras JSON topology, weight specs {name, shape, dtype} and one little-endian float32 buffer.
// Layers map one to one, by small functions per layer kind: dense <-> Dense (kernel [in, out] in
// both), batchNorm <-> BatchNormalization, dropout <-> Dropout, activation <-> Activation; an
// activation Keras has no name for (leakyRelu, elu with alpha != 1) becomes its own LeakyReLU/ELU layer.
// NOTE: Keras' BatchNormalization momentum is the weight of the old running value: Keras 0.99 is
// PyTorch (and wasmnn) momentum 0.01, so momentum maps to 1 - momentum; epsilon is kept as it is
// (Keras' default is 1e-3, PyTorch's 1e-5). Evaluation is the same formula in both; in training
// Keras updates the moving variance with the biased batch variance, PyTorch with the unbiased one.
import type { ModelView, ModelOptions } from '../model/view.js';
import * as layers from '../layers/index.js';
import * as regularizers from '../regularizers/index.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Dropout } from '../layers/dropout.js';
import type { Activation, ActivationSpec } from '../layers/activations.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Parameter } from '../optimizers/parameter.js';
import { layerParams } from './pytorch.js';
import { checkOptions } from '../validate/options.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

/** tfjs' ModelArtifacts, as far as this format uses them. */
export interface TfjsArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

type KerasLayer = { class_name: string; config: Record<string, unknown> };

export class TfjsFormatError extends RangeError {
  override name = 'TfjsFormatError';
}
const bad = (msg: string): never => {
  throw new TfjsFormatError(`wasmnn: tfjs: ${msg}`);
};

// wasmnn activation <-> Keras activation name (those Keras has).
const TO_KERAS: Record<string, string> = {
  linear: 'linear', identity: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax',
  softplus: 'softplus', gelu: 'gelu', silu: 'swish',
};
// NOTE: tfjs 4.22 writes gelu's tanh form as 'gelu_new' but cannot read that name back, and its ELU
// layer refuses alpha != 1, so geluTanh and elu(alpha != 1) are refused on export.
const FROM_KERAS: Record<string, ActivationSpec> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', softplus: 'softplus', gelu: 'gelu', gelu_new: 'geluTanh', swish: 'silu', elu: 'elu',
};

// ---- export ------------------------------------------------------------------

interface Exported {
  layers: KerasLayer[];
  weights: { name: string; shape: number[]; values: Float32Array }[];
}

const regularizerConfig = (r: Regularizer | undefined) => (r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null);

/** An activation as Keras spells it inside a layer, or as a layer of its own when it has no name there. */
function kerasActivation(a: Activation, where: string, name: string): { inline: string; layer?: KerasLayer } {
  if (a.name === 'leakyRelu') return { inline: 'linear', layer: { class_name: 'LeakyReLU', config: { alpha: a.alpha, name, trainable: true } } };
  if (a.name === 'elu' && a.alpha !== 1) bad(`${where}: elu with alpha ${a.alpha} has no tfjs equivalent (tfjs' ELU supports only alpha 1)`);
  if (a.name === 'elu') return { inline: 'elu' };
  return { inline: TO_KERAS[a.name] ?? bad(`${where}: activation '${a.name}' has no tfjs equivalent that tfjs can load`) };
}

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

function exportLayer(l: Layer, ps: Parameter[], index: number, inputUnits: number): Exported {
  const first = index === 0 ? { batch_input_shape: [null, inputUnits], dtype: 'float32' } : {};
  switch (l.kind) {
    case 'dense': return exportDense(l as Dense, ps, first);
    case 'batchNorm': return exportBatchNorm(l as BatchNorm, ps, first);
    case 'dropout': return { layers: [{ class_name: 'Dropout', config: { rate: (l as Dropout).rate, noise_shape: null, seed: null, name: l.name, trainable: true } }], weights: [] };
    case 'activation': return exportActivation((l as Layer & { activation: Activation }).activation, l.name);
    default: return bad(`layer ${index} (${l.name}) of kind '${l.kind}' has no tfjs equivalent`);
  }
}

/** The model in the tfjs layers format: `tf.loadLayersModel(tf.io.fromMemory(toTfjs(model)))` loads it. */
export function toTfjs(model: ModelView): TfjsArtifacts {
  if (!model.isChain()) bad('the tfjs layers format written here is a Keras Sequential model; a functional graph (branches, graph ops, several inputs or outputs) has no export (use ONNX)');
  const ps = layerParams(model);
  const parts = model.layers.map((l, i) => exportLayer(l, ps[i], i, model.inputUnits));
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

// ---- import ------------------------------------------------------------------

/** What one Keras layer becomes: wasmnn layers, and the names of the weights they take, in parameter order. */
interface Imported {
  layers: Layer[];
  /** Weight names for the parameters, then for batch norm's running mean and variance. */
  params: string[];
  stats?: [string, string];
}

const roundTo12 = (x: number) => Number(x.toPrecision(12));

function activationFrom(v: unknown, where: string): ActivationSpec {
  const name = v === undefined || v === null ? 'linear' : typeof v === 'string' ? v : (v as { class_name?: unknown }).class_name;
  const spec = typeof name === 'string' ? FROM_KERAS[name] ?? FROM_KERAS[name.toLowerCase()] : undefined;
  return spec ?? bad(`${where}: activation ${JSON.stringify(name)} is not supported (supported: ${Object.keys(FROM_KERAS).join(', ')})`);
}

function regularizerFrom(v: unknown, where: string): Regularizer | undefined {
  if (v === null || v === undefined) return undefined;
  const r = v as { class_name?: string; config?: { l1?: number; l2?: number } };
  if (!['L1L2', 'l1_l2', 'L1', 'L2'].includes(String(r.class_name))) bad(`${where}: regularizer '${String(r.class_name)}' is not supported (only L1L2)`);
  return regularizers.l1l2({ l1: r.config?.l1 ?? 0, l2: r.config?.l2 ?? 0 });
}

/** Options that would change training and that wasmnn cannot represent are refused, not dropped. */
function refuse(c: Record<string, unknown>, where: string, keys: string[]): void {
  for (const k of keys) if (c[k] !== null && c[k] !== undefined) bad(`${where}: ${k} ${JSON.stringify(c[k])} is not supported`);
  if (c.trainable === false) bad(`${where}: frozen layers (trainable: false) are not supported`);
}

type Importer = (c: Record<string, unknown>, where: string, inputDim: number | undefined) => Imported;

const IMPORTERS: Record<string, Importer> = {
  InputLayer: () => ({ layers: [], params: [] }),
  Dense(c, where, inputDim) {
    refuse(c, where, ['activity_regularizer', 'kernel_constraint', 'bias_constraint']);
    const name = String(c.name);
    const useBias = c.use_bias !== false;
    const units = typeof c.units === 'number' ? c.units : bad(`${where}: units is ${JSON.stringify(c.units)}`);
    const l = layers.dense({
      units, inputDim, name, useBias, activation: activationFrom(c.activation, where),
      kernelRegularizer: regularizerFrom(c.kernel_regularizer, where), biasRegularizer: regularizerFrom(c.bias_regularizer, where),
    });
    return { layers: [l], params: useBias ? [`${name}/kernel`, `${name}/bias`] : [`${name}/kernel`] };
  },
  BatchNormalization(c, where, inputDim) {
    refuse(c, where, ['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']);
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1;
    if (axis !== -1 && axis !== 1) bad(`${where}: axis ${JSON.stringify(c.axis)} is not supported (features are axis -1 of [batch, features])`);
    if (c.center === false || c.scale === false) bad(`${where}: center: false and scale: false are not supported (wasmnn's batch norm always learns gamma and beta)`);
    const name = String(c.name);
    const l = layers.batchNorm({ name, inputDim, momentum: roundTo12(1 - (c.momentum as number ?? 0.99)), eps: (c.epsilon as number) ?? 1e-3 });
    return { layers: [l], params: [`${name}/gamma`, `${name}/beta`], stats: [`${name}/moving_mean`, `${name}/moving_variance`] };
  },
  Dropout(c, where) {
    refuse(c, where, ['noise_shape']);
    return { layers: [layers.dropout({ rate: c.rate as number, name: String(c.name) })], params: [] };
  },
  Activation: (c, where) => ({ layers: [layers.activation({ activation: activationFrom(c.activation, where), name: String(c.name) })], params: [] }),
  LeakyReLU: (c) => ({ layers: [layers.activation({ activation: { name: 'leakyRelu', alpha: (c.alpha as number) ?? 0.3 }, name: String(c.name) })], params: [] }),
  ELU: (c) => ({ layers: [layers.activation({ activation: { name: 'elu', alpha: (c.alpha as number) ?? 1 }, name: String(c.name) })], params: [] }),
  ReLU(c, where) {
    if ((c.max_value ?? c.maxValue) != null) bad(`${where}: ReLU with max_value is not supported`);
    return { layers: [layers.activation({ activation: 'relu', name: String(c.name) })], params: [] };
  },
  Softmax(c, where) {
    if (c.axis !== undefined && c.axis !== -1 && !(Array.isArray(c.axis) && c.axis[0] === -1)) bad(`${where}: softmax over axis ${JSON.stringify(c.axis)} is not supported`);
    return { layers: [layers.activation({ activation: 'softmax', name: String(c.name) })], params: [] };
  },
};

/** The input width from batch_input_shape ([null, n]) on the InputLayer or the first layer. */
function inputWidth(list: KerasLayer[]): number {
  const c = list[0]?.config ?? {};
  const shape = (c.batch_input_shape ?? c.batchInputShape ?? c.batch_shape) as unknown;
  if (!Array.isArray(shape)) return bad('the first layer has no batch_input_shape');
  if (shape.length !== 2 || typeof shape[1] !== 'number') bad(`the input shape ${JSON.stringify(shape)} is not [batch, features]`);
  return shape[1] as number;
}

/** The weights of a tfjs file by name, checked against the buffer. */
function readWeights(specs: TfjsWeightSpec[], data: ArrayBuffer | ArrayBuffer[]): Map<string, { shape: number[]; values: Float32Array }> {
  if (!Array.isArray(specs)) bad('weightSpecs is missing');
  const parts = Array.isArray(data) ? data : [data];
  if (!parts.every((p) => p instanceof ArrayBuffer)) bad('weightData must be an ArrayBuffer (or a list of them)');
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) bytes.set(new Uint8Array(p), (at += p.byteLength) - p.byteLength);
  const dv = new DataView(bytes.buffer);
  const out = new Map<string, { shape: number[]; values: Float32Array }>();
  let o = 0;
  for (const s of specs) {
    if (s.quantization) bad(`weight '${s.name}' is quantized, which is not supported`);
    if (s.dtype !== 'float32') bad(`weight '${s.name}' has dtype ${s.dtype}, expected float32`);
    if (!Array.isArray(s.shape) || !s.shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`weight '${s.name}' has shape ${JSON.stringify(s.shape)}`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (o + n * 4 > bytes.length) bad(`weight '${s.name}' runs past the end of weightData (${bytes.length} bytes)`);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++, o += 4) {
      values[i] = dv.getFloat32(o, true);
      if (!Number.isFinite(values[i])) bad(`weight '${s.name}' has ${values[i]} at index ${i}`);
    }
    if (out.has(s.name)) bad(`weight '${s.name}' appears twice`);
    out.set(s.name, { shape: s.shape, values });
  }
  if (o !== bytes.length) bad(`weightData has ${bytes.length} bytes but the weight specs describe ${o}`);
  return out;
}

/**
 * Builds a model of layers in a chain (Sequential.fromTfjs gives `(layers, options) => new
 * Sequential(layers, options)`) from what tfjs' `model.save` writes (dense, dropout, batch
 * normalization and activation layers; inputs [batch, features]). Layer names are kept.
 */
export function loadTfjs<M extends ModelView>(artifacts: TfjsArtifacts, options: { seed?: number }, chain: (layers: Layer[], options: ModelOptions) => M): M {
  checkOptions('fromTfjs', options, ['seed']);
  const top = (artifacts?.modelTopology as { model_config?: unknown })?.model_config ?? artifacts?.modelTopology;
  const t = top as { class_name?: unknown; config?: unknown } | undefined;
  if (!t || typeof t !== 'object') return bad('modelTopology is missing');
  if (t.class_name !== 'Sequential') bad(`only Sequential models are supported, got '${String(t.class_name)}'`);
  const cfg = t.config as { name?: unknown; layers?: unknown } | KerasLayer[];
  const list = (Array.isArray(cfg) ? cfg : cfg?.layers) as KerasLayer[];
  if (!Array.isArray(list) || list.length === 0) bad('the topology has no layers');
  const weights = readWeights(artifacts.weightSpecs, artifacts.weightData);
  const inputDim = inputWidth(list);
  const imported = list.map((k, i) => {
    const where = `layer ${i} (${String(k?.config?.name)}, ${String(k?.class_name)})`;
    const make = IMPORTERS[String(k?.class_name)] ?? bad(`${where}: layer class '${String(k?.class_name)}' is not supported (supported: ${Object.keys(IMPORTERS).join(', ')})`);
    const firstOfModel = list.slice(0, i).every((p) => p.class_name === 'InputLayer');
    const out = make(k.config ?? {}, where, firstOfModel ? inputDim : undefined);
    if (firstOfModel && out.layers.length && !['Dense', 'BatchNormalization'].includes(k.class_name)) bad(`${where}: a model must start with a Dense or BatchNormalization layer here`);
    return out;
  });
  const name = Array.isArray(cfg) ? undefined : typeof cfg?.name === 'string' ? cfg.name : undefined;
  const model = chain(imported.flatMap((m) => m.layers), { seed: options.seed, name });
  try {
    const used = new Set<string>();
    const take = (n: string, shape: readonly number[]) => {
      const w = weights.get(n) ?? bad(`weight '${n}' is missing`);
      if (w.shape.join() !== shape.join()) bad(`weight '${n}' has shape [${w.shape}], the layer needs [${shape}]`);
      used.add(n);
      return w.values;
    };
    const params = model.parameters();
    const names = imported.flatMap((m) => m.params);
    model.setWeights(names.map((n, i) => take(n, params[i].shape)));
    const norms = model.layers.filter((l) => l.kind === 'batchNorm') as BatchNorm[];
    imported.filter((m) => m.stats).forEach((m, i) => {
      const b = norms[i];
      b.runningMean.data.set(take(m.stats![0], [b.inputUnits]));
      b.runningVar.data.set(take(m.stats![1], [b.inputUnits]));
    });
    const extra = [...weights.keys()].filter((n) => !used.has(n));
    if (extra.length) bad(`weights ${extra.join(', ')} belong to no layer`);
    return model;
  } catch (e) {
    model.dispose();
    throw e;
  }
}
