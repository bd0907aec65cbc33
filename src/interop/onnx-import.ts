// ONNX import: a graph that is a chain from its one input to its one output becomes a Sequential.
// Constants are initialisers or Constant nodes; Identity nodes are looked through. Walking the
// chain, small matchers turn nodes into layers: Gemm (transB 0 or 1, alpha and beta folded in) or
// MatMul (+ Add) -> dense; BatchNormalization (inference) -> batchNorm; Dropout -> dropout; Relu,
// Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Gelu -> activations. gelu, geluTanh and silu
// written as elementwise ops (as torch.onnx.export writes them) are recognised by evaluating the
// run of elementwise nodes on sample points against each candidate, so the operand order of an
// exporter does not matter. An activation right after a dense layer becomes that layer's activation.
import type { onnx as P } from 'onnx-proto';
import { Sequential } from '../model/sequential.js';
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { ActivationSpec } from '../layers/activations.js';
import { ELEMENTWISE, erf } from '../reference/activations.js';
import { onnx, bad, OnnxError } from './onnx-schema.js';

type Pending =
  | { kind: 'dense'; units: number; activation: ActivationSpec; W: Float32Array; b?: Float32Array }
  | { kind: 'batchNorm'; eps: number; momentum: number; w: Float32Array[] }
  | { kind: 'dropout'; rate: number }
  | { kind: 'activation'; activation: ActivationSpec };

interface Const {
  dims: number[];
  values: Float64Array;
}

const int = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));
const T = onnx.TensorProto.DataType;
const A = onnx.AttributeProto.AttributeType;

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

function attr(n: P.INodeProto, name: string): P.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}
const attrFloat = (n: P.INodeProto, name: string, dflt: number) => {
  const a = attr(n, name);
  return a ? (a.type === A.INT ? int(a.i) : a.f ?? 0) : dflt;
};
/** The shortest decimal that is the same float32 (ONNX attributes are float32: 0.2 comes back as 0.20000000298). */
function shortF32(x: number): number {
  for (let p = 1; p < 17; p++) {
    const y = Number(x.toPrecision(p));
    if (Math.fround(y) === Math.fround(x)) return y;
  }
  return x;
}
const attrInt = (n: P.INodeProto, name: string, dflt: number) => {
  const a = attr(n, name);
  return a ? int(a.i) : dflt;
};

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

