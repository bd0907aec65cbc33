// 2-D max and average pooling and global average pooling in plain loops, channels-last (x [n, h, w,
// c], y [n, oh, ow, c]): the float64 reference for the pooling kernels of assembly/pool.ts. Window
// (i, j) covers rows i*sh - pt .. i*sh - pt + kh - 1 and columns likewise, clipped to x: padding
// is never read, so
//   max:  y = max over the window's input elements; its gradient goes to one of them (below);
//   avg:  y = sum over the window's input elements / their count (TensorFlow's 'same', PyTorch's
//         count_include_pad=False), so dx gets dy / count from every window it is in; with
//         countPad, count = kh*kw (PyTorch's count_include_pad=True);
//   global average: y [n, c] = mean over h and w; dx = dy / (h*w).
// NOTE: ties in max pooling follow PyTorch 1.13's CPU kernel: the window is scanned row-major,
// a value replaces the maximum only if it is greater (or NaN), so the gradient goes to the first
// maximum, or to the last NaN; a window of -Infinity sends it to its first element.
import { type Arr, axisOut, checkInt, checkLength, explicitPads, type Padding } from './conv.js';

export interface Pool2dOptions {
  poolSize: [number, number];
  /** Default poolSize, as Keras. */
  strides?: [number, number];
  padding?: Padding;
}

export interface Pool2dGeometry {
  n: number; h: number; w: number; c: number;
  kh: number; kw: number; sh: number; sw: number;
  pt: number; pb: number; pl: number; pr: number;
  oh: number; ow: number;
}

function windowFits(op: string, axis: string, inSize: number, k: number, stride: number, before: number, outN: number): void {
  const last = (outN - 1) * stride - before;
  if (before >= k || last >= inSize) {
    throw new RangeError(`wasmnn: ${op} padding of the ${axis} leaves a window with no input element (pool ${k}, stride ${stride}, padding before ${before}, input ${axis} ${inSize}, last window starts at ${last})`);
  }
}

export function pool2dGeometry(xShape: readonly number[], opts: Pool2dOptions, op = 'pool2d'): Pool2dGeometry {
  if (xShape.length !== 4) throw new RangeError(`wasmnn: ${op} input must be [n, h, w, c], got [${xShape.join(', ')}]`);
  const [n, h, w, c] = xShape;
  const { poolSize } = opts;
  if (!Array.isArray(poolSize) || poolSize.length !== 2) throw new RangeError(`wasmnn: ${op} poolSize must be [kh, kw], got ${JSON.stringify(poolSize)}`);
  const { strides = poolSize, padding = 'valid' } = opts;
  checkInt(op, 'batch size', n, 0);
  checkInt(op, 'channels', c, 1);
  const [kh, kw] = poolSize;
  const [[pt, pb], [pl, pr]] = explicitPads(padding, [h, w], [kh, kw], strides);
  const oh = axisOut(op, 'height', h, kh, strides[0], 1, pt, pb);
  const ow = axisOut(op, 'width', w, kw, strides[1], 1, pl, pr);
  windowFits(op, 'height', h, kh, strides[0], pt, oh);
  windowFits(op, 'width', w, kw, strides[1], pl, ow);
  return { n, h, w, c, kh, kw, sh: strides[0], sw: strides[1], pt, pb, pl, pr, oh, ow };
}

/** Calls f(y index, rows r0..r1-1 and columns c0..c1-1 of x inside the window, batch, channel) per output element. */
function eachWindow(g: Pool2dGeometry, f: (yi: number, r0: number, r1: number, c0: number, c1: number, b: number, ch: number) => void): void {
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < g.oh; i++) {
      const r0 = Math.max(i * g.sh - g.pt, 0);
      const r1 = Math.min(i * g.sh - g.pt + g.kh, g.h);
      for (let j = 0; j < g.ow; j++) {
        const c0 = Math.max(j * g.sw - g.pl, 0);
        const c1 = Math.min(j * g.sw - g.pl + g.kw, g.w);
        for (let ch = 0; ch < g.c; ch++) f(((b * g.oh + i) * g.ow + j) * g.c + ch, r0, r1, c0, c1, b, ch);
      }
    }
  }
}

const xIndex = (g: Pool2dGeometry, b: number, r: number, col: number, ch: number) => ((b * g.h + r) * g.w + col) * g.c + ch;

/** The flat x index of each window's maximum (the tie rule above). */
function argmax(x: Arr, g: Pool2dGeometry): Int32Array {
  const at = new Int32Array(g.n * g.oh * g.ow * g.c);
  eachWindow(g, (yi, r0, r1, c0, c1, b, ch) => {
    let best = -Infinity;
    let k = xIndex(g, b, r0, c0, ch);
    for (let r = r0; r < r1; r++) {
      for (let col = c0; col < c1; col++) {
        const xi = xIndex(g, b, r, col, ch);
        if (x[xi] > best || Number.isNaN(x[xi])) {
          best = x[xi];
          k = xi;
        }
      }
    }
    at[yi] = k;
  });
  return at;
}

