// ONNX import. Small matchers turn nodes into layers or graph ops: Gemm (transB 0 or 1, alpha
// and beta folded in) or MatMul with a constant weight (+ Add of a constant bias) -> dense;
// BatchNormalization (inference) -> batchNorm; Dropout -> dropout; Relu, Sigmoid, Tanh, LeakyRelu,
// Elu, Softplus, Softmax, Gelu -> activations; gelu, geluTanh and silu written as elementwise ops
// (as torch.onnx.export writes them) are recognised by evaluating the run of elementwise nodes on
// sample points against each candidate, so the operand order of an exporter does not matter; the
// graph ops of onnx-import-ops.ts otherwise. An activation that is the only reader of a dense
// layer's output becomes that layer's activation. Constants are initialisers or Constant nodes;
// Identity nodes are looked through.
// NOTE: a graph that is a chain of layers from one input to one output (what an MLP exports to)
// becomes a Sequential, as before functional graphs were supported; any other graph (branches,
// several inputs or outputs, graph ops) a functional Model, whose standalone activations are ops.
import type { onnx as P } from 'onnx-proto';
import type { Model, ModelGraph, ModelOptions } from '../model/model.js';
import { input, type SymbolicTensor } from '../graph/symbolic.js';
import { activation as activationOp } from '../graph/ops/activation.js';
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { ActivationSpec } from '../layers/activations.js';
import { ELEMENTWISE, erf } from '../reference/activations.js';
import { onnx, bad, OnnxError, attr, attrFloat, attrInt, int } from './onnx-schema.js';
import { graphOp, constTensor, GRAPH_OPS, type Const, type GraphOp } from './onnx-import-ops.js';
import { checkOptions, optionKeys } from '../validate/options.js';

/** A layer read from the graph, before it is built: what it reads and writes, and where it came from. */
type Pending = { input: string; output: string; where: string } & (
  | { kind: 'dense'; units: number; inUnits: number; activation: ActivationSpec; W: Float32Array; b?: Float32Array }
  | { kind: 'batchNorm'; eps: number; momentum: number; w: Float32Array[] }
  | { kind: 'dropout'; rate: number }
  | { kind: 'activation'; activation: ActivationSpec }
);
type Item = Pending | (GraphOp & { kind: 'op'; output: string; where: string });

const T = onnx.TensorProto.DataType;

function tensorValues(t: P.ITensorProto, where: string): Const {
  const dims = (t.dims ?? []).map(int);
  const n = dims.reduce((a, b) => a * b, 1);
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) bad(`${where}: external tensor data is not supported`);
  const raw = t.rawData && t.rawData.length ? t.rawData : undefined;
  const values = new Float64Array(n);
  const fromRaw = (size: number, read: (dv: DataView, o: number) => number) => {
    if (raw!.length !== n * size) bad(`${where}: raw data has ${raw!.length} bytes, dims [${dims}] need ${n * size}`);
    const dv = new DataView(raw!.buffer, raw!.byteOffset, raw!.byteLength);
    for (let i = 0; i < n; i++) values[i] = read(dv, i * size);
  };
  const fromList = (list: ArrayLike<unknown> | null | undefined) => {
    if (!list || list.length !== n) bad(`${where}: holds ${list?.length ?? 0} values, dims [${dims}] need ${n}`);
    for (let i = 0; i < n; i++) values[i] = int(list![i]);
  };
  switch (t.dataType) {
    case T.FLOAT: raw ? fromRaw(4, (dv, o) => dv.getFloat32(o, true)) : fromList(t.floatData); break;
    case T.DOUBLE: raw ? fromRaw(8, (dv, o) => dv.getFloat64(o, true)) : fromList(t.doubleData); break;
    case T.INT64: raw ? fromRaw(8, (dv, o) => Number(dv.getBigInt64(o, true))) : fromList(t.int64Data); break;
    case T.INT32: raw ? fromRaw(4, (dv, o) => dv.getInt32(o, true)) : fromList(t.int32Data); break;
    case T.BOOL: raw ? fromRaw(1, (dv, o) => dv.getUint8(o)) : fromList(t.int32Data); break;
    default: bad(`${where}: data type ${onnx.TensorProto.DataType[t.dataType ?? 0] ?? t.dataType} is not supported`);
  }
  for (let i = 0; i < n; i++) if (!Number.isFinite(values[i])) bad(`${where}: value ${i} is ${values[i]}`);
  return { dims, values };
}

