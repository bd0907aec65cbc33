// ONNX import: the graph read (onnx-read.ts), its nodes recognised as layers and graph ops
// (onnx-recognise.ts says which), and the model built by the caller's builders, the weights and
// running statistics written into its layers.
// NOTE: a graph that is a chain of layers from one input to one output (what an MLP exports to)
// becomes a Sequential, as before functional graphs were supported; any other graph (branches,
// several inputs or outputs, graph ops) a functional Model, whose standalone activations are ops.
import type { onnx as P } from 'onnx-proto';
import type { ModelView, ModelGraph, ModelOptions } from '../model/view.js';
import { input, BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { sliceAxes } from '../graph/ops/shape.js';
import { reshape } from '../graph/ops/reshape.js';
import { activation as activationOp } from '../graph/ops/activation.js';
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import { onnx, bad, OnnxError, int } from './onnx-schema.js';
import { constTensor, type Const } from './onnx-import-ops.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { readGraph } from './onnx-read.js';
import { recognise, type Pending, type Item } from './onnx-recognise.js';
import { layOut } from './onnx-layout.js';
import { imageLayer, nhwcRows, checkPool1dPads } from './onnx-import-image.js';

export interface OnnxImportOptions {
  /** Seed of the imported model's random streams (dropout masks, shuffling). Default 0. */
  seed?: number;
}

/** How the importer builds models (given by its callers, so that it imports no model code itself). */
export interface OnnxBuilders {
  /** A model of layers in a chain, the first with its inputDim. */
  chain(layers: Layer[], options: ModelOptions): ModelView;
  /** A functional model; without it, a graph that is not a chain is refused. */
  graph?(graph: ModelGraph, options: ModelOptions): ModelView;
}

/**
 * A model from ONNX bytes: `builders.chain` of the layers for a chain of Gemm/MatMul(+Add) dense
 * layers, BatchNormalization, Dropout and activations from one input to one output (what
 * torch.onnx.export writes for an MLP of nn.Linear, activations and nn.BatchNorm1d, or a CNN of
 * Conv2d, BatchNorm2d, pooling, Flatten and Linear: onnx-recognise-image.ts, onnx-layout.ts),
 * `builders.graph` for any other graph of those and the graph ops. An unsupported op is an error
 * naming the op and its node.
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions, builders: OnnxBuilders): ModelView {
  checkOptions('fromOnnx', options, optionKeys<OnnxImportOptions>({ seed: true }));
  let model: P.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (e) {
    return bad(`not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph ?? bad('the model has no graph');
  for (const o of model.opsetImport ?? []) if (o.domain && o.domain !== 'ai.onnx') bad(`operator set domain '${o.domain}' is not supported`);

  const read = readGraph(g);
  const { res, constOf, inputs } = read;
  const named = inputs.map((gi) => ({ gi, name: res(gi.name ?? ''), rank: gi.type?.tensorType?.shape?.dim?.length ?? 2 }));
  const { items: live, outNames, inputRel } = layOut(recognise(read), named, read.outNames);

  const inName = named[0].name;
  const linked = inputs.length === 1 && outNames.length === 1 && live.length > 0 && live.every((it, k) => it.kind !== 'op' && it.input === (k === 0 ? inName : (live[k - 1] as Pending).output)) &&
    (live[live.length - 1] as Pending).output === outNames[0];
  /** One sample's shape in wasmnn's layout (ONNX's dims but the batch, through the input's relation). */
  const sampleShape = ({ gi, name }: (typeof named)[number]): number[] => {
    const dims = gi.type?.tensorType?.shape?.dim ?? [];
    const rel = inputRel.get(name)!;
    const fixed = dims.map((d) => (d.dimValue != null && int(d.dimValue) > 0 ? int(d.dimValue) : undefined));
    if (rel.length === 2 && fixed[1] === undefined) {
      // A symbolic width: the first layer reading the input tells it.
      const first = live.find((it) => it.kind !== 'op' && it.input === name);
      if (first?.kind === 'dense') return [first.inUnits];
      if (first?.kind === 'batchNorm') return [first.w[0].length];
    }
    const shape: number[] = [];
    rel.forEach((ours, j) => (shape[ours] = fixed[j] ?? (j === 0 ? 0 : bad(`the input '${gi.name}' has no fixed size along axis ${j}`))));
    return shape.slice(1);
  };
  const shapes = named.map(sampleShape);
  const pending = live as Pending[];
  // A Sequential model's first layer declares the input: dense or batch norm a width, image layers a shape.
  const chain = linked && ['conv', 'pool', 'gap', 'flatten', 'reshape', ...(shapes[0].length === 1 ? ['dense', 'batchNorm'] : [])].includes(pending[0].kind);
  if (chain) return buildChain(pending, shapes[0], options, builders.chain);
  if (!builders.graph) {
    bad(linked ? `a Sequential model starts with a Gemm, MatMul or BatchNormalization node, this chain with ${live[0].where} (one of images with Conv, a pooling, Flatten or Reshape); Model.fromOnnx imports it as a functional model`
      : 'the graph is not a chain of layers from one input to one output (a Sequential model); Model.fromOnnx imports it as a functional model');
  }
  const INTS = [onnx.TensorProto.DataType.INT32, onnx.TensorProto.DataType.INT64];
  const dtypeOf = (gi: P.IValueInfoProto) => (INTS.includes(gi.type?.tensorType?.elemType ?? 0) ? 'int32' : 'float32') as 'int32' | 'float32';
  return buildGraph(live, named.map((n, i) => ({ name: n.name, shape: shapes[i], dtype: dtypeOf(n.gi) })), outNames, constOf, options, builders.graph!);
}

