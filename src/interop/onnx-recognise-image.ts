// The image nodes of an ONNX graph as layers (NCHW in ONNX, NHWC once built; onnx-layout.ts
// relates the two): Conv (2-D; the OIHW filter read as HWIO; group = channels with one input
// channel per group is a depthwise convolution) -> conv2d / depthwiseConv2d, MaxPool ->
// maxPooling2d, AveragePool -> averagePooling2d (count_include_pad 0, or no padding),
// GlobalAveragePool -> globalAveragePooling2d, Flatten (axis 1) -> flatten, Reshape (a constant
// shape whose first entry is the batch, 0, -1, or the graph's fixed batch) -> reshape, Transpose -> a change of layout.
// pads [top, left, bottom, right] are explicit padding, auto_pad SAME_UPPER TensorFlow's 'same'.
// A Conv with a 1-D filter [cout, cin/groups, kw] on [batch, c, width] -> conv1d (pads [left,
// right]), held as a height of 1 until it is built; so a MaxPool or AveragePool with a 1-D
// kernel_shape on [batch, c, width] -> maxPooling1d / averagePooling1d (pads [left, right] that
// must be 'valid' or TensorFlow's 'same' for the width, checked once it is known), and
// GlobalAveragePool / GlobalMaxPool of sequences -> globalAveragePooling1d / globalMaxPooling1d.
import type { onnx as P } from 'onnx-proto';
import type { Padding } from '../reference/conv.js';
import { bad, attr, attrInt, int } from './onnx-schema.js';
import type { Const } from './onnx-import-ops.js';
import type { Item } from './onnx-items.js';
import { fromOihw } from './kernel-layouts.js';

