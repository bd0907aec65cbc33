// ONNX export of the sequence layers, on [batch, t, width] in wasmnn's layout (opset 17):
//   embedding            Gather(table [vocab, dim], ids, axis 0)  (ids int32 or int64)
//   positionalEmbedding  Add(x, Slice(table, rows 0..t))
//   layerNormalization   LayerNormalization(x, gamma, beta, axis -1, epsilon)
//   multiHeadAttention   MatMul/Add projections, Reshape [-1, t, heads, d], Transpose to [b, heads, t, d],
//                        the attention below, Transpose back, Reshape [-1, t, heads dv], MatMul/Add
//   transformerBlock     LayerNormalization, c_attn as MatMul/Add, Reshape [-1, t, 3, heads, d] and
//                        Transpose to [3, b, heads, t, d], q, k, v by Gather along axis 0, the attention,
//                        c_proj, the residual Add; LayerNormalization, c_fc, GELU (Erf), c_proj, Add
// attention: softmax(scale q k^T [+ mask]) v as MatMul(q, Transpose(k)), Mul by the scale, Add of
// an additive mask, Where(causal, s, -inf) with a constant boolean [tq, tk] lower triangle (key j
// for query i when j <= i, as the kernels), Softmax along the last axis, MatMul by v.
// Weights are initialisers under their parameter names.
import type { Layer } from '../layers/layer.js';
import type { PositionalEmbedding } from '../layers/positional-embedding.js';
import type { LayerNormalization } from '../layers/layer-normalization.js';
import type { TransformerBlock } from '../layers/transformer-block.js';
import type { MultiHeadAttention } from '../layers/attention.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { floatTensor, int64Tensor, boolTensor } from './onnx-schema.js';
import { node, intAttr, floatAttr, intsAttr, type GraphBuilder, type TensorNames } from './onnx-build.js';
import { activation } from './onnx-export-activation.js';
import { resolveActivation } from '../layers/activations.js';

const GELU = resolveActivation('gelu');

const weight = (b: GraphBuilder, p: Parameter) => b.init(floatTensor(p.name, p.shape, p.value));
const ints = (b: GraphBuilder, p: string, what: string, v: number[], dims?: number[]) => b.init(int64Tensor(b.name(p, what), v, dims));

export interface AttentionGeometry {
  tq: number;
  tk: number;
  scale: number;
  causal: boolean;
  /** An additive [tq, tk] mask's initialiser, if any. */
  mask?: string;
}

/** softmax(scale q k^T + mask, causal) v over q [b, h, tq, d], k [b, h, tk, d], v [b, h, tk, dv]. */
export function attentionNodes(b: GraphBuilder, p: string, q: string, k: string, v: string, g: AttentionGeometry): string {
  let s = node(b, p, 'Mul', [node(b, p, 'MatMul', [q, node(b, p, 'Transpose', [k], [intsAttr('perm', [0, 1, 3, 2])])]), b.constant(p, 'scale', g.scale)]);
  if (g.mask) s = node(b, p, 'Add', [s, g.mask]);
  if (g.causal) {
    const keep = Array.from({ length: g.tq * g.tk }, (_, n) => n % g.tk <= Math.floor(n / g.tk));
    s = node(b, p, 'Where', [b.init(boolTensor(b.name(p, 'causal'), [g.tq, g.tk], keep)), s, b.constant(p, 'minus_inf', -Infinity)]);
  }
  return node(b, p, 'MatMul', [node(b, p, 'Softmax', [s], [intAttr('axis', -1)]), v]);
}

/** LayerNormalization over the last axis. */
export function layerNormNode(b: GraphBuilder, p: string, x: string, gamma: string, beta: string, epsilon: number): string {
  return node(b, p, 'LayerNormalization', [x, gamma, beta], [intAttr('axis', -1), floatAttr('epsilon', epsilon)]);
}

// x [b, t, w] -> [b, heads, t, size] (head h: columns h size .. (h + 1) size), and back.
const heads = (b: GraphBuilder, p: string, x: string, t: number, h: number, size: number) =>
  node(b, p, 'Transpose', [node(b, p, 'Reshape', [x, ints(b, p, 'heads_shape', [-1, t, h, size])])], [intsAttr('perm', [0, 2, 1, 3])]);
