// ONNX export of the graph's primitive ops (wasmnn's layout; numpy broadcasting, which is
// wasmnn's on rank 2 and for the trailing-dimension operands of N-d ops):
//   add/sub/mul/div/maximum/minimum -> Add/Sub/Mul/Div/Max/Min; neg, sqrt, exp, log, abs, pow -> their
//   op (square as Mul(x, x)); clip -> Clip(min, max); matmul and batchedMatmul -> MatMul (leading
//   dimensions broadcast as numpy's); concat -> Concat along its axis; slice (the last axis) and crop
//   (a box of any axes) -> Slice(starts, ends, axes); pad -> Pad(pads, constant); reshape and
//   transpose -> Reshape (the batch as -1)/Transpose; sum/mean over all, rows or columns (reduce) and
//   over a run of axes (reduceRun) -> ReduceSum (axes as an input since opset 13)/ReduceMean (axes as
//   an attribute until opset 18), keepdims 1; max and min over a run of axes (maxRun, between the
//   transpose and reshape ops.max/min make) -> ReduceMax/ReduceMin (axes an attribute at opset 17); activations as onnx-export-activation.ts (softmax along
//   another axis is its transposes around a Softmax of the last); gather -> Gather(axis 0), oneHot ->
//   OneHot(Cast(ids to int64), depth, [0, 1]); where -> Where(Cast(cond to bool), a, b); layerNorm -> LayerNormalization
//   (rmsNorm as x / Sqrt(ReduceMean(x x) + eps) * gamma); dotProductAttention -> MatMul, Mul, Add of
//   the mask, Where of the causal triangle, Softmax, MatMul (onnx-export-sequence.ts).
import type { Eqn } from '../graph/symbolic.js';
import type { Activation } from '../layers/activations.js';
import { BATCH } from '../graph/symbolic.js';
import { onnx, bad, int64Tensor, floatTensor } from './onnx-schema.js';
import { node, intAttr, intsAttr, type GraphBuilder, type Layout } from './onnx-build.js';
import { reshapeNode } from './onnx-export-image.js';
import { activation } from './onnx-export-activation.js';
import { attentionNodes, layerNormNode } from './onnx-export-sequence.js';

const BINARY_OPS: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', maximum: 'Max', minimum: 'Min' };
const UNARY_OPS: Record<string, string> = { neg: 'Neg', sqrt: 'Sqrt', exp: 'Exp', log: 'Log', abs: 'Abs' };

