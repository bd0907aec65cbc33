// ONNX export of the image layers. ONNX's image ops are NCHW with OIHW filters, wasmnn's NHWC with
// HWIO ones: conv2d and depthwiseConv2d -> Conv (conv1d -> a 1-D Conv on [batch, c, width]) (the kernel transposed to [cout, cin/groups, kh, kw],
// group, strides, dilations, and the pads TensorFlow's 'same' gives written out as [top, left,
// bottom, right]), maxPooling2d -> MaxPool, averagePooling2d -> AveragePool with
// count_include_pad 0 (wasmnn divides by the input elements of a window only, as TensorFlow),
// globalAveragePooling2d -> GlobalAveragePool then Flatten (ONNX keeps [batch, c, 1, 1]), batch
// norm of a 4-D input -> BatchNormalization on NCHW (onnx-export.ts); each reads and writes NCHW
// (onnx-build.ts inserts the Transposes). flatten and reshape read NHWC, so that the order of the
// elements is wasmnn's: a Transpose back to NHWC, then Flatten (axis 1) or Reshape. zeroPadding2d
// -> Pad (constant 0) on NCHW, inside the run. The 1-D pools read and write sequences as [batch,
// c, steps]: maxPooling1d -> MaxPool and averagePooling1d -> AveragePool (count_include_pad 0)
// with a 1-D kernel_shape, globalMaxPooling1d -> GlobalMaxPool and globalAveragePooling1d ->
// GlobalAveragePool, each then Flatten ([batch, c, 1] -> [batch, c]).
import type { Layer } from '../layers/layer.js';
import type { Conv2D } from '../layers/conv.js';
import type { Pooling2D } from '../layers/spatial.js';
import type { Pooling1D } from '../layers/pooling1d.js';
import type { ZeroPadding2D } from '../layers/padding.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { explicitPads } from '../reference/conv.js';
import { floatTensor, int64Tensor } from './onnx-schema.js';
import { toOihw } from './kernel-layouts.js';
import { node, intAttr, intsAttr, type GraphBuilder, type TensorNames, type Layout } from './onnx-build.js';

/** Writes an activation's nodes from x in layout `layout` (softmax over the channels either way). */
export type ActivationWriter = (b: GraphBuilder, a: Activation, x: string, prefix: string, layout: Layout) => string;

// conv1d is a Conv over [batch, c, width]: its kernel [cout, cin/groups, kw], and each attribute
// keeps its width entry.
function conv(b: GraphBuilder, l: Conv2D, ps: Parameter[], x: string, act: ActivationWriter): string {
  const g = l.geometry!;
  const [W, bias] = ps;
  const oneD = l.kind === 'conv1d';
  const w = toOihw(W.value, W.shape);
  const input = [x, b.init(floatTensor(`${l.name}/kernel`, oneD ? [g.cout, g.cin / g.groups, g.kw] : [g.cout, g.cin / g.groups, g.kh, g.kw], w))];
  if (bias) input.push(b.init(floatTensor(`${l.name}/bias`, [g.cout], bias.value)));
  const y = node(b, l.name, 'Conv', input, oneD ? [
    intsAttr('dilations', [g.dw]), intAttr('group', g.groups), intsAttr('kernel_shape', [g.kw]), intsAttr('pads', [g.pl, g.pr]), intsAttr('strides', [g.sw]),
  ] : [
    intsAttr('dilations', [g.dh, g.dw]), intAttr('group', g.groups), intsAttr('kernel_shape', [g.kh, g.kw]),
    intsAttr('pads', [g.pt, g.pl, g.pb, g.pr]), intsAttr('strides', [g.sh, g.sw]),
  ]);
  return act(b, l.activation, y, l.name, 'nchw');
}