export function maxPool2d(x: Arr, g: Pool2dGeometry): Float64Array {
  checkLength('maxPool2d', 'input', x, [g.n, g.h, g.w, g.c]);
  return Float64Array.from(argmax(x, g), (k) => x[k]);
}

/**
 * dx of L = sum(maxPool2d(x) * dy): each dy to its window's maximum, summed where windows overlap,
 * windows in order. A Float32Array `dx` (zeroed here) rounds after each addition: the float32
 * kernel's result exactly.
 */
export function maxPool2dBackward<T extends Float64Array | Float32Array = Float64Array>(dy: Arr, x: Arr, g: Pool2dGeometry, dx?: T): T {
  checkLength('maxPool2d', 'input', x, [g.n, g.h, g.w, g.c]);
  checkLength('maxPool2d', 'output gradient', dy, [g.n, g.oh, g.ow, g.c]);
  const out = (dx?.fill(0) ?? new Float64Array(x.length)) as T;
  argmax(x, g).forEach((k, yi) => (out[k] += dy[yi]));
  return out;
}

/** countPad divides by kh*kw instead (PyTorch's count_include_pad=True; the float32 kernels' countPad 1). */
export function avgPool2d(x: Arr, g: Pool2dGeometry, countPad = false): Float64Array {
  checkLength('avgPool2d', 'input', x, [g.n, g.h, g.w, g.c]);
  const y = new Float64Array(g.n * g.oh * g.ow * g.c);
  eachWindow(g, (yi, r0, r1, c0, c1, b, ch) => {
    let s = 0;
    for (let r = r0; r < r1; r++) for (let col = c0; col < c1; col++) s += x[xIndex(g, b, r, col, ch)];
    y[yi] = s / (countPad ? g.kh * g.kw : (r1 - r0) * (c1 - c0));
  });
  return y;
}

export function avgPool2dBackward(dy: Arr, g: Pool2dGeometry, countPad = false): Float64Array {
  checkLength('avgPool2d', 'output gradient', dy, [g.n, g.oh, g.ow, g.c]);
  const dx = new Float64Array(g.n * g.h * g.w * g.c);
  eachWindow(g, (yi, r0, r1, c0, c1, b, ch) => {
    const share = dy[yi] / (countPad ? g.kh * g.kw : (r1 - r0) * (c1 - c0));
    for (let r = r0; r < r1; r++) for (let col = c0; col < c1; col++) dx[xIndex(g, b, r, col, ch)] += share;
  });
  return dx;
}

function checkGlobal(xShape: readonly number[]): [number, number, number] {
  if (xShape.length !== 4) throw new RangeError(`wasmnn: globalAvgPool2d input must be [n, h, w, c], got [${xShape.join(', ')}]`);
  const [n, h, w, c] = xShape;
  checkInt('globalAvgPool2d', 'batch size', n, 0);
  checkInt('globalAvgPool2d', 'input height', h, 1);
  checkInt('globalAvgPool2d', 'input width', w, 1);
  checkInt('globalAvgPool2d', 'channels', c, 1);
  return [n, h * w, c];
}

/** y [n, c] = mean of x [n, h, w, c] over h and w. */
export function globalAvgPool2d(x: Arr, xShape: readonly number[]): Float64Array {
  const [n, hw, c] = checkGlobal(xShape);
  checkLength('globalAvgPool2d', 'input', x, xShape);
  const y = new Float64Array(n * c);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < hw; k++) for (let ch = 0; ch < c; ch++) y[b * c + ch] += x[(b * hw + k) * c + ch];
    for (let ch = 0; ch < c; ch++) y[b * c + ch] /= hw;
  }
  return y;
}

export function globalAvgPool2dBackward(dy: Arr, xShape: readonly number[]): Float64Array {
  const [n, hw, c] = checkGlobal(xShape);
  checkLength('globalAvgPool2d', 'output gradient', dy, [n, c]);
  const dx = new Float64Array(n * hw * c);
  for (let b = 0; b < n; b++) for (let k = 0; k < hw; k++) for (let ch = 0; ch < c; ch++) dx[(b * hw + k) * c + ch] = dy[b * c + ch] / hw;
  return dx;
}

/** The 12 numbers after the pointers of the pooling kernels (assembly/pool.ts), in their order. */
export const pool2dArgs = (g: Pool2dGeometry): number[] => [g.n, g.h, g.w, g.c, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.pt, g.pl];
