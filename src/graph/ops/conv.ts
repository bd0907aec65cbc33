// Convolution and pooling over channels-last [batch, h, w, c] tensors (tfjs and Keras' layout).
// conv2d is im2col feeding the GEMM kernels: col [n, oh, ow, kh*kw*cg] holds every receptive
// field as a row, and y = col @ W with the HWIO filter read as [kh*kw*cg, cout], so the forward,
// dW = col^T dy and dcol = dy W^T are the matmul op's own kernels (and its vjp, and its thread
// split), and dx = col2im(dcol) is the adjoint of the copy. A 1x1 filter with stride 1 and no
// padding needs no copy: col is x itself. Groups run one im2col and one product per group,
// joined along the channels. The references are src/reference/conv.ts and pool.ts.
import { apply, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, showShape, type Shape, type SymbolicTensor } from '../symbolic.js';
import { conv2dGeometry, type Conv2dGeometry, type Padding } from '../../reference/conv.js';
import { pool2dGeometry, type Pool2dGeometry } from '../../reference/pool.js';
import { matmul } from './matmul.js';
import { concat, slice } from './shape.js';
import { reshape } from './reshape.js';

export interface Conv2dAttrs {
  strides?: [number, number];
  padding?: Padding;
  dilations?: [number, number];
  groups?: number;
}

/** The geometry of an x of shape [batch, h, w, c] under a filter [kh, kw, cin/groups, cout]; errors name `op`. */
export function convGeometry(op: string, x: Shape, wShape: readonly number[], o: Conv2dAttrs): Conv2dGeometry {
  if (x.length !== 4) throw new ShapeError(`wasmnn: ${op} takes input [batch, height, width, channels], got ${showShape(x)} (rank ${x.length})`);
  try {
    return conv2dGeometry([1, x[1], x[2], x[3]], wShape, o, op);
  } catch (err) {
    throw new ShapeError(`${(err as Error).message} (input ${showShape(x)})`);
  }
}

// The geometry's integers in the kernels' argument order after (out, in): n is read at run time.
const convArgs = (g: Conv2dGeometry, c0: number, cg: number) => [g.h, g.w, g.cin, c0, cg, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl] as const;