function pool(b: GraphBuilder, l: Pooling2D, x: string): string {
  const [h, w] = l.inputShape;
  const [[pt, pb], [pl, pr]] = explicitPads(l.options.padding ?? 'valid', [h, w], l.poolSize, l.strides);
  const attrs = [intsAttr('kernel_shape', [...l.poolSize]), intsAttr('pads', [pt, pl, pb, pr]), intsAttr('strides', [...l.strides])];
  if (l.kind === 'maxPooling2d') return node(b, l.name, 'MaxPool', [x], attrs);
  return node(b, l.name, 'AveragePool', [x], [intAttr('count_include_pad', 0), ...attrs]);
}

function pool1d(b: GraphBuilder, l: Pooling1D, x: string): string {
  const [pl, pr] = explicitPads(l.padding, [1, l.inputShape[0]], [1, l.poolSize], [1, l.strides])[1];
  const attrs = [intsAttr('kernel_shape', [l.poolSize]), intsAttr('pads', [pl, pr]), intsAttr('strides', [l.strides])];
  if (l.kind === 'maxPooling1d') return node(b, l.name, 'MaxPool', [x], attrs);
  return node(b, l.name, 'AveragePool', [x], [intAttr('count_include_pad', 0), ...attrs]);
}

/** The nodes of an image layer from x to y, or false when l is none; `intoMaxPool`: a max pooling reads y. */
export function imageLayerNodes(b: GraphBuilder, names: TensorNames, l: Layer, ps: Parameter[], x: SymbolicTensor, y: SymbolicTensor, act: ActivationWriter, intoMaxPool = false): boolean {
  switch (l.kind) {
    case 'conv2d':
    case 'depthwiseConv2d':
    case 'conv1d':
      names.set(y, 'nchw', conv(b, l as Conv2D, ps, names.get(x, 'nchw'), act));
      return true;
    case 'maxPooling2d':
    case 'averagePooling2d':
      names.set(y, 'nchw', pool(b, l as Pooling2D, names.get(x, 'nchw')));
      return true;
    case 'globalAveragePooling2d':
    case 'globalAveragePooling1d':
      names.set(y, 'nhwc', node(b, l.name, 'Flatten', [node(b, l.name, 'GlobalAveragePool', [names.get(x, 'nchw')])], [intAttr('axis', 1)]));
      return true;
    case 'maxPooling1d':
    case 'averagePooling1d':
      names.set(y, 'nchw', pool1d(b, l as Pooling1D, names.get(x, 'nchw')));
      return true;
    case 'globalMaxPooling1d':
      names.set(y, 'nhwc', node(b, l.name, 'Flatten', [node(b, l.name, 'GlobalMaxPool', [names.get(x, 'nchw')])], [intAttr('axis', 1)]));
      return true;
    case 'flatten':
      names.set(y, 'nhwc', x.rank === 2 ? names.get(x) : node(b, l.name, 'Flatten', [names.get(x)], [intAttr('axis', 1)]));
      return true;
    case 'reshape':
      names.set(y, 'nhwc', reshapeNode(b, l.name, names.get(x), y));
      return true;
    case 'zeroPadding2d': { // Pad's pads: the begins of N, C, H, W, then their ends
      const [[t, bottom], [left, r]] = (l as ZeroPadding2D).padding;
      const p = node(b, l.name, 'Pad', [names.get(x, 'nchw'), b.init(int64Tensor(b.name(l.name, 'pads'), [0, 0, t, left, 0, 0, bottom, r]))]); // mode 'constant', value 0 by default
      // NOTE: ONNX Runtime (1.30 here) folds a zero Pad read only by a MaxPool into the pool's
      // pads, which MaxPool fills with -inf: a window of negative values then loses its 0. Read
      // twice, by Max(p, p) (= p exactly), the Pad is not folded.
      names.set(y, 'nchw', intoMaxPool ? node(b, l.name, 'Max', [p, p]) : p);
      return true;
    }
    default:
      return false;
  }
}

/** Reshape of x to y's shape (the batch as -1). */
export function reshapeNode(b: GraphBuilder, prefix: string, x: string, y: SymbolicTensor): string {
  const shape = y.shape.map((d, i) => (i === 0 && d < 0 ? -1 : d));
  return node(b, prefix, 'Reshape', [x, b.init(int64Tensor(b.name(prefix, 'shape'), shape))]);
}
