// Import of the tfjs layers format (what tfjs' model.save writes): each Keras layer by a small
// function (IMPORTERS), the weights read from the one buffer and checked by name and shape. See
// tfjs.ts for the mapping and its NOTEs.
import type { ModelView, ModelOptions } from '../model/view.js';
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import { checkOptions } from '../validate/options.js';
import { bad, activationFrom, regularizerFrom, refuse, roundTo12, type Importer, type KerasLayer, type TfjsArtifacts, type TfjsWeightSpec } from './tfjs-format.js';
import { IMAGE_IMPORTERS } from './tfjs-image.js';
import type { Imported } from './tfjs-format.js';

/** The Keras layers that may come first: they declare the input's width or shape. */
const DECLARES_INPUT = ['Dense', 'BatchNormalization', 'Conv2D', 'Conv1D', 'DepthwiseConv2D', 'MaxPooling2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'MaxPooling1D', 'AveragePooling1D', 'GlobalMaxPooling1D', 'GlobalAveragePooling1D', 'Flatten', 'Reshape', 'ZeroPadding2D'];

/** A width for a layer that works on features (dense, batch norm) when it is the model's first. */
function featuresFrom(first: number[] | undefined): number | undefined {
  if (first && first.length !== 1) bad(`the input shape ${JSON.stringify([null, ...first])} is not [batch, features]`);
  return first?.[0];
}

const IMPORTERS: Record<string, Importer> = {
  InputLayer: () => ({ layers: [], params: [] }),
  Dense(c, where, { first }) {
    const inputDim = featuresFrom(first);
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
  BatchNormalization(c, where, { first }) {
    const inputDim = featuresFrom(first);
    refuse(c, where, ['beta_regularizer', 'gamma_regularizer', 'beta_constraint', 'gamma_constraint']);
    const axis = Array.isArray(c.axis) && c.axis.length === 1 ? c.axis[0] : c.axis ?? -1;
    if (axis !== -1 && axis !== 1 && axis !== 3) bad(`${where}: axis ${JSON.stringify(c.axis)} is not supported (the last: the features of [batch, features], the channels of images)`);
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
  ...IMAGE_IMPORTERS,
};

/** One sample's input shape from batch_input_shape ([null, ...]) on the InputLayer or the first layer. */
function inputShapeOf(list: KerasLayer[]): number[] {
  const c = list[0]?.config ?? {};
  const shape = (c.batch_input_shape ?? c.batchInputShape ?? c.batch_shape) as unknown;
  if (!Array.isArray(shape)) return bad('the first layer has no batch_input_shape');
  if (shape.length < 2 || !shape.slice(1).every((d) => Number.isInteger(d) && d > 0)) bad(`the input shape ${JSON.stringify(shape)} is not [batch, ...] of fixed sizes`);
  return shape.slice(1) as number[];
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
  const inputShape = inputShapeOf(list);
  let prev: Imported | undefined;
  let made = 0;
  const imported = list.map((k, i) => {
    const where = `layer ${i} (${String(k?.config?.name)}, ${String(k?.class_name)})`;
    const make = IMPORTERS[String(k?.class_name)] ?? bad(`${where}: layer class '${String(k?.class_name)}' is not supported (supported: ${Object.keys(IMPORTERS).join(', ')})`);
    // A ZeroPadding2D before a 'valid' convolution becomes that convolution's pads (its own layer otherwise).
    const fold = prev?.pad && ['Conv2D', 'DepthwiseConv2D'].includes(k.class_name) && (k.config?.padding ?? 'valid') === 'valid';
    if (fold) {
      made -= prev!.layers.length;
      prev!.layers = [];
    }
    const out = make(k.config ?? {}, where, { first: made === 0 ? inputShape : undefined, pad: fold ? prev!.pad : undefined });
    if (made === 0 && out.layers.length && !DECLARES_INPUT.includes(k.class_name)) bad(`${where}: a model must start with a layer that declares its input (${DECLARES_INPUT.join(', ')})`);
    prev = out;
    made += out.layers.length;
    return out;
  });
  const name = Array.isArray(cfg) ? undefined : typeof cfg?.name === 'string' ? cfg.name : undefined;
  const model = chain(imported.flatMap((m) => m.layers), { seed: options.seed, name });
  try {
    const used = new Set<string>();
    const fileShape = Object.assign({}, ...imported.map((m) => m.fileShape ?? {})) as NonNullable<Imported['fileShape']>;
    const take = (n: string, paramShape: readonly number[]) => {
      const w = weights.get(n) ?? bad(`weight '${n}' is missing`);
      const shape = fileShape[n]?.(paramShape) ?? paramShape;
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
