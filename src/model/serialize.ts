// Saving and loading a model: a JSON topology and one little-endian buffer holding, in order,
// as float32: every parameter (getWeights() order), every batchNorm layer's running mean and
// variance, and (when asked) the optimizer's state slots; then, with the optimizer, the shuffle
// order fit has reached as uint32. Version 2 adds CRC-32 checksums of the topology and the buffer
// (version 1 files, without them, still load). encodeModel/decodeModel put both in one byte
// string (a single file). A file from anywhere is untrusted: load checks the format, version and
// checksums, every layer kind and option, that each shape agrees with the buffer, that no value
// is NaN or infinite and that state is possible (a variance is not negative, a step count is a
// whole number), so it returns a whole model or throws an error saying which part is wrong.
import type { ModelView, ChainBuilder, GraphBuilder } from './view.js';
import { graphTopology, buildGraph, type GraphTopology } from './graph-topology.js';
import * as layers from '../layers/index.js';
import * as optimizers from '../optimizers/index.js';
import * as regularizers from '../regularizers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Regularizer } from '../regularizers/index.js';
import * as losses from '../losses/index.js';
import { fromConfig as scheduleFromConfig, type Schedule } from '../schedules/index.js';
import { checksums, swappedCrc, type Checksums } from './checksum.js';
import { CharTokenizer } from '../data/tokenizer.js';
import { ModelFileError, bad, bytesOf, decodeModel, type SavedModel, type ModelSource, type Topology } from './model-file.js';
import { pooling1dFrom } from '../layers/pooling1d.js';

export { encodeModel, decodeModel, type SavedModel, type ModelSource, type Topology } from './model-file.js';

export const FORMAT = 'wasmnn-sequential';
/** A functional model: the same file, with its graph. */
export const GRAPH_FORMAT = 'wasmnn-model';
export const VERSION = 2;
/** The versions load reads: 1 (no checksums) and 2. */
const VERSIONS = [1, 2];

export function saveModel(model: ModelView, { includeOptimizer = false } = {}): SavedModel {
  const params = model.parameters().map((p) => ({ name: p.name, shape: [...p.shape] }));
  const parts: Float32Array[] = model.getWeights();
  const buffers: { name: string; length: number }[] = [];
  for (const l of model.layers) {
    if (l.kind === 'batchNorm') {
      const b = l as BatchNorm;
      parts.push(b.runningMean.data.slice(), b.runningVar.data.slice());
      buffers.push({ name: `${l.name}/runningMean`, length: b.inputUnits }, { name: `${l.name}/runningVar`, length: b.inputUnits });
    }
  }
  let order: Int32Array | undefined;
  const chain = model.isChain();
  const topology: Topology = { format: chain ? FORMAT : GRAPH_FORMAT, version: VERSION, name: model.name, seed: model.seed, layers: model.layers.map((l) => l.getConfig()), params, buffers, rng: model.exportRng() };
  if (!chain) topology.graph = graphTopology(model.inputs, model.outputs, model.layers);
  if (model.tokenizer) topology.tokenizer = model.tokenizer.toJSON();
  if (includeOptimizer) {
    const opt = model.optimizer;
    const loss = model.lossConfig;
    if (!opt || !loss) throw new Error('wasmnn: save({ includeOptimizer: true }) needs a compiled model');
    if (!(String(loss.name) in BUILTIN_LOSSES)) throw new Error(`wasmnn: save({ includeOptimizer: true }) cannot store the user-defined loss '${String(loss.name)}'; save without the optimizer`);
    const config = opt.getConfig();
    const lr = opt.lr as Partial<Schedule>;
    if (typeof lr !== 'number') {
      // A schedule is stored by its config and rebuilt by its kind's factory, so only the built-in kinds.
      const c = config.lr as Record<string, unknown> | string;
      let known = false;
      try {
        known = typeof c === 'object' && scheduleFromConfig(c as never) !== undefined;
      } catch {
        known = false;
      }
      if (!known) throw new Error(`wasmnn: save({ includeOptimizer: true }) can store the built-in schedules (schedules.step, cosine, ...) but not this learning-rate object${typeof c === 'object' ? ` of kind '${String(c.kind)}'` : ' (it has no getConfig())'}; save without the optimizer`);
    }
    const state = opt.exportState();
    parts.push(...state.slots);
    order = model.exportShuffleOrder();
    topology.training = {
      loss, metrics: [...model.metrics], optimizer: config, kind: state.kind, slots: state.slots.map((s) => s.length),
      iterations: state.iterations, scheduleStep: state.scheduleStep, epochs: state.epochs ?? 0, extra: state.extra, order: order?.length ?? 0,
    };
    if (typeof lr !== 'number' && lr.getState) topology.training.schedule = lr.getState();
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  const weights = littleEndian(all, order);
  const t = JSON.parse(JSON.stringify(topology)) as Topology;
  t.checksum = checksums(t, new Uint8Array(weights));
  return { topology: t, weights };
}

function littleEndian(a: Float32Array, order: Int32Array | undefined): ArrayBuffer {
  const buf = new ArrayBuffer((a.length + (order?.length ?? 0)) * 4);
  const dv = new DataView(buf);
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i], true);
  if (order) for (let i = 0; i < order.length; i++) dv.setUint32((a.length + i) * 4, order[i], true);
  return buf;
}