/** The shortest decimal that is the same float32 (ONNX attributes are float32: 0.2 comes back as 0.20000000298). */
function shortF32(x: number): number {
  for (let p = 1; p < 17; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}

/** The constant of a Constant node. */
function constantNode(n: P.INodeProto, where: string): Const {
  const a = n.attribute?.[0];
  if (!a || n.attribute!.length !== 1) bad(`${where}: a Constant node needs exactly one attribute`);
  switch (a!.name) {
    case 'value': return tensorValues(a!.t ?? {}, where);
    case 'value_float': return { dims: [], values: Float64Array.of(a!.f ?? 0) };
    case 'value_floats': return { dims: [a!.floats!.length], values: Float64Array.from(a!.floats!) };
    case 'value_int': return { dims: [], values: Float64Array.of(int(a!.i)) };
    case 'value_ints': return { dims: [a!.ints!.length], values: Float64Array.from(a!.ints!, int) };
    default: return bad(`${where}: Constant with attribute '${a!.name}' is not supported`);
  }
}

// Ops a decomposed activation may use, evaluated elementwise in float64 (scalar constants only).
const EVAL: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b, Pow: (a, b) => a ** b,
  Erf: (a) => erf(a), Tanh: (a) => Math.tanh(a), Sigmoid: (a) => 1 / (1 + Math.exp(-a)), Exp: (a) => Math.exp(a),
  Neg: (a) => -a, Sqrt: (a) => Math.sqrt(a), Reciprocal: (a) => 1 / a,
};
const PROBES = [-4, -2.5, -1.7, -1, -0.4, 0, 0.3, 0.9, 1.6, 2.2, 3.5];
const DECOMPOSED: [ActivationSpec, (x: number) => number][] = [
  ['gelu', (x) => ELEMENTWISE.gelu[0](x, 0)],
  ['geluTanh', (x) => ELEMENTWISE.gelu_tanh[0](x, 0)],
  ['silu', (x) => ELEMENTWISE.silu[0](x, 0)],
];
const MAX_RUN = 12;

/** Single ONNX ops that are activations. */
function singleActivation(n: P.INodeProto, where: string): ActivationSpec | undefined {
  switch (n.opType) {
    case 'Relu': return 'relu';
    case 'Sigmoid': return 'sigmoid';
    case 'Tanh': return 'tanh';
    case 'Softplus': return 'softplus';
    case 'LeakyRelu': return { name: 'leakyRelu', alpha: shortF32(attrFloat(n, 'alpha', 0.01)) };
    case 'Elu': return { name: 'elu', alpha: shortF32(attrFloat(n, 'alpha', 1)) };
    case 'Gelu': {
      const a = attr(n, 'approximate');
      const s = a?.s ? new TextDecoder().decode(a.s) : 'none';
      return s === 'tanh' ? 'geluTanh' : s === 'none' ? 'gelu' : bad(`${where}: Gelu approximate '${s}' is not supported`);
    }
    case 'Softmax': {
      const axis = attrInt(n, 'axis', -1);
      return axis === -1 || axis === 1 ? 'softmax' : bad(`${where}: Softmax over axis ${axis} is not supported (only the last of [batch, features])`);
    }
    default: return undefined;
  }
}

export interface OnnxImportOptions {
  /** Seed of the imported model's random streams (dropout masks, shuffling). Default 0. */
  seed?: number;
}

/** How the importer builds models (given by its callers, so that it imports no model code itself). */
export interface OnnxBuilders {
  /** A model of layers in a chain, the first with its inputDim. */
  chain(layers: Layer[], options: ModelOptions): Model;
  /** A functional model; without it, a graph that is not a chain is refused. */
  graph?(graph: ModelGraph, options: ModelOptions): Model;
}