const joined = (b: GraphBuilder, p: string, x: string, t: number, width: number) =>
  node(b, p, 'Reshape', [node(b, p, 'Transpose', [x], [intsAttr('perm', [0, 2, 1, 3])]), ints(b, p, 'joined_shape', [-1, t, width])]);

function transformerBlock(b: GraphBuilder, l: TransformerBlock, ps: Parameter[], x: string): string {
  const p = l.name, t = l.inputShape[0], h = l.numHeads, d = l.keyDim;
  const w = (i: number) => weight(b, ps[i]);
  const linear = (z: string, i: number) => node(b, p, 'Add', [node(b, p, 'MatMul', [z, w(i)]), w(i + 1)]);
  const qkv = node(b, p, 'Transpose', [node(b, p, 'Reshape', [linear(layerNormNode(b, p, x, w(0), w(1), l.epsilon), 2), ints(b, p, 'qkv_shape', [-1, t, 3, h, d])])], [intsAttr('perm', [2, 0, 3, 1, 4])]);
  const [q, k, v] = [0, 1, 2].map((i) => node(b, p, 'Gather', [qkv, ints(b, p, 'part', [i], [])], [intAttr('axis', 0)]));
  const att = attentionNodes(b, p, q, k, v, { tq: t, tk: t, scale: 1 / Math.sqrt(d), causal: l.causal });
  const x1 = node(b, p, 'Add', [x, linear(joined(b, p, att, t, h * d), 4)]);
  const hidden = activation(b, GELU, linear(layerNormNode(b, p, x1, w(6), w(7), l.epsilon), 8), p);
  return node(b, p, 'Add', [x1, linear(hidden, 10)]);
}

// query [b, tq, wq], value [b, tk, wv], key [b, tk, wk] (self-attention: all the query).
function multiHeadAttention(b: GraphBuilder, l: MultiHeadAttention, ps: Parameter[], xs: string[], tq: number, tk: number): string {
  const p = l.name, bias = ps.length === 8, h = l.numHeads;
  const [query, value = query, key = value] = xs;
  const linear = (z: string, i: number) => {
    const y = node(b, p, 'MatMul', [z, weight(b, ps[bias ? 2 * i : i])]);
    return bias ? node(b, p, 'Add', [y, weight(b, ps[2 * i + 1])]) : y;
  };
  const q = heads(b, p, linear(query, 0), tq, h, l.keyDim), k = heads(b, p, linear(key, 1), tk, h, l.keyDim), v = heads(b, p, linear(value, 2), tk, h, l.valueDim);
  const att = attentionNodes(b, p, q, k, v, { tq, tk, scale: 1 / Math.sqrt(l.keyDim), causal: l.options.causal === true });
  return linear(joined(b, p, att, tq, h * l.valueDim), 3);
}

/** The nodes of a sequence layer from xs to y (wasmnn's layout), or false when l is none. */
export function sequenceLayerNodes(b: GraphBuilder, names: TensorNames, l: Layer, ps: Parameter[], xs: readonly SymbolicTensor[], y: SymbolicTensor): boolean {
  const x = names.get(xs[0]);
  switch (l.kind) {
    case 'embedding':
      names.set(y, 'nhwc', node(b, l.name, 'Gather', [weight(b, ps[0]), x], [intAttr('axis', 0)]));
      return true;
    case 'positionalEmbedding': {
      const e = l as PositionalEmbedding, t = xs[0].shape[1], table = weight(b, ps[0]);
      const rows = t === e.options.maxLength ? table : node(b, l.name, 'Slice', [table, ints(b, l.name, 'starts', [0]), ints(b, l.name, 'ends', [t]), ints(b, l.name, 'axes', [0])]);
      names.set(y, 'nhwc', node(b, l.name, 'Add', [x, rows]));
      return true;
    }
    case 'layerNormalization':
      names.set(y, 'nhwc', layerNormNode(b, l.name, x, weight(b, ps[0]), weight(b, ps[1]), (l as LayerNormalization).epsilon));
      return true;
    case 'transformerBlock':
      names.set(y, 'nhwc', transformerBlock(b, l as TransformerBlock, ps, x));
      return true;
    case 'multiHeadAttention':
      names.set(y, 'nhwc', multiHeadAttention(b, l as MultiHeadAttention, ps, xs.map((t) => names.get(t)), xs[0].shape[1], (xs[2] ?? xs[1] ?? xs[0]).shape[1]));
      return true;
    default:
      return false;
  }
}
