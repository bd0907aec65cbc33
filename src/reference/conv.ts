// 2-D convolution (cross-correlation, as every framework means it) in plain loops, channels-last
// as tfjs/Keras: the float64 reference for the convolution kernels to come.
//   y[n,i,j,o] = b[o] + sum_{p,q,c} x[n, i*sh + p*dh - pt, j*sw + q*dw - pl, g*cg + c] * w[p,q,c,o]
// x [n, h, w, cin], w [kh, kw, cin/groups, cout] (HWIO), y [n, oh, ow, cout]; output channel o is in
// group g = floor(o / (cout/groups)) and sees input channels g*cg .. g*cg + cg - 1 (cg = cin/groups),
// with out-of-range x read as 0. oh = floor((h + pt + pb - dh*(kh-1) - 1)/sh) + 1, likewise ow.
// Backward of L = sum(y * dy): dx and dw are the same sum scattered, db[o] = sum over n,i,j of dy.
// NOTE: groups = cin is a depthwise convolution; TF's depthwise filter [kh, kw, cin, multiplier] is
// this HWIO filter [kh, kw, 1, cin*multiplier] unchanged (output channel c*multiplier + m either way).
export type Arr = ArrayLike<number>;
export type Pads2 = [[number, number], [number, number]];
export type Padding = 'valid' | 'same' | Pads2;

/** TensorFlow's 'same' padding of one axis: [before, after], the odd pixel after. */
export function samePads(inSize: number, k: number, stride = 1, dilation = 1): [number, number] {
  const total = Math.max((Math.ceil(inSize / stride) - 1) * stride + (k - 1) * dilation + 1 - inSize, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** 'valid' / 'same' / explicit [[top, bottom], [left, right]] as explicit pads, as TensorFlow pads. */
export function explicitPads(padding: Padding, inHW: [number, number], kHW: [number, number], strides: [number, number] = [1, 1], dilations: [number, number] = [1, 1]): Pads2 {
  if (padding === 'valid') return [[0, 0], [0, 0]];
  if (padding === 'same') return [samePads(inHW[0], kHW[0], strides[0], dilations[0]), samePads(inHW[1], kHW[1], strides[1], dilations[1])];
  if (Array.isArray(padding) && padding.length === 2 && padding.every((p) => Array.isArray(p) && p.length === 2)) return [[padding[0][0], padding[0][1]], [padding[1][0], padding[1][1]]];
  throw new RangeError(`wasmnn: padding must be 'valid', 'same' or [[top, bottom], [left, right]], got ${JSON.stringify(padding)}`);
}

/** floor((in + before + after - dilation*(k-1) - 1)/stride) + 1; <= 0 when the kernel does not fit. */
export const outSize = (inSize: number, k: number, stride: number, dilation: number, before: number, after: number): number =>
  Math.floor((inSize + before + after - dilation * (k - 1) - 1) / stride) + 1;

export function checkInt(op: string, what: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min) throw new RangeError(`wasmnn: ${op} ${what} must be an integer >= ${min}, got ${v}`);
}

/** Checks one axis (kernel, stride, dilation, pads) and returns its output size, >= 1. */
export function axisOut(op: string, axis: string, inSize: number, k: number, stride: number, dilation: number, before: number, after: number): number {
  checkInt(op, `input ${axis}`, inSize, 1);
  checkInt(op, `kernel ${axis}`, k, 1);
  checkInt(op, `stride along the ${axis}`, stride, 1);
  checkInt(op, `dilation along the ${axis}`, dilation, 1);
  checkInt(op, `padding before the ${axis}`, before, 0);
  checkInt(op, `padding after the ${axis}`, after, 0);
  const ek = dilation * (k - 1) + 1;
  if (ek > inSize + before + after) {
    throw new RangeError(`wasmnn: ${op} kernel ${axis} ${ek} (kernel ${k}, dilation ${dilation}) is larger than the padded input ${axis} ${inSize + before + after} (${inSize} + ${before} + ${after}): the output would be empty`);
  }
  return outSize(inSize, k, stride, dilation, before, after);
}

export function checkLength(op: string, what: string, a: Arr, shape: readonly number[]): void {
  const n = shape.reduce((p, d) => p * d, 1);
  if (a.length !== n) throw new RangeError(`wasmnn: ${op} ${what} has ${a.length} elements, its shape [${shape.join(', ')}] needs ${n}`);
}

export interface Conv2dOptions {
  strides?: [number, number];
  dilations?: [number, number];
  padding?: Padding;
  groups?: number;
}

/** Everything a convolution loop needs, checked once. */
export interface Conv2dGeometry {
  n: number; h: number; w: number; cin: number;
  kh: number; kw: number; cout: number; groups: number;
  sh: number; sw: number; dh: number; dw: number;
  pt: number; pb: number; pl: number; pr: number;
  oh: number; ow: number;
}

export function conv2dGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv2dOptions = {}, op = 'conv2d'): Conv2dGeometry {
  if (xShape.length !== 4) throw new RangeError(`wasmnn: ${op} input must be [n, h, w, cin], got [${xShape.join(', ')}]`);
  if (wShape.length !== 4) throw new RangeError(`wasmnn: ${op} filter must be [kh, kw, cin/groups, cout], got [${wShape.join(', ')}]`);
  const [n, h, w, cin] = xShape;
  const [kh, kw, cg, cout] = wShape;
  const { strides = [1, 1], dilations = [1, 1], padding = 'valid', groups = 1 } = opts;
  checkInt(op, 'batch size', n, 0);
  checkInt(op, 'input channels', cin, 1);
  checkInt(op, 'output channels', cout, 1);
  checkInt(op, 'groups', groups, 1);
  if (cin % groups !== 0) throw new RangeError(`wasmnn: ${op} input channels ${cin} are not divisible by groups ${groups}`);
  if (cout % groups !== 0) throw new RangeError(`wasmnn: ${op} output channels ${cout} are not divisible by groups ${groups}`);
  if (cg !== cin / groups) throw new RangeError(`wasmnn: ${op} filter has ${cg} input channels, input channels ${cin} / groups ${groups} = ${cin / groups}`);
  const [[pt, pb], [pl, pr]] = explicitPads(padding, [h, w], [kh, kw], strides, dilations);
  const oh = axisOut(op, 'height', h, kh, strides[0], dilations[0], pt, pb);
  const ow = axisOut(op, 'width', w, kw, strides[1], dilations[1], pl, pr);
  return { n, h, w, cin, kh, kw, cout, groups, sh: strides[0], sw: strides[1], dh: dilations[0], dw: dilations[1], pt, pb, pl, pr, oh, ow };
}