/**
 * A model from ONNX bytes: `builders.chain` of the layers for a chain of Gemm/MatMul(+Add) dense
 * layers, BatchNormalization, Dropout and activations from one input to one output (what
 * torch.onnx.export writes for an MLP of nn.Linear, activations and nn.BatchNorm1d),
 * `builders.graph` for any other graph of those and the graph ops. An unsupported op is an error
 * naming the op and its node.
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions, builders: OnnxBuilders): Model {
  checkOptions('fromOnnx', options, optionKeys<OnnxImportOptions>({ seed: true }));
  let model: P.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (e) {
    return bad(`not an ONNX model (${(e as Error).message})`);
  }
  const g = model.graph ?? bad('the model has no graph');
  for (const o of model.opsetImport ?? []) if (o.domain && o.domain !== 'ai.onnx') bad(`operator set domain '${o.domain}' is not supported`);

  const consts = new Map<string, Const>();
  for (const t of g.initializer ?? []) consts.set(t.name ?? '', tensorValues(t, `initialiser '${t.name}'`));
  const alias = new Map<string, string>();
  const res = (name: string): string => alias.get(name) ?? name;
  const where = (n: P.INodeProto) => `node '${n.name || n.output?.[0]}' (${n.opType})`;
  const nodes: P.INodeProto[] = [];
  for (const n of g.node ?? []) {
    if (n.domain) bad(`${where(n)}: op domain '${n.domain}' is not supported`);
    if (n.opType === 'Constant') consts.set(n.output![0], constantNode(n, where(n)));
    else if (n.opType === 'Identity') alias.set(n.output![0], res(n.input![0]));
    else nodes.push({ ...n, input: (n.input ?? []).map(res) });
  }
  const constOf = (name: string | undefined) => (name !== undefined && name !== '' ? consts.get(res(name)) : undefined);

  const inputs = (g.input ?? []).filter((i) => !consts.has(i.name ?? ''));
  if (inputs.length === 0) bad('the graph has no input');
  if ((g.output ?? []).length === 0) bad('the graph has no output');
  const outNames = g.output!.map((o) => res(o.name ?? ''));
  for (const i of inputs) {
    const dims = i.type?.tensorType?.shape?.dim;
    if (dims && dims.length !== 2) bad(`the input '${i.name}' has rank ${dims.length}; only [batch, features] is supported`);
  }

  // How many times each tensor is read (a graph output counts as a reader).
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input!) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of outNames) readers.set(o, (readers.get(o) ?? 0) + 1);

  const vec = (name: string | undefined, n: number, what: string, w: string): Float32Array => {
    const c = constOf(name) ?? bad(`${w}: ${what} must be a constant (initialiser)`);
    if (c.values.length === n) return Float32Array.from(c.values);
    if (c.values.length === 1) return new Float32Array(n).fill(c.values[0]);
    return bad(`${w}: ${what} has ${c.values.length} values, expected ${n}`);
  };
  const matrix = (name: string | undefined, w: string): Const => {
    const c = constOf(name) ?? bad(`${w}: the weight must be a constant (initialiser)`);
    if (c.dims.length !== 2) bad(`${w}: the weight has dims [${c.dims}], expected a matrix`);
    return c;
  };

  // A run of elementwise nodes from `cur` ending at nodes[k], closed (reading only cur, scalar
  // constants and its own results, read by nobody else but through its last output).
  const decomposed = (i: number, cur: string): [ActivationSpec, number] | undefined => {
    const inner = new Set<string>([cur]);
    const uses = new Map<string, number>();
    for (let k = i; k < Math.min(nodes.length, i + MAX_RUN); k++) {
      const n = nodes[k];
      if (!(n.opType! in EVAL) || n.output!.length !== 1) return undefined;
      for (const x of n.input!) {
        if (inner.has(x)) uses.set(x, (uses.get(x) ?? 0) + 1);
        else if (constOf(x)?.values.length !== 1) return undefined;
      }
      inner.add(n.output![0]);
      if (k === i) continue;
      const last = n.output![0];
      const closed = [...inner].every((t) => t === last || t === cur || (uses.get(t) ?? 0) === (readers.get(t) ?? 0));
      if (!closed) continue;
      const run = nodes.slice(i, k + 1);
      const f = (x: number) => {
        const v = new Map<string, number>([[cur, x]]);
        for (const m of run) {
          const [a, b] = m.input!.map((t) => v.get(t) ?? constOf(t)!.values[0]);
          v.set(m.output![0], EVAL[m.opType!](a, b));
        }
        return v.get(last)!;
      };
      for (const [spec, ref] of DECOMPOSED) {
        if (PROBES.every((x) => Math.abs(f(x) - ref(x)) <= 1e-5 * (1 + Math.abs(ref(x))))) return [spec, k + 1];
      }
    }
    return undefined;
  };

  const items: Item[] = [];
  let i = 0;
  while (i < nodes.length) {
    const n = nodes[i];
    const w = where(n);
    const op = n.opType!;
    const x = n.input![0];
    const out = n.output![0];
    const computed = [...new Set(n.input!.filter((t) => t !== '' && !constOf(t)))];
    const d = op in EVAL && computed.length === 1 ? decomposed(i, computed[0]) : undefined;
    if (d) {
      items.push({ kind: 'activation', activation: d[0], input: computed[0], output: nodes[d[1] - 1].output![0], where: w });
      i = d[1];
      continue;
    }
    const a = singleActivation(n, w);
    if (op === 'Gemm') {
      if (attrInt(n, 'transA', 0) !== 0) bad(`${w}: transA = 1 is not supported`);
      const B = matrix(n.input![1], w);
      const transB = attrInt(n, 'transB', 0) === 1;
      const [inUnits, units] = transB ? [B.dims[1], B.dims[0]] : B.dims;
      const alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
      const W = new Float32Array(inUnits * units);
      for (let r = 0; r < inUnits; r++) for (let c = 0; c < units; c++) W[r * units + c] = alpha * (transB ? B.values[c * inUnits + r] : B.values[r * units + c]);
      const b = n.input![2] ? vec(n.input![2], units, 'the bias C', w).map((v) => beta * v) : undefined;
      items.push({ kind: 'dense', units, inUnits, activation: 'linear', W, b, input: x, output: out, where: w });
      i++;
    } else if (op === 'MatMul' && constOf(n.input![1]) && !constOf(x)) {
      const B = matrix(n.input![1], w);
      const [inUnits, units] = B.dims;
      const next = nodes[i + 1];
      let b: Float32Array | undefined;
      let output = out;
      const bias = next?.opType === 'Add' && readers.get(out) === 1 && next.input!.length === 2 && next.input!.includes(out) ? next.input!.find((t) => t !== out) : undefined;
      if (bias !== undefined && constOf(bias)) {
        b = vec(bias, units, 'the bias of Add', where(next));
        output = next.output![0];
        i++;
      }
      items.push({ kind: 'dense', units, inUnits, activation: 'linear', W: Float32Array.from(B.values), b, input: x, output, where: w });
      i++;
    } else if (op === 'BatchNormalization') {
      if (attrInt(n, 'training_mode', 0) !== 0 || (n.output ?? []).filter(Boolean).length > 1) bad(`${w}: the training form (with running-statistics outputs) is not supported; export in inference mode`);
      const width = constOf(n.input![1])?.values.length ?? bad(`${w}: the scale must be a constant (initialiser)`);
      const parts = [1, 2, 3, 4].map((k) => vec(n.input![k], width, ['scale', 'B', 'mean', 'var'][k - 1], w));
      items.push({ kind: 'batchNorm', eps: shortF32(attrFloat(n, 'epsilon', 1e-5)), momentum: Number((1 - shortF32(attrFloat(n, 'momentum', 0.9))).toPrecision(12)), w: parts, input: x, output: out, where: w });
      i++;
    } else if (op === 'Dropout') {
      const ratio = n.input![1] ? (constOf(n.input![1])?.values[0] ?? bad(`${w}: the ratio must be a constant`)) : attrFloat(n, 'ratio', 0.5);
      if ((n.output ?? []).slice(1).some((o) => o && readers.get(o))) bad(`${w}: its mask output is used, which is not supported`);
      items.push({ kind: 'dropout', rate: shortF32(ratio), input: x, output: out, where: w });
      i++;
    } else if (a) {
      items.push({ kind: 'activation', activation: a, input: x, output: out, where: w });
      i++;
    } else {
      const gop = graphOp(n, constOf, w);
      if (!gop) {
        bad(`${w}: op '${op}' is not supported (supported: Gemm, MatMul, BatchNormalization, Dropout, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Gelu, ` +
          `gelu/silu written with Erf, Tanh, Sigmoid, Mul, Add, Div, and ${GRAPH_OPS.join(', ')})`);
      }
      items.push({ ...gop!, kind: 'op', output: out, where: w });
      i++;
    }
  }

  // An activation that alone reads a dense layer's output becomes that layer's activation.
  const uses = new Map<string, number>(outNames.map((o) => [o, 1]));
  for (const it of items) for (const t of new Set(it.kind === 'op' ? it.operands : [it.input])) uses.set(t, (uses.get(t) ?? 0) + 1);
  const producer = new Map<string, Item>();
  const live = items.filter((it) => {
    const p = it.kind === 'activation' ? producer.get(it.input) : undefined;
    if (it.kind === 'activation' && p?.kind === 'dense' && p.activation === 'linear' && uses.get(it.input) === 1) {
      p.activation = it.activation;
      p.output = it.output;
      producer.set(it.output, p);
      return false;
    }
    producer.set(it.output, it);
    return true;
  });
  if (live.length === 0) bad('the graph has no layers or ops');

  const inName = res(inputs[0].name ?? '');
  const linked = inputs.length === 1 && outNames.length === 1 && live.every((it, k) => it.kind !== 'op' && it.input === (k === 0 ? inName : (live[k - 1] as Pending).output)) &&
    (live[live.length - 1] as Pending).output === outNames[0];
  // A Sequential model's first layer carries the input width: a dense or batch-norm layer.
  const chain = linked && (live[0].kind === 'dense' || live[0].kind === 'batchNorm');
  const width = (gi: P.IValueInfoProto): number => {
    const d = gi.type?.tensorType?.shape?.dim?.[1];
    if (d && d.dimValue != null && int(d.dimValue) > 0) return int(d.dimValue);
    // A symbolic width: the first layer reading the input tells it.
    const first = live.find((it) => it.kind !== 'op' && it.input === gi.name);
    if (first?.kind === 'dense') return first.inUnits;
    if (first?.kind === 'batchNorm') return first.w[0].length;
    return bad(`the input '${gi.name}' has no fixed number of features`);
  };
  const pending = live as Pending[];
  if (chain) return buildChain(pending, width(inputs[0]), options, builders.chain);
  if (!builders.graph) {
    bad(linked ? `a Sequential model starts with a Gemm, MatMul or BatchNormalization node, this chain with ${live[0].where}; Model.fromOnnx imports it as a functional model`
      : 'the graph is not a chain of layers from one input to one output (a Sequential model); Model.fromOnnx imports it as a functional model');
  }
  return buildGraph(live, inputs.map((gi) => ({ name: res(gi.name ?? ''), cols: width(gi) })), outNames, constOf, options, builders.graph!);
}

function makeLayer(p: Pending, inputDim: number | undefined): Layer {
  switch (p.kind) {
    case 'dense': return layers.dense({ units: p.units, inputDim, activation: p.activation, useBias: p.b !== undefined });
    case 'batchNorm': return layers.batchNorm({ eps: p.eps, momentum: p.momentum, inputDim });
    case 'dropout': return layers.dropout({ rate: p.rate });
    case 'activation': return layers.activation({ activation: p.activation });
  }
}

/** Writes the imported weights and running statistics into the model's layers (made[i] built from pending[i]). */
function loadWeights(model: Model, made: Map<Layer, Pending>): void {
  const weights: Float32Array[] = [];
  for (const l of model.layers) {
    const p = made.get(l)!;
    if (p.kind === 'dense') weights.push(p.W, ...(p.b ? [p.b] : []));
    if (p.kind === 'batchNorm') weights.push(p.w[0], p.w[1]);
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

function buildChain(pending: Pending[], inputDim: number, options: OnnxImportOptions, chain: OnnxBuilders['chain']): Model {
  let cols = inputDim;
  for (const p of pending) {
    if (p.kind === 'dense' && p.inUnits !== cols) bad(`${p.where}: takes ${p.inUnits} features but receives ${cols}`);
    if (p.kind === 'batchNorm' && p.w[0].length !== cols) bad(`${p.where}: normalises ${p.w[0].length} features but receives ${cols}`);
    if (p.kind === 'dense') cols = p.units;
  }
  const made = new Map<Layer, Pending>();
  const ls = pending.map((p, i) => {
    const l = makeLayer(p, i === 0 ? inputDim : undefined);
    made.set(l, p);
    return l;
  });
  const model = explained('', () => chain(ls, { seed: options.seed }));
  loadWeights(model, made);
  return model;
}

function buildGraph(items: Item[], inputs: { name: string; cols: number }[], outNames: string[], constOf: (name: string) => Const | undefined, options: OnnxImportOptions, graph: NonNullable<OnnxBuilders['graph']>): Model {
  const env = new Map<string, SymbolicTensor>();
  const ins = inputs.map((gi) => {
    const t = input([gi.cols], { name: gi.name });
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
      const x = tensor(it.input, it.where);
      if (it.kind === 'dense' && it.inUnits !== x.cols) bad(`${it.where}: takes ${it.inUnits} features but receives ${x.cols}`);
      if (it.kind === 'batchNorm' && it.w[0].length !== x.cols) bad(`${it.where}: normalises ${it.w[0].length} features but receives ${x.cols}`);
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