const im2colOp: PrimitiveOp = {
  name: 'im2col',
  emit(e, c) {
    const x = e.inputs[0], col = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sc = c.slot(col), v = viewOf(x), a = e.attrs.args as readonly number[];
    return () => k.im2col_f32(P[sc], P[sx], viewRows(v, run), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
  },
  vjp(e, [dcol]) {
    return [dcol && apply(col2imOp, [dcol], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

// dx of the channels the im2col read (all of them when c0 = 0, cg = c); the others are zero.
const col2imOp: PrimitiveOp = {
  name: 'col2im',
  emit(e, c) {
    const dcol = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(dcol), sx = c.slot(dx), v = viewOf(dx), a = e.attrs.args as readonly number[];
    const whole = a[3] === 0 && a[4] === a[2];
    return () => {
      const n = viewRows(v, run);
      if (!whole) k.fill_f32(P[sx], n * v.cols, 0);
      k.col2im_f32(P[sx], P[sd], n, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14]);
    };
  },
};

/** The receptive fields of x's channels c0 .. c0+cg-1 as rows: [batch, oh, ow, kh*kw*cg]. */
function im2col(x: SymbolicTensor, g: Conv2dGeometry, c0: number, cg: number): SymbolicTensor {
  if (g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt + g.pb + g.pl + g.pr === 0 && cg === g.cin) return x;
  return apply(im2colOp, [x], [x.shape[0], g.oh, g.ow, g.kh * g.kw * cg], { args: convArgs(g, c0, cg) });
}

/**
 * y [batch, oh, ow, cout] = x [batch, h, w, cin] convolved with w [kh, kw, cin/groups, cout]
 * (cross-correlation, as every framework means it), no bias.
 */
export function conv2d(x: SymbolicTensor, w: SymbolicTensor, o: Conv2dAttrs = {}, op = 'conv2d'): SymbolicTensor {
  if (w.rank !== 4) throw new ShapeError(`wasmnn: ${op} takes a filter [kh, kw, cin/groups, cout], got ${w}`);
  if (w.shape[0] === BATCH) throw new ShapeError(`wasmnn: ${op}: the filter ${w} cannot have a batch dimension`);
  const g = convGeometry(op, x.shape, w.shape, o);
  const cg = g.cin / g.groups, og = g.cout / g.groups, taps = g.kh * g.kw * cg;
  const w2 = reshape(w, [taps, g.cout]);
  if (g.groups === 1) return matmul(im2col(x, g, 0, cg), w2);
  const parts: SymbolicTensor[] = [];
  for (let i = 0; i < g.groups; i++) parts.push(matmul(im2col(x, g, i * cg, cg), slice(w2, i * og, og)));
  return concat(parts, -1);
}

// ---- conv1d: conv2d over a height of 1 --------------------------------------------------

/** 'valid', 'same' (TensorFlow's), 'causal' (Keras: dilation*(k-1) zeros before, none after) or [left, right]. */
export type Padding1d = 'valid' | 'same' | 'causal' | readonly [number, number];

export interface Conv1dAttrs {
  stride?: number;
  padding?: Padding1d;
  dilation?: number;
  groups?: number;
}

/** conv1d's padding as conv2d's on a height of 1 (no pads above or below). */
export function conv1dPadding(op: string, p: Padding1d | undefined, k: number, dilation: number): Padding {
  if (p === undefined || p === 'valid' || p === 'same') return p ?? 'valid';
  if (p === 'causal') return [[0, 0], [dilation * (k - 1), 0]];
  if (Array.isArray(p) && p.length === 2 && p.every((d) => Number.isInteger(d) && d >= 0)) return [[0, 0], [p[0], p[1]]];
  throw new RangeError(`wasmnn: ${op}: padding is 'valid', 'same', 'causal' or [left, right] of non-negative integers, got ${JSON.stringify(p)}`);
}

/**
 * y [batch, ow, cout] = x [batch, width, cin] convolved with w [kw, cin/groups, cout] (tfjs'
 * layout), no bias: conv2d of x as [batch, 1, width, cin] and w as [1, kw, cin/groups, cout]
 * (reshapes, no copy), so it shares conv2d's kernels, gradients and thread split.
 */
export function conv1d(x: SymbolicTensor, w: SymbolicTensor, o: Conv1dAttrs = {}, op = 'conv1d'): SymbolicTensor {
  if (x.rank !== 3) throw new ShapeError(`wasmnn: ${op} takes input [batch, width, channels], got ${showShape(x.shape)} (rank ${x.rank})`);
  if (w.rank !== 3) throw new ShapeError(`wasmnn: ${op} takes a filter [kw, cin/groups, cout], got ${w}`);
  const stride = o.stride ?? 1, dilation = o.dilation ?? 1;
  const padding = conv1dPadding(op, o.padding, w.shape[0], dilation);
  const x2 = reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]], op);
  const y = conv2d(x2, reshape(w, [1, ...w.shape], op), { strides: [1, stride], dilations: [1, dilation], padding, groups: o.groups }, op);
  return reshape(y, [y.shape[0], y.shape[2], y.shape[3]], op);
}

// ---- pooling ---------------------------------------------------------------------------

export interface Pool2dAttrs {
  poolSize: [number, number];
  strides?: [number, number];
  padding?: Padding;
}

export function poolGeometry(op: string, x: Shape, o: Pool2dAttrs): Pool2dGeometry {
  if (x.length !== 4) throw new ShapeError(`wasmnn: ${op} takes input [batch, height, width, channels], got ${showShape(x)} (rank ${x.length})`);
  try {
    return pool2dGeometry([1, x[1], x[2], x[3]], o, op);
  } catch (err) {
    throw new ShapeError(`${(err as Error).message} (input ${showShape(x)})`);
  }
}

const poolArgs = (g: Pool2dGeometry) => [g.h, g.w, g.c, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.pt, g.pl] as const;

const maxPoolOp: PrimitiveOp = {
  name: 'maxPool2d',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), v = viewOf(x), a = e.attrs.args as readonly number[];
    return () => k.maxpool2d_f32(P[sy], P[sx], viewRows(v, run), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
  },
  vjp(e, [dy]) {
    return [dy && apply(maxPoolGradOp, [dy, e.inputs[0]], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

// dx: each dy to the first maximum of its window (PyTorch's rule), recomputed from x.
const maxPoolGradOp: PrimitiveOp = {
  name: 'maxPool2dGrad',
  emit(e, c) {
    const [dy, x] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), v = viewOf(x), a = e.attrs.args as readonly number[];
    return () => k.maxpool2d_backward_f32(P[sd], P[sdy], P[sx], viewRows(v, run), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
  },
};

// The mean over the window's taps inside the input (padding is not counted, as TensorFlow).
const avgPoolOp: PrimitiveOp = {
  name: 'avgPool2d',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), v = viewOf(x), a = e.attrs.args as readonly number[];
    return () => k.avgpool2d_f32(P[sy], P[sx], viewRows(v, run), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], 0);
  },
  vjp(e, [dy]) {
    return [dy && apply(avgPoolGradOp, [dy], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

const avgPoolGradOp: PrimitiveOp = {
  name: 'avgPool2dGrad',
  emit(e, c) {
    const dy = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(dx), sdy = c.slot(dy), v = viewOf(dx), a = e.attrs.args as readonly number[];
    return () => k.avgpool2d_backward_f32(P[sd], P[sdy], viewRows(v, run), a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], 0);
  },
};

function pool(op: PrimitiveOp, name: string, x: SymbolicTensor, o: Pool2dAttrs): SymbolicTensor {
  const g = poolGeometry(name, x.shape, o);
  return apply(op, [x], [x.shape[0], g.oh, g.ow, g.c], { args: poolArgs(g) });
}

export const maxPool2d = (x: SymbolicTensor, o: Pool2dAttrs, name = 'maxPool2d'): SymbolicTensor => pool(maxPoolOp, name, x, o);
export const avgPool2d = (x: SymbolicTensor, o: Pool2dAttrs, name = 'avgPool2d'): SymbolicTensor => pool(avgPoolOp, name, x, o);

const globalAvgOp: PrimitiveOp = {
  name: 'globalAvgPool2d',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), v = viewOf(x), hw = x.shape[1] * x.shape[2], ch = x.shape[3];
    return () => k.global_avgpool_f32(P[sy], P[sx], viewRows(v, run), hw, ch);
  },
  vjp(e, [dy]) {
    return [dy && apply(globalAvgGradOp, [dy], e.inputs[0].shape)];
  },
};

const globalAvgGradOp: PrimitiveOp = {
  name: 'globalAvgPool2dGrad',
  emit(e, c) {
    const dy = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(dx), sdy = c.slot(dy), v = viewOf(dx), hw = dx.shape[1] * dx.shape[2], ch = dx.shape[3];
    return () => k.global_avgpool_backward_f32(P[sd], P[sdy], viewRows(v, run), hw, ch);
  },
};

/** [batch, h, w, c] -> [batch, c], the mean over every position. */
export function globalAvgPool2d(x: SymbolicTensor, name = 'globalAvgPool2d'): SymbolicTensor {
  if (x.rank !== 4) throw new ShapeError(`wasmnn: ${name} takes input [batch, height, width, channels], got ${showShape(x.shape)} (rank ${x.rank})`);
  return apply(globalAvgOp, [x], [x.shape[0], x.shape[3]]);
}