/**
 * Visits every (output element, filter tap) pair whose input pixel is inside x, with the flat
 * indices of y, x and w; the forward and both backward passes are this one loop.
 */
function eachTap(g: Conv2dGeometry, f: (yi: number, xi: number, wi: number) => void): void {
  const cg = g.cin / g.groups;
  const og = g.cout / g.groups;
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < g.oh; i++) {
      for (let j = 0; j < g.ow; j++) {
        const yRow = ((b * g.oh + i) * g.ow + j) * g.cout;
        for (let p = 0; p < g.kh; p++) {
          const r = i * g.sh + p * g.dh - g.pt;
          if (r < 0 || r >= g.h) continue;
          for (let q = 0; q < g.kw; q++) {
            const c0 = j * g.sw + q * g.dw - g.pl;
            if (c0 < 0 || c0 >= g.w) continue;
            const xPix = ((b * g.h + r) * g.w + c0) * g.cin;
            const wTap = (p * g.kw + q) * cg * g.cout;
            for (let o = 0; o < g.cout; o++) {
              const grp = Math.floor(o / og);
              for (let c = 0; c < cg; c++) f(yRow + o, xPix + grp * cg + c, wTap + c * g.cout + o);
            }
          }
        }
      }
    }
  }
}

function checkArrays(g: Conv2dGeometry, op: string, x: Arr | null, w: Arr | null, y: Arr | null, yName: string): void {
  if (x) checkLength(op, 'input', x, [g.n, g.h, g.w, g.cin]);
  if (w) checkLength(op, 'filter', w, [g.kh, g.kw, g.cin / g.groups, g.cout]);
  if (y) checkLength(op, yName, y, [g.n, g.oh, g.ow, g.cout]);
}

/** y [n, oh, ow, cout] of x [n, h, w, cin] and w [kh, kw, cin/groups, cout]; bias [cout] or null. */
export function conv2d(x: Arr, w: Arr, bias: Arr | null, g: Conv2dGeometry, op = 'conv2d'): Float64Array {
  checkArrays(g, op, x, w, null, '');
  if (bias) checkLength(op, 'bias', bias, [g.cout]);
  const y = new Float64Array(g.n * g.oh * g.ow * g.cout);
  if (bias) for (let k = 0; k < y.length; k++) y[k] = bias[k % g.cout];
  eachTap(g, (yi, xi, wi) => (y[yi] += x[xi] * w[wi]));
  return y;
}

/** Gradients of L = sum(conv2d(x, w, b) * dy): dx like x, dw like w, db [cout]. */
export function conv2dBackward(dy: Arr, x: Arr, w: Arr, g: Conv2dGeometry, op = 'conv2d'): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  checkArrays(g, op, x, w, dy, 'output gradient');
  const dx = new Float64Array(x.length);
  const dw = new Float64Array(w.length);
  const db = new Float64Array(g.cout);
  for (let k = 0; k < dy.length; k++) db[k % g.cout] += dy[k];
  eachTap(g, (yi, xi, wi) => {
    dx[xi] += w[wi] * dy[yi];
    dw[wi] += x[xi] * dy[yi];
  });
  return { dx, dw, db };
}

export interface Conv1dOptions {
  stride?: number;
  dilation?: number;
  padding?: 'valid' | 'same' | [number, number];
  groups?: number;
}

/** conv1d as conv2d with h = 1: x [n, w, cin], w [k, cin/groups, cout], y [n, ow, cout]. */
export function conv1dGeometry(xShape: readonly number[], wShape: readonly number[], opts: Conv1dOptions = {}): Conv2dGeometry {
  if (xShape.length !== 3) throw new RangeError(`wasmnn: conv1d input must be [n, w, cin], got [${xShape.join(', ')}]`);
  if (wShape.length !== 3) throw new RangeError(`wasmnn: conv1d filter must be [k, cin/groups, cout], got [${wShape.join(', ')}]`);
  const { stride = 1, dilation = 1, padding = 'valid', groups = 1 } = opts;
  const pads: Padding = typeof padding === 'string' ? padding : [[0, 0], padding];
  return conv2dGeometry([xShape[0], 1, xShape[1], xShape[2]], [1, ...wShape], { strides: [1, stride], dilations: [1, dilation], padding: pads, groups }, 'conv1d');
}

export const conv1d = (x: Arr, w: Arr, bias: Arr | null, g: Conv2dGeometry): Float64Array => conv2d(x, w, bias, g, 'conv1d');
export const conv1dBackward = (dy: Arr, x: Arr, w: Arr, g: Conv2dGeometry) => conv2dBackward(dy, x, w, g, 'conv1d');