export const IMAGE_OPS = ['Conv', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool (of sequences)', 'Flatten', 'Reshape', 'Transpose'];

const ints = (n: P.INodeProto, name: string, dflt: number[]): number[] => {
  const a = attr(n, name);
  return a ? (a.ints ?? []).map(int) : dflt;
};
const pairOf = (v: number[], what: string, w: string): [number, number] => (v.length === 2 ? [v[0], v[1]] : bad(`${w}: ${what} [${v}] is not 2-D (only 2-D images are supported)`));

/** auto_pad and pads as a padding (`oneD`: pads [left, right] as a height of 1). */
function padding(n: P.INodeProto, w: string, oneD = false): Padding {
  const a = attr(n, 'auto_pad');
  const auto = a?.s ? new TextDecoder().decode(a.s) : 'NOTSET';
  if (auto === 'SAME_UPPER') return 'same';
  if (auto === 'VALID') return 'valid';
  if (auto !== 'NOTSET') bad(`${w}: auto_pad ${auto} is not supported (SAME_UPPER, VALID or explicit pads)`);
  const p1 = ints(n, 'pads', oneD ? [0, 0] : [0, 0, 0, 0]);
  if (p1.length !== (oneD ? 2 : 4)) bad(`${w}: pads [${p1}] are not those of a ${oneD ? '1-D sequence' : '2-D image'}`);
  const p = oneD ? [0, p1[0], 0, p1[1]] : p1;
  return p.every((d) => d === 0) ? 'valid' : [[p[0], p[2]], [p[1], p[3]]];
}

/** The image item of node n, or undefined when n is none. */
export function imageItem(n: P.INodeProto, constOf: (name: string | undefined) => Const | undefined, readers: Map<string, number>, w: string, batch?: number): Item | undefined {
  const op = n.opType!;
  const io = { input: n.input![0], output: n.output![0], where: w };
  switch (op) {
    case 'Conv': {
      const W = constOf(n.input![1]) ?? bad(`${w}: the filter must be a constant (initialiser)`);
      if (W.dims.length !== 4 && W.dims.length !== 3) bad(`${w}: a filter of dims [${W.dims}] is not 1-D or 2-D (only 1-D and 2-D convolutions are supported)`);
      const oneD = W.dims.length === 3;
      const [cout, cg, kh, kw] = oneD ? [W.dims[0], W.dims[1], 1, W.dims[2]] : W.dims;
      const k = ints(n, 'kernel_shape', oneD ? [kw] : [kh, kw]);
      if (k.join() !== (oneD ? [kw] : [kh, kw]).join()) bad(`${w}: kernel_shape [${k}] does not match the filter's [${oneD ? kw : [kh, kw]}]`);
      const two = (name: string) => (oneD ? [1, ...ints(n, name, [1])] : ints(n, name, [1, 1]));
      const groups = attrInt(n, 'group', 1);
      if (cout % groups !== 0) bad(`${w}: ${cout} filters are not divisible by group ${groups}`);
      const B = n.input![2] ? constOf(n.input![2]) ?? bad(`${w}: the bias must be a constant (initialiser)`) : undefined;
      if (B && B.values.length !== cout) bad(`${w}: the bias has ${B.values.length} values, expected ${cout}`);
      return {
        ...io, kind: 'conv', oneD, filters: cout, cin: cg * groups, groups, depthwise: !oneD && groups > 1 && cg === 1, kernelSize: [kh, kw],
        strides: pairOf(two('strides'), 'strides', w), dilations: pairOf(two('dilations'), 'dilations', w), padding: padding(n, w, oneD),
        activation: 'linear', W: fromOihw(W.values, W.dims), b: B ? Float32Array.from(B.values) : undefined,
      };
    }
    case 'MaxPool':
    case 'AveragePool': {
      const k = ints(n, 'kernel_shape', []), oneD = k.length === 1;
      const poolSize = pairOf(oneD ? [1, k[0]] : k, 'kernel_shape', w);
      if (attrInt(n, 'ceil_mode', 0) !== 0) bad(`${w}: ceil_mode 1 is not supported`);
      if (ints(n, 'dilations', [1, 1]).some((d) => d !== 1)) bad(`${w}: dilations are not supported in pooling`);
      if ((n.output ?? []).slice(1).some((o) => o && readers.get(o))) bad(`${w}: its indices output is used, which is not supported`);
      const pad = padding(n, w, oneD);
      if (op === 'AveragePool' && attrInt(n, 'count_include_pad', 0) !== 0 && pad !== 'valid') {
        bad(`${w}: count_include_pad 1 with padding is not supported (wasmnn's average divides by the input elements of a window only)`);
      }
      const strides = oneD ? [1, ...ints(n, 'strides', [1])] : ints(n, 'strides', [1, 1]);
      return { ...io, kind: 'pool', oneD, max: op === 'MaxPool', poolSize, strides: pairOf(strides, 'strides', w), padding: pad };
    }
    case 'GlobalAveragePool': return { ...io, kind: 'gap' };
    case 'GlobalMaxPool': return { ...io, kind: 'gap', max: true };
    case 'Flatten':
      if (attrInt(n, 'axis', 1) !== 1) bad(`${w}: Flatten from axis ${attrInt(n, 'axis', 1)} is not supported (axis 1: each sample to a row)`);
      return { ...io, kind: 'flatten' };
    case 'Reshape': {
      const shape = Array.from(constOf(n.input![1])?.values ?? bad(`${w}: the shape must be a constant (initialiser)`));
      if (batch !== undefined && shape[0] === batch) shape[0] = -1; // a fixed batch, kept
      if (attrInt(n, 'allowzero', 0) !== 0) bad(`${w}: allowzero 1 is not supported`);
      if (shape.length < 2 || (shape[0] !== 0 && shape[0] !== -1)) bad(`${w}: the shape [${shape}] must keep the batch first (0 or -1)`);
      if (shape.slice(1).some((d) => d === 0 || d < -1)) bad(`${w}: the shape [${shape}] may copy (0) only the batch`);
      if (shape[0] === -1 && shape.includes(-1, 1)) bad(`${w}: the shape [${shape}] has two -1`);
      return { ...io, kind: 'reshape', shape };
    }
    case 'Transpose': return { ...io, kind: 'transpose', perm: ints(n, 'perm', []) };
    default: return undefined;
  }
}