function makeLayer(p: Pending, inputShape: number[] | undefined): Layer {
  const inputDim = inputShape?.[0];
  switch (p.kind) {
    case 'dense': return layers.dense({ units: p.units, inputDim, activation: p.activation, useBias: p.b !== undefined });
    case 'batchNorm': return layers.batchNorm({ eps: p.eps, momentum: p.momentum, inputDim });
    case 'dropout': return layers.dropout({ rate: p.rate });
    case 'activation': return layers.activation({ activation: p.activation });
    case 'embedding': return layers.embedding({ inputDim: p.table.dims[0], outputDim: p.table.dims[1] });
    case 'positional': return layers.positionalEmbedding({ maxLength: p.table.dims[0], outputDim: p.table.dims[1] });
    case 'layerNorm': return layers.layerNormalization({ epsilon: p.eps });
    default: return imageLayer(p, inputShape);
  }
}

/** Checks that each layer's input has the width its weights were made for. */
function checkWidths(made: Map<Layer, Pending>): void {
  for (const [l, p] of made) {
    const have = l.inputUnits;
    if (p.kind === 'dense' && p.inUnits !== have) bad(`${p.where}: takes ${p.inUnits} features but receives ${have}`);
    if (p.kind === 'batchNorm' && p.w[0].length !== have) bad(`${p.where}: normalises ${p.w[0].length} features but receives ${have}`);
    if (p.kind === 'conv' && p.cin !== have) bad(`${p.where}: takes ${p.cin} channels but receives ${have}`);
    checkPool1dPads(p, l);
    if (p.kind === 'layerNorm' && p.gamma.length !== have) bad(`${p.where}: normalises ${p.gamma.length} features but receives ${have}`);
    if (p.kind === 'positional' && p.table.dims[1] !== have) bad(`${p.where}: adds rows of ${p.table.dims[1]} features to ${have}`);
  }
}

