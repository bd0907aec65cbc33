// Reading an ONNX graph: its tensors and Constant nodes as float64 constants, Identity nodes
// looked through, the nodes left, its inputs and outputs, and how many times each tensor is read.
import type { onnx as P } from 'onnx-proto';
import { onnx, bad, int } from './onnx-schema.js';
import type { Const } from './onnx-import-ops.js';

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
  // A tensor of -inf alone passes (an attention's masked branch); the attention reads it, constTensor refuses it elsewhere.
  const masked = n > 0 && values.every((v) => v === -Infinity);
  for (let i = 0; i < n && !masked; i++) if (!Number.isFinite(values[i])) bad(`${where}: value ${i} is ${values[i]}`);
  return { dims, values };
}

/** The shortest decimal that is the same float32 (ONNX attributes are float32: 0.2 comes back as 0.20000000298). */
export function shortF32(x: number): number {
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

/** Where a node is, for errors: its name (or first output) and op. */
export const nodeWhere = (n: P.INodeProto) => `node '${n.name || n.output?.[0]}' (${n.opType})`;

/** A graph as read: the names and constants the recognisers look up, its nodes, inputs and outputs. */
export interface GraphRead {
  /** A tensor's name with Identity nodes looked through. */
  res(name: string): string;
  constOf(name: string | undefined): Const | undefined;
  nodes: P.INodeProto[];
  inputs: P.IValueInfoProto[];
  outNames: string[];
  /** How many times each tensor is read. */
  readers: Map<string, number>;
  /** The inputs' batch when the graph fixes it (torch.onnx.export without dynamic axes): a Reshape to it keeps the batch. */
  batch?: number;
}

export function readGraph(g: P.IGraphProto): GraphRead {
  const consts = new Map<string, Const>();
  for (const t of g.initializer ?? []) consts.set(t.name ?? '', tensorValues(t, `initialiser '${t.name}'`));
  const alias = new Map<string, string>();
  const res = (name: string): string => alias.get(name) ?? name;
  const nodes: P.INodeProto[] = [];
  for (const n of g.node ?? []) {
    if (n.domain) bad(`${nodeWhere(n)}: op domain '${n.domain}' is not supported`);
    if (n.opType === 'Constant') consts.set(n.output![0], constantNode(n, nodeWhere(n)));
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
    if (dims && dims.length < 2) bad(`the input '${i.name}' has rank ${dims.length}; a batch of samples ([batch, ...]) is needed`);
  }

  // How many times each tensor is read (a graph output counts as a reader).
  const readers = new Map<string, number>();
  for (const n of nodes) for (const i of n.input!) readers.set(i, (readers.get(i) ?? 0) + 1);
  for (const o of outNames) readers.set(o, (readers.get(o) ?? 0) + 1);
  const firsts = new Set(inputs.map((i) => i.type?.tensorType?.shape?.dim?.[0]?.dimValue).map((d) => (d == null ? 0 : int(d))));
  const batch = firsts.size === 1 && !firsts.has(0) ? [...firsts][0] : undefined;
  return { res, constOf, nodes, inputs, outNames, readers, batch };
}
