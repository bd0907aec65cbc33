// The graph engine's elementwise primitives in plain TypeScript, one element at a time: the
// reference for assembly/elementwise.ts (formulas and argument order there), on Float32Array
// views. Each float32 operation of the kernel is one float64 operation rounded by Math.fround,
// which for + - * / and sqrt is the float32 result exactly, so these agree with the kernels bit
// for bit; exp, log and pow are float64's rounded once (the kernels' Mathf is within an ulp of it).
// Math.max/min are IEEE maximum/minimum as the kernels' (NaN propagates, -0 < +0).
const f = Math.fround;

/** binary_f32's op codes. */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'] as const;
/** unary_f32's op codes. */
export const UNARY_OPS = ['neg', 'square', 'sqrt', 'exp', 'log', 'abs', 'pow', 'sign'] as const;

const BINARY: ((a: number, b: number) => number)[] = [
  (a, b) => a + b,
  (a, b) => a - b,
  (a, b) => a * b,
  (a, b) => a / b,
  Math.max,
  Math.min,
];

/** The index into an operand of mode m (0 full, 1 row, 2 column, 3 scalar) of element (r, c). */
export function broadcastIndex(m: number, r: number, c: number, cols: number): number {
  return m === 0 ? r * cols + c : m === 1 ? c : m === 2 ? r : 0;
}

export function binary(y: Float32Array, a: Float32Array, b: Float32Array, rows: number, cols: number, op: number, modes: number): void {
  const fn = BINARY[op];
  if (!fn) throw new Error(`binary: op ${op} is not one of 0..5`);
  const am = modes & 3, bm = modes >> 2;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) y[r * cols + c] = fn(a[broadcastIndex(am, r, c, cols)], b[broadcastIndex(bm, r, c, cols)]);
  }
}

/** -1, 0 or 1; 0 at -0; NaN stays NaN. */
export const sign = (v: number): number => (v > 0 ? 1 : v < 0 ? -1 : v === v ? 0 : NaN);

const UNARY: ((v: number, p: number) => number)[] = [
  (v) => -v,
  (v) => v * v,
  Math.sqrt,
  Math.exp,
  Math.log,
  Math.abs,
  Math.pow, // JS's special cases, as the kernel's Mathf.pow (1^NaN = NaN, not C's 1)
  sign,
];

export function unary(y: Float32Array, x: Float32Array, n: number, op: number, p: number): void {
  const fn = UNARY[op];
  if (!fn) throw new Error(`unary: op ${op} is not one of 0..7`);
  const pf = f(p);
  for (let i = 0; i < n; i++) y[i] = fn(x[i], pf);
}

/** dx = dy * f'(x) given x and y = f(x), in the kernel's order of float32 operations. */
export function unaryBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, y: Float32Array, n: number, op: number, p: number): void {
  const pf = f(p);
  for (let i = 0; i < n; i++) {
    const g = dy[i];
    switch (op) {
      case 0: dx[i] = -g; break;
      case 1: dx[i] = f(x[i] + x[i]) * g; break;
      case 2: dx[i] = g / f(y[i] + y[i]); break;
      case 3: dx[i] = g * y[i]; break;
      case 4: dx[i] = g / x[i]; break;
      case 5: dx[i] = g * sign(x[i]); break;
      case 6: dx[i] = pf === 0 ? 0 : g * f(pf * f(Math.pow(x[i], f(pf - 1)))); break;
      case 7: dx[i] = 0; break;
      default: throw new Error(`unaryBackward: op ${op} is not one of 0..7`);
    }
  }
}

export function clamp(y: Float32Array, x: Float32Array, n: number, lo: number, hi: number): void {
  const [l, h] = [f(lo), f(hi)];
  for (let i = 0; i < n; i++) y[i] = Math.min(Math.max(x[i], l), h);
}

export function clampBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, n: number, lo: number, hi: number): void {
  const [l, h] = [f(lo), f(hi)];
  for (let i = 0; i < n; i++) dx[i] = l <= x[i] && x[i] <= h ? dy[i] : 0;
}

/** PyTorch 1.13's maximum/minimum backward for x: dy where x wins, dy/2 at a tie, 0 where it loses. */
export function minmaxBackward(dx: Float32Array, dy: Float32Array, x: Float32Array, o: Float32Array, n: number, oScalar: number, isMin: number): void {
  for (let i = 0; i < n; i++) {
    const v = x[i], w = o[oScalar ? 0 : i];
    const lose = isMin ? v > w : v < w;
    dx[i] = v === w ? dy[i] / 2 : lose ? 0 : dy[i];
  }
}

/** The float64 sum of x[from..from+n) in order (reduce.ts's sum_f32). */
function sum(x: Float32Array, from: number, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += x[from + i];
  return s;
}

export function rowSum(out: Float32Array, x: Float32Array, rows: number, cols: number, scale: number): void {
  for (let r = 0; r < rows; r++) out[r] = scale * sum(x, r * cols, cols);
}

export function sumAll(out: Float32Array, x: Float32Array, n: number, scale: number): number {
  const s = scale * sum(x, 0, n);
  out[0] = s;
  return s;
}

export function broadcast(y: Float32Array, x: Float32Array, rows: number, cols: number, mode: number, scale: number): void {
  const s = f(scale);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[r * cols + c] = x[broadcastIndex(mode, r, c, cols)] * s;
}

export function copyBlock(dst: Float32Array, dstStride: number, src: Float32Array, srcStride: number, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[r * dstStride + c] = src[r * srcStride + c];
}

/** count_outside_f32's twin: how many values are not in [lo, hi] (NaN is not). */
export function countOutside(x: Float32Array, n: number, lo: number, hi: number): number {
  let c = 0;
  for (let i = 0; i < n; i++) if (!(x[i] >= lo && x[i] <= hi)) c++;
  return c;
}
