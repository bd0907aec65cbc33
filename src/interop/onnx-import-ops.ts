// ONNX import of the graph ops (what toOnnx writes for ops.*, and the same ops from elsewhere):
// Add, Sub, Mul, Div, Max, Min (two operands, numpy broadcasting as far as wasmnn's row, column
// and scalar broadcasting goes), Neg, Sqrt, Exp, Log, Abs, Pow (a constant exponent), Clip
// (constant bounds, inputs since opset 11, attributes before), MatMul of two computed tensors,
// Concat and Slice along the features (axis 1), ReduceSum and ReduceMean with keepdims 1 over all,
// axis 0 or axis 1 (axes as an input or an attribute, whichever the opset uses), LogSoftmax over
// the features. A constant operand becomes a constant tensor: a scalar [1, 1], a vector [n] a
// [1, n] row (numpy aligns it with the last axis), a matrix as it is.
import type { onnx as P } from 'onnx-proto';
import { constant, type SymbolicTensor } from '../graph/symbolic.js';
import { binary, unary, clip, type BinaryName, type UnaryName } from '../graph/ops/elementwise.js';
import { matmul } from '../graph/ops/matmul.js';
import { concat, slice } from '../graph/ops/shape.js';
import { reduce, type Axis } from '../graph/ops/reduce.js';
import { activation, LOG_SOFTMAX } from '../graph/ops/activation.js';
import { bad, attr, attrFloat, attrInt, int } from './onnx-schema.js';

export interface Const {
  dims: number[];
  values: Float64Array;
}

/** A graph op read from one node: the tensors it takes as operands and how to apply it to them. */
export interface GraphOp {
  operands: string[];
  make(xs: SymbolicTensor[]): SymbolicTensor;
}

const BINARY: Record<string, BinaryName> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Max: 'maximum', Min: 'minimum' };
const UNARY: Record<string, UnaryName> = { Neg: 'neg', Sqrt: 'sqrt', Exp: 'exp', Log: 'log', Abs: 'abs' };
export const GRAPH_OPS = [...Object.keys(BINARY), ...Object.keys(UNARY), 'Pow', 'Clip', 'MatMul', 'Concat', 'Slice', 'ReduceSum', 'ReduceMean', 'LogSoftmax'];

/** A constant operand as a tensor of the graph. */
export function constTensor(c: Const, where: string): SymbolicTensor {
  if (c.values.some((v) => !Number.isFinite(v))) bad(`${where}: a constant with infinite values is not supported (only as the masked branch of an attention's causal Where)`);
  const shape = c.dims.length === 0 ? [1, 1] : c.dims.length === 1 ? [1, c.dims[0]] : c.dims.length === 2 ? c.dims : bad(`${where}: a constant of dims [${c.dims}] is not supported (rank 2 at most)`);
  return constant(Float32Array.from(c.values), shape as unknown as [number, number]);
}

const featureAxis = (axis: number, op: string, w: string) => {
  if (axis !== 1 && axis !== -1) bad(`${w}: ${op} along axis ${axis} is not supported (only the features, axis 1)`);
};

/** The graph op of node n, or undefined when n is not one. */
export function graphOp(n: P.INodeProto, constOf: (name: string) => Const | undefined, w: string): GraphOp | undefined {
  const op = n.opType!;
  const ins = n.input!;
  const given = (k: number) => ins[k] !== undefined && ins[k] !== '';
  const constant = (k: number, what: string): number[] => {
    const c = constOf(ins[k]) ?? bad(`${w}: ${what} must be a constant (initialiser)`);
    return Array.from(c.values);
  };
  const scalar = (k: number, what: string): number => {
    const v = constant(k, what);
    return v.length === 1 ? v[0] : bad(`${w}: ${what} must be one number, got ${v.length}`);
  };
  if (op in BINARY) {
    if (ins.length !== 2) bad(`${w}: ${op} of ${ins.length} operands is not supported (two)`);
    return { operands: ins, make: ([a, b]) => binary(BINARY[op], a, b) };
  }
  if (op in UNARY) return { operands: [ins[0]], make: ([x]) => unary(UNARY[op], x) };
  switch (op) {
    case 'Pow': {
      const p = scalar(1, 'the exponent');
      return { operands: [ins[0]], make: ([x]) => unary('pow', x, p) };
    }
    case 'Clip': {
      const lo = given(1) ? scalar(1, 'min') : attrFloat(n, 'min', -Infinity);
      const hi = given(2) ? scalar(2, 'max') : attrFloat(n, 'max', Infinity);
      return { operands: [ins[0]], make: ([x]) => clip(x, lo, hi) };
    }
    case 'MatMul': return { operands: ins.slice(0, 2), make: ([a, b]) => matmul(a, b) };
    case 'Concat':
      featureAxis(attrInt(n, 'axis', 1), op, w);
      return { operands: ins, make: (xs) => concat(xs, 1) };
    case 'Slice': {
      const starts = constant(1, 'starts'), ends = constant(2, 'ends');
      const axes = given(3) ? constant(3, 'axes') : [0];
      if (starts.length !== 1 || ends.length !== 1 || axes.length !== 1) bad(`${w}: Slice along ${axes.length} axes is not supported (one: the features)`);
      featureAxis(axes[0], op, w);
      if (given(4) && constant(4, 'steps').some((s) => s !== 1)) bad(`${w}: Slice with a step other than 1 is not supported`);
      return {
        operands: [ins[0]],
        make: ([x]) => {
          // ONNX clamps starts and ends into [0, cols] after adding cols to negative ones.
          const at = (v: number) => Math.min(Math.max(v < 0 ? v + x.cols : v, 0), x.cols);
          const begin = at(starts[0]);
          return slice(x, begin, at(ends[0]) - begin);
        },
      };
    }
    case 'ReduceSum':
    case 'ReduceMean': {
      if (attrInt(n, 'keepdims', 1) !== 1) bad(`${w}: keepdims = 0 is not supported (a reduction stays [rows, cols])`);
      const list = given(1) ? constant(1, 'the axes') : (attr(n, 'axes')?.ints ?? []).map(int);
      if (list.length === 0 && attrInt(n, 'noop_with_empty_axes', 0) !== 0) bad(`${w}: noop_with_empty_axes is not supported`);
      const set = new Set(list.map((a) => (a < 0 ? a + 2 : a)));
      if ([...set].some((a) => a !== 0 && a !== 1)) bad(`${w}: axes [${list}] do not exist on [batch, features]`);
      const axis = (set.size === 1 ? [...set][0] : undefined) as Axis;
      return { operands: [ins[0]], make: ([x]) => reduce(x, axis, op === 'ReduceMean') };
    }
    case 'LogSoftmax':
      featureAxis(attrInt(n, 'axis', -1), op, w);
      return { operands: [ins[0]], make: ([x]) => activation(x, LOG_SOFTMAX) };
    default: return undefined;
  }
}
