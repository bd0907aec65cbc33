// Saving and loading a Sequential model: a JSON topology and one little-endian float32
// buffer holding, in order, every parameter (getWeights() order), every batchNorm layer's
// running mean and variance, and (when asked) the optimizer's state slots.
// A file from anywhere is untrusted: load checks the format and version, every layer kind and
// option, that each shape agrees with the buffer and that no value is NaN or infinite, all
// before it builds anything, so it returns a whole model or throws an error saying which part is wrong.
import type { Model, ModelOptions, ModelGraph } from './model.js';
import { graphTopology, buildGraph, type GraphTopology } from './graph-topology.js';
import * as layers from '../layers/index.js';
import * as optimizers from '../optimizers/index.js';
import * as regularizers from '../regularizers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Regularizer } from '../regularizers/index.js';
import * as losses from '../losses/index.js';

export const FORMAT = 'wasmnn-sequential';
/** A functional model: the same file, with its graph. */
export const GRAPH_FORMAT = 'wasmnn-model';
export const VERSION = 1;

export interface SavedModel {
  topology: Topology;
  /** float32 values, little-endian. */
  weights: ArrayBuffer;
}

export interface Topology {
  format: string;
  version: number;
  name: string;
  seed: number;
  layers: Record<string, unknown>[];
  params: { name: string; shape: number[] }[];
  buffers: { name: string; length: number }[];
  /** PRNG states (init, shuffle, dropout streams), so shuffling and dropout continue where they were. */
  rng: number[];
  /** A functional model's graph (format wasmnn-model). */
  graph?: GraphTopology;
  training?: { loss: Record<string, unknown>; metrics: string[]; optimizer: Record<string, unknown>; slots: number[]; iterations: number; scheduleStep: number; extra: Record<string, number> };
}

class ModelFileError extends RangeError {
  override name = 'ModelFileError';
}
const bad = (msg: string): never => {
  throw new ModelFileError(`wasmnn: cannot load model: ${msg}`);
};

export function saveModel(model: Model, { includeOptimizer = false } = {}): SavedModel {
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
  const chain = model.isChain();
  const topology: Topology = { format: chain ? FORMAT : GRAPH_FORMAT, version: VERSION, name: model.name, seed: model.seed, layers: model.layers.map((l) => l.getConfig()), params, buffers, rng: model.exportRng() };
  if (!chain) topology.graph = graphTopology(model.inputs, model.outputs, model.layers);
  if (includeOptimizer) {
    const opt = model.optimizer;
    const loss = model.lossConfig;
    if (!opt || !loss) throw new Error('wasmnn: save({ includeOptimizer: true }) needs a compiled model');
    if (!(String(loss.name) in BUILTIN_LOSSES) || typeof opt.lr !== 'number') {
      throw new Error('wasmnn: save({ includeOptimizer: true }) cannot store a user-defined loss or a schedule object; save without the optimizer');
    }
    const state = opt.exportState();
    parts.push(...state.slots);
    topology.training = { loss, metrics: [...model.metrics], optimizer: opt.getConfig(), slots: state.slots.map((s) => s.length), iterations: state.iterations, scheduleStep: state.scheduleStep, extra: state.extra };
  }
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Float32Array(total);
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length;
  }
  return { topology: JSON.parse(JSON.stringify(topology)), weights: littleEndian(all) };
}

function littleEndian(a: Float32Array): ArrayBuffer {
  const buf = new ArrayBuffer(a.length * 4);
  const dv = new DataView(buf);
  for (let i = 0; i < a.length; i++) dv.setFloat32(i * 4, a[i], true);
  return buf;
}