/** One primitive op's nodes: reads xs (NHWC), returns the name of its output. */
export function opNodes(b: GraphBuilder, e: Eqn, xs: string[], layout: Layout): string {
  const op = e.op.name;
  const a = e.attrs;
  const last = e.inputs[0].rank - 1; // concat and slice work on the last axis
  const ints = (what: string, v: number[], dims?: number[]) => b.init(int64Tensor(b.name(op, what), v, dims));
  const x = e.inputs[0], y = e.outputs[0];
  if (op in BINARY_OPS) return node(b, op, BINARY_OPS[op], xs);
  if (op in UNARY_OPS) return node(b, op, UNARY_OPS[op], xs);
  switch (op) {
    case 'square': return node(b, op, 'Mul', [xs[0], xs[0]]);
    case 'pow': return node(b, op, 'Pow', [xs[0], b.constant(op, 'exponent', a.p as number)]);
    case 'clip': {
      // An infinite bound is left out (an empty optional input).
      const lo = a.lo as number, hi = a.hi as number;
      const bounds = [lo === -Infinity ? '' : b.constant(op, 'min', lo), hi === Infinity ? '' : b.constant(op, 'max', hi)];
      while (bounds.length && bounds[bounds.length - 1] === '') bounds.pop();
      return node(b, op, 'Clip', [xs[0], ...bounds]);
    }
    case 'matmul': return node(b, op, 'MatMul', xs);
    case 'concat': return node(b, op, 'Concat', xs, [intAttr('axis', last)]);
    case 'reshape': return reshapeNode(b, op, xs[0], e.outputs[0]);
    case 'transpose': return node(b, op, 'Transpose', xs, [intsAttr('perm', [...(a.perm as number[])])]);
    case 'slice': {
      const begin = a.begin as number, end = begin + e.outputs[0].shape[last];
      return node(b, op, 'Slice', [xs[0], ints('starts', [begin]), ints('ends', [end]), ints('axes', [last])]);
    }
    case 'reduce': {
      const axis = a.axis as 0 | 1 | undefined;
      const keep = intAttr('keepdims', 1);
      const r = a.mean ? node(b, 'mean', 'ReduceMean', xs, axis === undefined ? [keep] : [intsAttr('axes', [axis]), keep])
        : node(b, 'sum', 'ReduceSum', axis === undefined ? xs : [xs[0], b.init(int64Tensor(b.name('sum', 'axes'), [axis]))], [keep]);
      return x.rank === 2 ? r : reshapeNode(b, a.mean ? 'mean' : 'sum', r, y); // every axis of an N-d x: the engine's [1, 1]
    }
    case 'activation': return activation(b, a.act as Activation, xs[0], op, layout);
    case 'dropout': return xs[0]; // the identity at inference
    case 'concatAxis': return node(b, op, 'Concat', xs, [intAttr('axis', a.axis as number)]);
    case 'crop': { // every axis but a batch one (whole in both)
      const begin = a.begin as number[], axes = y.shape.flatMap((d, i) => (d === BATCH ? [] : [i]));
      return node(b, op, 'Slice', [xs[0], ints('starts', axes.map((i) => begin[i])), ints('ends', axes.map((i) => begin[i] + y.shape[i])), ints('axes', axes)]);
    }
    case 'pad': // pads: every axis' begin, then every axis' end (the batch's 0)
      return node(b, op, 'Pad', [xs[0], ints('pads', [...(a.before as number[]), ...(a.after as number[])]), b.init(floatTensor(b.name(op, 'value'), [], [a.value as number]))]);
    case 'reduceRun': {
      const axes = Array.from({ length: (a.to as number) - (a.from as number) }, (_, i) => (a.from as number) + i), keep = intAttr('keepdims', 1);
      if (a.mean) return node(b, 'mean', 'ReduceMean', xs, [intsAttr('axes', axes), keep]);
      return node(b, 'sum', 'ReduceSum', [xs[0], ints('axes', axes)], [keep]);
    }
    case 'maxRun': { // max and min over a run of axes (ops.max/min transpose and reshape around it), keepdims 1
      const axes = Array.from({ length: (a.to as number) - (a.from as number) }, (_, i) => (a.from as number) + i);
      return node(b, a.min ? 'min' : 'max', a.min ? 'ReduceMin' : 'ReduceMax', xs, [intsAttr('axes', axes), intAttr('keepdims', 1)]);
    }
    case 'batchedMatmul': return node(b, op, 'MatMul', xs);
    case 'gather': return node(b, op, 'Gather', xs, [intAttr('axis', 0)]);
    case 'oneHot': // ONNX Runtime's OneHot takes int32 indices with a float depth only: int64 indices and depth either way
      return node(b, op, 'OneHot', [node(b, op, 'Cast', [xs[0]], [intAttr('to', onnx.TensorProto.DataType.INT64)]), ints('depth', [a.depth as number], []), b.init(floatTensor(b.name(op, 'values'), [2], [0, 1]))], [intAttr('axis', -1)]);
    case 'where': return node(b, op, 'Where', [node(b, op, 'Cast', [xs[0]], [intAttr('to', onnx.TensorProto.DataType.BOOL)]), xs[1], xs[2]]);
    case 'layerNorm': { // gamma and beta as [n] (a parameter [n] is a [1, n] row in the graph)
      const n = x.shape[x.rank - 1], flat = (t: string) => node(b, op, 'Reshape', [t, ints('features', [n])]);
      if (!a.rms) return layerNormNode(b, op, xs[0], flat(xs[2]), flat(xs[3]), a.epsilon as number);
      const ms = node(b, op, 'ReduceMean', [node(b, op, 'Mul', [xs[0], xs[0]])], [intsAttr('axes', [-1]), intAttr('keepdims', 1)]);
      return node(b, op, 'Mul', [node(b, op, 'Div', [xs[0], node(b, op, 'Sqrt', [node(b, op, 'Add', [ms, xs[1]])])]), flat(xs[2])]);
    }
    case 'dotProductAttention':
      return attentionNodes(b, op, xs[0], xs[1], xs[2], { tq: x.shape[2], tk: e.inputs[1].shape[2], scale: a.scale as number, causal: a.causal === true, mask: xs[3] });
    default: return bad(`the graph applies the op '${op}', which has no ONNX export`);
  }
}