/** Writes the imported weights and running statistics into the model's layers (made[i] built from pending[i]). */
function loadWeights(model: ModelView, made: Map<Layer, Pending>): void {
  checkWidths(made);
  const layerOf = new Map([...made].map(([l, p]) => [p, l]));
  const weights: Float32Array[] = [];
  for (const l of model.layers) {
    const p = made.get(l)!;
    if (p.kind === 'dense') weights.push(p.nchwRows ? nhwcRows(p.W, p.units, layerOf.get(p.nchwRows)!.inputShape) : p.W, ...(p.b ? [p.b] : []));
    if (p.kind === 'conv') weights.push(p.W, ...(p.b ? [p.b] : []));
    if (p.kind === 'batchNorm') weights.push(p.w[0], p.w[1]);
    if (p.kind === 'embedding' || p.kind === 'positional') weights.push(Float32Array.from(p.table.values));
    if (p.kind === 'layerNorm') weights.push(p.gamma, p.beta);
  }
  model.setWeights(weights);
  for (const l of model.layers) {
    const p = made.get(l)!;
    if (p.kind !== 'batchNorm') continue;
    (l as BatchNorm).runningMean.data.set(p.w[2]);
    (l as BatchNorm).runningVar.data.set(p.w[3]);
  }
}

/** Errors of the library's own checks, as ONNX errors that say where in the file they come from. */
function explained<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    return bad(`${where ? `${where}: ` : ''}${(e as Error).message.replace(/^wasmnn: /, '')}`);
  }
}

function buildChain(pending: Pending[], inputShape: number[], options: OnnxImportOptions, chain: OnnxBuilders['chain']): ModelView {
  const made = new Map<Layer, Pending>();
  const ls = pending.map((p, i) => {
    const l = explained(p.where, () => makeLayer(p, i === 0 ? inputShape : undefined));
    made.set(l, p);
    return l;
  });
  const model = explained('', () => chain(ls, { seed: options.seed }));
  loadWeights(model, made);
  return model;
}

/** The box of a 'take' item along our axis `ours` (onnx-layout.ts), that axis dropped when it squeezes. */
function take(x: SymbolicTensor, it: Extract<Pending, { kind: 'take' }>): SymbolicTensor {
  const a = it.ours!, dim = x.shape[a];
  const size = it.split ? dim / it.split[1] : it.size, begin = it.split ? it.split[0] * size : it.begin < 0 ? it.begin + dim : it.begin;
  if (!Number.isInteger(size) || begin < 0 || begin + size > dim) bad(`${it.where}: entries [${begin}, ${begin + size}) do not fit an axis of ${dim}`);
  const y = sliceAxes(x, x.shape.map((_, i) => (i === a ? begin : 0)), x.shape.map((d, i) => (i === a ? size : d === BATCH ? -1 : d)));
  return it.squeeze ? reshape(y, y.shape.filter((_, i) => i !== a)) : y;
}

function buildGraph(items: Item[], inputs: { name: string; shape: number[]; dtype: 'float32' | 'int32' }[], outNames: string[], constOf: (name: string) => Const | undefined, options: OnnxImportOptions, graph: NonNullable<OnnxBuilders['graph']>): ModelView {
  const env = new Map<string, SymbolicTensor>();
  const ins = inputs.map((gi) => {
    const t = input(gi.shape, { name: gi.name, dtype: gi.dtype });
    env.set(gi.name, t);
    return t;
  });
  const tensor = (name: string, w: string): SymbolicTensor => {
    const t = env.get(name);
    if (t) return t;
    const c = constOf(name);
    return c ? constTensor(c, w) : bad(`${w} reads '${name}', which is no input, constant or output of an earlier node`);
  };
  const made = new Map<Layer, Pending>();
  for (const it of items) {
    const y = explained(it.where, () => {
      if (it.kind === 'op') return it.make(it.operands.map((o) => tensor(o, it.where)));
      if (it.kind === 'transpose') return bad(`${it.where}: internal: a Transpose node left after layout`);
      const x = tensor(it.input, it.where);
      if (it.kind === 'take') return take(x, it);
      // A standalone activation in a graph is an op, as toOnnx's graph ops are.
      if (it.kind === 'activation') return activationOp(x, it.activation);
      const l = makeLayer(it, undefined);
      made.set(l, it);
      return l.apply(x);
    });
    env.set(it.output, y);
  }
  const outputs = outNames.map((o) => tensor(o, `the graph output '${o}'`));
  const model = explained('', () => graph({ inputs: ins, outputs }, { seed: options.seed }));
  loadWeights(model, made);
  return model;
}