/**
 * A Sequential model from ONNX bytes: Gemm/MatMul(+Add) dense layers, BatchNormalization,
 * Dropout and activations in a chain, e.g. what torch.onnx.export writes for an MLP of nn.Linear,
 * activations and nn.BatchNorm1d. An unsupported op is an error naming the op and its node.
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): Sequential {
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
  if (inputs.length !== 1) bad(`the graph has ${inputs.length} inputs; one [batch, features] input is supported`);
  if ((g.output ?? []).length !== 1) bad(`the graph has ${(g.output ?? []).length} outputs; one is supported`);
  const outName = res(g.output![0].name ?? '');
  const dims = inputs[0].type?.tensorType?.shape?.dim;
  if (dims && dims.length !== 2) bad(`the input '${inputs[0].name}' has rank ${dims.length}; only [batch, features] is supported`);
  let width = dims && dims[1].dimValue != null && int(dims[1].dimValue) > 0 ? int(dims[1].dimValue) : 0;
  let width0 = width; // the model's input width, from the input's shape or the first layer

  // How many times each tensor is read (the graph output counts as a reader).
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input!) readers.set(i, (readers.get(i) ?? 0) + 1);
  readers.set(outName, (readers.get(outName) ?? 0) + 1);

  const pending: Pending[] = [];
  const addActivation = (a: ActivationSpec) => {
    const prev = pending[pending.length - 1];
    if (prev?.kind === 'dense' && prev.activation === 'linear') prev.activation = a;
    else pending.push({ kind: 'activation', activation: a });
  };
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
  const checkWidth = (inUnits: number, w: string) => {
    if (width && width !== inUnits) bad(`${w}: takes ${inUnits} features but receives ${width}`);
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
      const closed = [...inner].every((t) => t === last || (uses.get(t) ?? 0) === (readers.get(t) ?? 0));
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

  let cur = res(inputs[0].name ?? '');
  let i = 0;
  while (i < nodes.length) {
    const n = nodes[i];
    const w = where(n);
    if (!n.input!.includes(cur)) bad(`${w} does not continue the chain from '${cur}': only a sequence of layers can be imported`);
    const d = decomposed(i, cur);
    if (d) {
      addActivation(d[0]);
      cur = nodes[d[1] - 1].output![0];
      i = d[1];
      continue;
    }
    if ((readers.get(cur) ?? 0) > 1) bad(`tensor '${cur}' is read by ${readers.get(cur)} nodes: only a sequence of layers can be imported (no branches)`);
    if (n.input![0] !== cur) bad(`${w} reads '${cur}' as input ${n.input!.indexOf(cur)}, not 0`);
    const op = n.opType!;
    if (op === 'Gemm') {
      if (attrInt(n, 'transA', 0) !== 0) bad(`${w}: transA = 1 is not supported`);
      const B = matrix(n.input![1], w);
      const transB = attrInt(n, 'transB', 0) === 1;
      const [inUnits, units] = transB ? [B.dims[1], B.dims[0]] : B.dims;
      checkWidth(inUnits, w);
      const alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
      const W = new Float32Array(inUnits * units);
      for (let r = 0; r < inUnits; r++) for (let c = 0; c < units; c++) W[r * units + c] = alpha * (transB ? B.values[c * inUnits + r] : B.values[r * units + c]);
      const b = n.input![2] ? vec(n.input![2], units, 'the bias C', w).map((v) => beta * v) : undefined;
      if (!width) width0 = width = inUnits;
      pending.push({ kind: 'dense', units, activation: 'linear', W, b });
      width = units;
      cur = n.output![0];
      i++;
    } else if (op === 'MatMul') {
      const B = matrix(n.input![1], w);
      const [inUnits, units] = B.dims;
      checkWidth(inUnits, w);
      if (!width) width0 = width = inUnits;
      const next = nodes[i + 1];
      const mm = n.output![0];
      let b: Float32Array | undefined;
      if (next?.opType === 'Add' && readers.get(mm) === 1 && next.input!.includes(mm)) {
        b = vec(next.input!.find((x) => x !== mm), units, 'the bias of Add', where(next));
        cur = next.output![0];
        i += 2;
      } else {
        cur = mm;
        i++;
      }
      pending.push({ kind: 'dense', units, activation: 'linear', W: Float32Array.from(B.values), b });
      width = units;
    } else if (op === 'BatchNormalization') {
      if (attrInt(n, 'training_mode', 0) !== 0 || (n.output ?? []).filter(Boolean).length > 1) bad(`${w}: the training form (with running-statistics outputs) is not supported; export in inference mode`);
      if (!width) width0 = width = constOf(n.input![1])?.values.length ?? 0;
      const parts = [1, 2, 3, 4].map((k) => vec(n.input![k], width, ['scale', 'B', 'mean', 'var'][k - 1], w));
      pending.push({ kind: 'batchNorm', eps: shortF32(attrFloat(n, 'epsilon', 1e-5)), momentum: Number((1 - shortF32(attrFloat(n, 'momentum', 0.9))).toPrecision(12)), w: parts });
      cur = n.output![0];
      i++;
    } else if (op === 'Dropout') {
      const ratio = n.input![1] ? (constOf(n.input![1])?.values[0] ?? bad(`${w}: the ratio must be a constant`)) : attrFloat(n, 'ratio', 0.5);
      if ((n.output ?? []).slice(1).some((o) => o && readers.get(o))) bad(`${w}: its mask output is used, which is not supported`);
      pending.push({ kind: 'dropout', rate: shortF32(ratio) });
      cur = n.output![0];
      i++;
    } else {
      const a = singleActivation(n, w);
      if (!a) bad(`${w}: op '${op}' is not supported (supported: Gemm, MatMul, Add, BatchNormalization, Dropout, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Gelu, and gelu/silu written with Erf, Tanh, Sigmoid, Mul, Add, Div)`);
      addActivation(a!);
      cur = n.output![0];
      i++;
    }
  }
  if (cur !== outName) bad(`the chain of nodes ends at '${cur}', not at the graph output '${outName}'`);
  if (pending.length === 0) bad('the graph has no layers');
  return build(pending, width0, options);
}

function build(pending: Pending[], inputDim: number, options: OnnxImportOptions): Sequential {
  const first = pending[0];
  if (first.kind !== 'dense' && first.kind !== 'batchNorm') bad(`the model must start with a Gemm, MatMul or BatchNormalization node, not a ${first.kind} layer`);
  const ls: Layer[] = pending.map((p, i) => {
    const inDim = i === 0 ? inputDim : undefined;
    switch (p.kind) {
      case 'dense': return layers.dense({ units: p.units, inputDim: inDim, activation: p.activation, useBias: p.b !== undefined });
      case 'batchNorm': return layers.batchNorm({ eps: p.eps, momentum: p.momentum, inputDim: inDim });
      case 'dropout': return layers.dropout({ rate: p.rate });
      case 'activation': return layers.activation({ activation: p.activation });
    }
  });
  let model: Sequential;
  try {
    model = new Sequential(ls, { seed: options.seed });
  } catch (e) {
    if (e instanceof OnnxError) throw e;
    return bad((e as Error).message.replace(/^wasmnn: /, ''));
  }
  const weights: Float32Array[] = [];
  pending.forEach((p) => {
    if (p.kind === 'dense') weights.push(p.W, ...(p.b ? [p.b] : []));
    if (p.kind === 'batchNorm') weights.push(p.w[0], p.w[1]);
  });
  model.setWeights(weights);
  const norms = model.layers.filter((l) => l.kind === 'batchNorm') as BatchNorm[];
  pending.filter((p) => p.kind === 'batchNorm').forEach((p, k) => {
    norms[k].runningMean.data.set((p as { w: Float32Array[] }).w[2]);
    norms[k].runningVar.data.set((p as { w: Float32Array[] }).w[3]);
  });
  return model;
}