function readFloats(buf: ArrayBuffer): Float32Array {
  const dv = new DataView(buf);
  const out = new Float32Array(buf.byteLength / 4);
  for (let i = 0; i < out.length; i++) out[i] = dv.getFloat32(i * 4, true);
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
      default:
        return bad(`${where} has unknown type '${String(c.kind)}'`);
    }
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    return bad(`${where}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
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

/** Builds the model from layers in a chain (Sequential.load passes `new Sequential`). */
export type ChainBuilder = (layers: Layer[], options: ModelOptions) => Model;

/** Builds a functional model from its rebuilt graph (Model.load passes `new Model`). */
export type GraphBuilder = (graph: ModelGraph, options: ModelOptions) => Model;

export function loadModel(saved: SavedModel, build: ChainBuilder, buildFunctional?: GraphBuilder): Model {
  const t = saved?.topology;
  if (!t || typeof t !== 'object') bad('no topology');
  if (t.format === GRAPH_FORMAT && !buildFunctional) bad(`the file holds a functional model (format '${GRAPH_FORMAT}'): load it with Model.load`);
  if (t.format !== FORMAT && t.format !== GRAPH_FORMAT) bad(`format '${String(t.format)}' is not '${FORMAT}' or '${GRAPH_FORMAT}'`);
  if (t.version !== VERSION) bad(`format version ${String(t.version)} is not supported (this library reads version ${VERSION})`);
  if (!(saved.weights instanceof ArrayBuffer)) bad('weights must be an ArrayBuffer');
  if (!Array.isArray(t.layers) || t.layers.length === 0) bad('the topology has no layers');
  if (!Array.isArray(t.params) || !Array.isArray(t.buffers)) bad('the topology lacks its params or buffers list');
  // The buffer's size must be exactly what the topology describes.
  const sizes = [
    ...t.params.map((p, i) => (Array.isArray(p?.shape) && p.shape.every((d) => Number.isInteger(d) && d > 0) ? p.shape.reduce((a, b) => a * b, 1) : bad(`param ${i} has shape ${JSON.stringify(p?.shape)}`))),
    ...t.buffers.map((b, i) => num(b?.length, `buffer ${i} length`, (n) => Number.isInteger(n) && n > 0)),
    ...(t.training?.slots ?? []).map((n, i) => num(n, `optimizer slot ${i} length`, (v) => Number.isInteger(v) && v > 0)),
  ];
  const expected = sizes.reduce((a, b) => a + b, 0);
  if (saved.weights.byteLength !== expected * 4) {
    bad(`the weight buffer has ${saved.weights.byteLength} bytes but the topology describes ${expected} float32 values (${expected * 4} bytes): ${saved.weights.byteLength < expected * 4 ? 'truncated' : 'too long'}`);
  }
  const values = readFloats(saved.weights);
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) bad(`value ${i} of the weight buffer is ${values[i]}`);

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
    const norms = model.layers.filter((l) => l.kind === 'batchNorm') as BatchNorm[];
    if (norms.length * 2 !== t.buffers.length) bad(`${norms.length} batchNorm layers but ${t.buffers.length} running-statistics buffers`);
    let o = 0;
    const take = (n: number) => values.subarray(o, (o += n));
    model.setWeights(mine.map((p) => take(p.size)));
    for (const b of norms) {
      if (t.buffers[2 * norms.indexOf(b)].length !== b.inputUnits) bad(`${b.name}'s running statistics have the wrong length`);
      b.runningMean.data.set(take(b.inputUnits));
      b.runningVar.data.set(take(b.inputUnits));
    }
    if (t.training) {
      const tr = t.training;
      const make = OPTIMIZERS[String(tr.optimizer?.kind)] ?? bad(`unknown optimizer '${String(tr.optimizer?.kind)}'`);
      const { kind: _k, ...options } = tr.optimizer;
      const opt = make(options);
      const loss = (BUILTIN_LOSSES[String(tr.loss?.name)] ?? bad(`unknown loss '${String(tr.loss?.name)}'`))(tr.loss);
      model.compile({ loss, optimizer: opt, metrics: tr.metrics as never });
      opt.importState({ iterations: tr.iterations, scheduleStep: tr.scheduleStep, extra: tr.extra, slots: tr.slots.map((n) => take(n).slice()) });
    }
    return model;
  } catch (e) {
    model.dispose(); // never a half-loaded model
    if (e instanceof ModelFileError) throw e;
    return bad((e as Error).message.replace(/^wasmnn: /, ''));
  }
}