function readFloats(bytes: Uint8Array, count: number): Float32Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

const num = (v: unknown, what: string, ok: (n: number) => boolean) => (typeof v === 'number' && ok(v) ? v : bad(`${what} is ${JSON.stringify(v)}`));

function regularizer(c: unknown, where: string): Regularizer | undefined {
  if (c === undefined || c === null) return undefined;
  const r = c as { l1?: unknown; l2?: unknown };
  return regularizers.l1l2({ l1: num(r.l1, `${where}.l1`, (n) => n >= 0), l2: num(r.l2, `${where}.l2`, (n) => n >= 0) });
}

function layerFrom(c: Record<string, unknown>, i: number, functional: boolean): Layer {
  const where = `layer ${i}`;
  const first = i === 0 && !functional; // a functional graph's layers take their width from their inputs
  try {
    switch (c.kind) {
      case 'dense':
        return layers.dense({
          units: num(c.units, `${where}.units`, (n) => Number.isInteger(n) && n > 0),
          inputDim: first ? num(c.inputDim, `${where}.inputDim`, (n) => Number.isInteger(n) && n > 0) : undefined,
          activation: c.activation as never,
          useBias: c.useBias !== false,
          kernelRegularizer: regularizer(c.kernelRegularizer, `${where}.kernelRegularizer`),
          biasRegularizer: regularizer(c.biasRegularizer, `${where}.biasRegularizer`),
          name: typeof c.name === 'string' ? c.name : undefined,
        });
      case 'dropout':
        return layers.dropout({ rate: c.rate as number, name: c.name as string });
      case 'batchNorm':
        return layers.batchNorm({ eps: c.eps as number, momentum: c.momentum as number, name: c.name as string, inputDim: first ? (c.inputDim as number) : undefined });
      case 'activation':
        return layers.activation({ activation: (c.alpha ? { name: c.activation, alpha: c.alpha } : c.activation) as never, name: c.name as string });
      case 'multiHeadAttention':
        return layers.multiHeadAttention({ numHeads: c.numHeads as number, keyDim: c.keyDim as number, valueDim: c.valueDim as number, causal: c.causal === true, dropout: (c.dropout as number) ?? 0, useBias: c.useBias !== false, outputShape: c.outputShape as number, inputShape: first ? (c.inputShape as number[]) : undefined, name: c.name as string });
      default:
        return spatialFrom(c, first, where);
    }
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    return bad(`${where}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
  }
}

// The image layers from their getConfig(); the layer constructors check every option again.
function spatialFrom(c: Record<string, unknown>, first: boolean, where: string): Layer {
  const o = c as Record<string, never>;
  const common = { name: typeof c.name === 'string' ? c.name : undefined, inputShape: first ? o.inputShape : undefined };
  const conv = { ...common, kernelSize: o.kernelSize, strides: o.strides, padding: o.padding, dilationRate: o.dilationRate, activation: c.activation as never, useBias: c.useBias !== false, kernelRegularizer: regularizer(c.kernelRegularizer, `${where}.kernelRegularizer`), biasRegularizer: regularizer(c.biasRegularizer, `${where}.biasRegularizer`) };
  switch (c.kind) {
    case 'conv2d': return layers.conv2d({ ...conv, filters: o.filters, groups: o.groups });
    case 'depthwiseConv2d': return layers.depthwiseConv2d({ ...conv, depthMultiplier: o.depthMultiplier });
    case 'maxPooling2d': return layers.maxPooling2d({ ...common, poolSize: o.poolSize, strides: o.strides, padding: o.padding });
    case 'averagePooling2d': return layers.averagePooling2d({ ...common, poolSize: o.poolSize, strides: o.strides, padding: o.padding });
    case 'globalAveragePooling2d': return layers.globalAveragePooling2d(common);
    case 'flatten': return layers.flatten(common);
    case 'reshape': return layers.reshape({ ...common, targetShape: o.targetShape });
    case 'zeroPadding2d': return layers.zeroPadding2d({ ...common, padding: o.padding });
    case 'embedding': return layers.embedding({ ...common, inputDim: o.inputDim, outputDim: o.outputDim });
    case 'layerNormalization': return layers.layerNormalization({ ...common, epsilon: o.epsilon, axis: o.axis });
    case 'positionalEmbedding': return layers.positionalEmbedding({ ...common, maxLength: o.maxLength, outputDim: o.outputDim });
    case 'transformerBlock': return layers.transformerBlock({ ...common, numHeads: o.numHeads, keyDim: o.keyDim, mlpRatio: o.mlpRatio, dropout: o.dropout, causal: o.causal, epsilon: o.epsilon });
    case 'conv1d': return layers.conv1d({ ...conv, filters: o.filters, groups: o.groups });
    case 'spatialDropout2d': {
      const l = layers.spatialDropout2d({ ...common, rate: o.rate, seed: o.seed });
      if (c.rngState !== undefined) l.resumeStream(o.rngState);
      return l;
    }
    default: return pooling1dFrom(c, common) ?? bad(`${where} has unknown type '${String(c.kind)}'`);
  }
}

const BUILTIN_LOSSES: Record<string, (c: Record<string, unknown>) => losses.Loss> = {
  mse: () => losses.mse(), mae: () => losses.mae(), bce: () => losses.bce(), bceWithLogits: () => losses.bceWithLogits(),
  softmaxCrossEntropy: () => losses.softmaxCrossEntropy(), smoothL1: (c) => losses.smoothL1(c.beta as number), huber: (c) => losses.huber(c.delta as number),
};

const OPTIMIZERS: Record<string, (o: any) => Optimizer> = {
  sgd: optimizers.sgd, adagrad: optimizers.adagrad, rmsprop: optimizers.rmsprop, adam: optimizers.adam, adamw: optimizers.adamw,
  adamax: optimizers.adamax, nadam: optimizers.nadam, adadelta: optimizers.adadelta,
};


export function loadModel(source: ModelSource, build: ChainBuilder, buildFunctional?: GraphBuilder): ModelView {
  const saved = source instanceof ArrayBuffer || ArrayBuffer.isView(source) ? decodeModel(source) : source;
  const t = saved?.topology;
  if (!t || typeof t !== 'object') bad('no topology (pass save()\'s { topology, weights } or encodeModel()\'s bytes)');
  if (t.format === GRAPH_FORMAT && !buildFunctional) bad(`the file holds a functional model (format '${GRAPH_FORMAT}'): load it with Model.load`);
  if (t.format !== FORMAT && t.format !== GRAPH_FORMAT) bad(`format '${String(t.format)}' is not '${FORMAT}' or '${GRAPH_FORMAT}'`);
  if (!VERSIONS.includes(t.version)) bad(`format version ${String(t.version)} is not supported (this library reads versions ${VERSIONS.join(' and ')})`);
  const bytes = bytesOf(saved.weights, 'weights');
  if (!Array.isArray(t.layers) || t.layers.length === 0) bad('the topology has no layers');
  if (!Array.isArray(t.params) || !Array.isArray(t.buffers)) bad('the topology lacks its params or buffers list');
  // The buffer's size must be exactly what the topology describes.
  const sizes = [
    ...t.params.map((p, i) => (Array.isArray(p?.shape) && p.shape.every((d) => Number.isInteger(d) && d > 0) ? p.shape.reduce((a, b) => a * b, 1) : bad(`param ${i} has shape ${JSON.stringify(p?.shape)}`))),
    ...t.buffers.map((b, i) => num(b?.length, `buffer ${i} length`, (n) => Number.isInteger(n) && n > 0)),
    ...(t.training?.slots ?? []).map((n, i) => num(n, `optimizer slot ${i} length`, (v) => Number.isInteger(v) && v > 0)),
  ];
  const floats = sizes.reduce((a, b) => a + b, 0);
  const orderLength = t.version >= 2 && t.training ? num(t.training.order ?? 0, 'the shuffle order length', (n) => Number.isInteger(n) && n >= 0) : 0;
  const expected = floats + orderLength;
  if (bytes.byteLength !== expected * 4) {
    bad(`the weight buffer has ${bytes.byteLength} bytes but the topology describes ${floats} float32 values${orderLength ? ` and a shuffle order of ${orderLength}` : ''} (${expected * 4} bytes): ${bytes.byteLength < expected * 4 ? 'truncated' : 'too long'}`);
  }
  if (t.version >= 2) verifyChecksums(t, bytes);
  const values = readFloats(bytes, floats);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad(`value ${i} of the weight buffer is ${values[i]}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const order = orderLength ? Array.from({ length: orderLength }, (_, i) => dv.getUint32((floats + i) * 4, true)) : undefined;

  const functional = t.format === GRAPH_FORMAT;
  const layerList = t.layers.map((c, i) => layerFrom(c, i, functional));
  const options = { seed: num(t.seed, 'seed', (n) => Number.isSafeInteger(n) && n >= 0), name: typeof t.name === 'string' ? t.name : undefined };
  const model = functional ? buildFunctional!(buildGraph(t.graph as GraphTopology, layerList, bad), options) : build(layerList, { seed: num(t.seed, 'seed', (n) => Number.isSafeInteger(n) && n >= 0), name: typeof t.name === 'string' ? t.name : undefined });
  try {
    const mine = model.parameters();
    if (mine.length !== t.params.length) bad(`the layers have ${mine.length} parameters but the file lists ${t.params.length}`);
    mine.forEach((p, i) => {
      if (p.shape.join() !== t.params[i].shape.join()) bad(`${p.name} has shape [${p.shape}] in the layers but [${t.params[i].shape}] in the file`);
    });
    model.importRng(t.rng);
    if (t.tokenizer !== undefined) model.tokenizer = tokenizerFrom(t.tokenizer);
    const norms = model.layers.filter((l) => l.kind === 'batchNorm') as BatchNorm[];
    if (norms.length * 2 !== t.buffers.length) bad(`${norms.length} batchNorm layers but ${t.buffers.length} running-statistics buffers`);
    let o = 0;
    const take = (n: number) => values.subarray(o, (o += n));
    model.setWeights(mine.map((p) => take(p.size)));
    for (const b of norms) {
      if (t.buffers[2 * norms.indexOf(b)].length !== b.inputUnits) bad(`${b.name}'s running statistics have the wrong length`);
      const mean = take(b.inputUnits), variance = take(b.inputUnits);
      const neg = variance.findIndex((v) => v < 0);
      if (neg >= 0) bad(`${b.name}'s running variance is negative (${variance[neg]} at index ${neg}); a variance cannot be`);
      b.runningMean.data.set(mean);
      b.runningVar.data.set(variance);
    }
    if (t.training) {
      const tr = t.training;
      const make = OPTIMIZERS[String(tr.optimizer?.kind)] ?? bad(`unknown optimizer '${String(tr.optimizer?.kind)}'`);
      const { kind: _k, lr, ...options } = tr.optimizer;
      // A schedule comes back from its config; a stateful one (reduceOnPlateau) with its state.
      let rate: number | Schedule | undefined = lr as number | undefined;
      if (lr !== null && typeof lr === 'object') {
        rate = scheduleFromConfig(lr as never);
        if (tr.schedule !== undefined) {
          const restore = rate.setState ?? bad(`the file stores state for a '${rate.kind}' schedule, which has none`);
          restore(tr.schedule);
        }
      } else if (lr === 'schedule') bad('the optimizer\'s learning rate was a schedule the file does not describe');
      const opt = make({ ...options, lr: rate });
      const loss = (BUILTIN_LOSSES[String(tr.loss?.name)] ?? bad(`unknown loss '${String(tr.loss?.name)}'`))(tr.loss);
      model.compile({ loss, optimizer: opt, metrics: tr.metrics as never });
      // Version 1 files do not say whose state it is: the optimizer's own.
      opt.importState({ kind: t.version >= 2 ? String(tr.kind) : opt.kind, iterations: tr.iterations, scheduleStep: tr.scheduleStep, epochs: tr.epochs ?? 0, extra: tr.extra, slots: tr.slots.map((n) => take(n).slice()) });
      model.importShuffleOrder(order);
    }
    return model;
  } catch (e) {
    model.dispose(); // never a half-loaded model
    if (e instanceof ModelFileError) throw e;
    return bad((e as Error).message.replace(/^wasmnn: /, ''));
  }
}

function tokenizerFrom(json: unknown): CharTokenizer {
  try {
    return CharTokenizer.fromJSON(json, 'the tokenizer');
  } catch (e) {
    return bad((e as Error).message.replace(/^wasmnn: /, ''));
  }
}

function verifyChecksums(t: Topology, bytes: Uint8Array): void {
  const c = t.checksum as Checksums;
  if (!c || typeof c.topology !== 'string' || typeof c.weights !== 'string') bad(`a version ${t.version} file has checksums { topology, weights }; this one has ${JSON.stringify(c)}`);
  const now = checksums(t, bytes);
  if (now.topology !== c.topology) bad(`the topology does not match its checksum (CRC-32 ${now.topology}, saved ${c.topology}): it was damaged or edited after saving`);
  if (now.weights !== c.weights) {
    if (swappedCrc(bytes) === c.weights) bad('the weight buffer is byte-swapped: its 4-byte words are big-endian, the format is little-endian');
    bad(`the weight buffer does not match its checksum (CRC-32 ${now.weights}, saved ${c.weights}): bytes were damaged after saving`);
  }
}
