// Activations y = f(x) and their backward passes dx = dy * f'(x), elementwise over n
// floats, plus row-wise softmax / log-softmax over [rows, cols].
// Layout: contiguous, any 4-byte alignment. y may alias x; dx may alias dy.
// f32x4 throughout except softmax, which is evaluated in f64 and rounded once. The SIMD
// transcendental functions (assembly/simdmath.ts: Cephes' float32 exp, tanh, log; erfc as
// Numerical Recipes' erfcc) are within a few ulp and keep relative accuracy down to the
// smallest normal float32; results below it (sigmoid(-100) ~ 3.7e-44) come out as 0. The last n%4 elements go
// through the same vector code on a zero-padded copy (loadN/storeN), so an element's result
// does not depend on its position.
// Conventions (PyTorch): relu'(0) = 0, relu'(NaN) passes the gradient; leaky_relu'(0) = alpha;
// elu'(x<=0) = y + alpha; softplus(x) = x above 20; gelu exact uses erf, gelu_tanh is
// approximate='tanh'.

import { ld, st, rowLse, padIn, padOut } from './scalar';
import { SCRATCH_BASE, S_ACT_TAIL, ACT_TAIL_BYTES } from './scratch';
import { exp4, tanh4, expm1Neg4, log1pPos4, sigmoid4, sigmoidGrad4, poly, relu4, relu1 } from './simdmath';

const TAIL: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_ACT_TAIL : memory.data(ACT_TAIL_BYTES, 16);

// The r < 4 floats at p as a vector, zero-padded.
@inline function loadN(p: usize, r: i32): v128 {
  return v128.load(padIn(TAIL, p, r));
}

// The first r < 4 lanes of v, stored at p.
@inline function storeN(p: usize, v: v128, r: i32): void {
  v128.store(TAIL, v);
  padOut(p, TAIL, r);
}

const SQRT1_2: f64 = 0.7071067811865476;
const INV_SQRT_2PI: f64 = 0.3989422804014327;
const GELU_K: f64 = 0.7978845608028654; // sqrt(2/pi)
const GELU_C: f64 = 0.044715;

export function identity_f32(y: usize, x: usize, n: i32): void {
  if (y != x) memory.copy(y, x, <usize>n << 2);
}
export function identity_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  if (dx != dy) memory.copy(dx, dy, <usize>n << 2);
}

export function sigmoid_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), sigmoid4(v128.load(x + (<usize>i << 2))));
  if (i < n) storeN(y + (<usize>i << 2), sigmoid4(loadN(x + (<usize>i << 2), n - i)), n - i);
}
export function sigmoid_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), sigmoidGrad4(v128.load(x + o))));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, f32x4.mul(g, sigmoidGrad4(loadN(x + o, r))), r);
  }
}

export function tanh_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), tanh4(v128.load(x + (<usize>i << 2))));
  if (i < n) storeN(y + (<usize>i << 2), tanh4(loadN(x + (<usize>i << 2), n - i)), n - i);
}
// 1/cosh^2(x) = 4e^2/(1 + e^2)^2, e = e^-|x|: not 1 - y^2, which cancels to 0 for |x| >~ 9.
@inline function tanhGrad4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const e2 = f32x4.mul(e, e);
  const c = f32x4.add(f32x4.splat(1), e2);
  return f32x4.div(f32x4.mul(f32x4.splat(4), e2), f32x4.mul(c, c));
}
export function tanh_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), tanhGrad4(v128.load(x + o))));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, f32x4.mul(g, tanhGrad4(loadN(x + o, r))), r);
  }
}

// relu4/relu1 (simdmath): pmax, not f32x4.max (4000 floats: 1.26 -> 0.9 us).
export function relu_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, relu4(v128.load(x + o)));
  }
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), relu1(load<f32>(x + (<usize>i << 2))));
}
// dx = x <= 0 ? 0 : dy, as PyTorch's threshold_backward: a NaN x passes the gradient on.
export function relu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.andnot(v128.load(dy + o), f32x4.le(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) <= 0 ? 0 : load<f32>(dy + o));
  }
}

export function leaky_relu_f32(y: usize, x: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.bitselect(v, f32x4.mul(v, a), f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), v > 0 ? v : alpha * v);
  }
}
export function leaky_relu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  const zero = f32x4.splat(0);
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const g = v128.load(dy + o);
    v128.store(dx + o, v128.bitselect(g, f32x4.mul(g, a), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g = load<f32>(dy + o);
    store<f32>(dx + o, load<f32>(x + o) > 0 ? g : alpha * g);
  }
}

// elu(x) = x above 0, alpha*(e^x - 1) at and below.
@inline function elu4(v: v128, a: v128): v128 {
  return v128.bitselect(v, f32x4.mul(a, expm1Neg4(v)), f32x4.gt(v, f32x4.splat(0)));
}
export function elu_f32(y: usize, x: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), elu4(v128.load(x + (<usize>i << 2)), a));
  if (i < n) storeN(y + (<usize>i << 2), elu4(loadN(x + (<usize>i << 2), n - i), a), n - i);
}
// f'(x) = alpha*e^x at and below 0, from x (not y + alpha, which loses digits near -alpha).
@inline function eluGrad4(g: v128, v: v128, a: v128): v128 {
  return v128.bitselect(g, f32x4.mul(f32x4.mul(g, a), exp4(v)), f32x4.gt(v, f32x4.splat(0)));
}
export function elu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  const a = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, eluGrad4(v128.load(dy + o), v128.load(x + o), a));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, eluGrad4(g, loadN(x + o, r), a), r);
  }
}

// gelu(x) = x/2 * erfc(-x/sqrt 2), erfc by Numerical Recipes' erfcc (relative error < 1.2e-7):
// erfc(z) = t*exp(-z^2 - 1.26551223 + t*P(t)), t = 1/(1 + z/2), z >= 0, and 2 - erfc(-z) below.
// z^2 = x^2/2 is formed from x split into a high part with 12 mantissa bits (its square is exact)
// and the rest, as two exponentials: float32 x^2 alone would cost ~1e-5 relative at x = -10.
// The first factor is also phi(x)*sqrt(2 pi), the normal density the derivative needs.
@inline function geluParts(x: v128, withGrad: bool): v128 {
  const ax = f32x4.abs(x);
  const xh = v128.and(ax, i32x4.splat(<i32>0xfffff000));
  const xl = f32x4.sub(ax, xh);
  const e1 = exp4(f32x4.mul(f32x4.mul(xh, xh), f32x4.splat(-0.5))); // exp(-xh^2/2), exact argument
  const corr = f32x4.mul(f32x4.mul(xl, f32x4.add(ax, xh)), f32x4.splat(-0.5)); // -(x^2 - xh^2)/2
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(ax, f32x4.splat(<f32>(0.5 * SQRT1_2)))));
  let p = f32x4.splat(0.17087277);
  p = poly(t, -0.82215223, p);
  p = poly(t, 1.48851587, p);
  p = poly(t, -1.13520398, p);
  p = poly(t, 0.27886807, p);
  p = poly(t, -0.18628806, p);
  p = poly(t, 0.09678418, p);
  p = poly(t, 0.37409196, p);
  p = poly(t, 1.00002368, p);
  const arg = f32x4.add(poly(t, -1.26551223, p), corr);
  const r = f32x4.mul(f32x4.mul(t, e1), exp4(arg)); // erfc(|x|/sqrt 2)
  // erfc(-x/sqrt 2): r for x <= 0, 2 - r above.
  const erfcv = v128.bitselect(r, f32x4.sub(f32x4.splat(2), r), f32x4.le(x, f32x4.splat(0)));
  if (!withGrad) return f32x4.mul(f32x4.mul(f32x4.splat(0.5), x), erfcv);
  // gelu'(x) = erfc(-x/sqrt 2)/2 + x*phi(x), phi(x) = e1*exp(corr)/sqrt(2 pi)
  const phi = f32x4.mul(f32x4.mul(e1, exp4(corr)), f32x4.splat(<f32>INV_SQRT_2PI));
  return f32x4.add(f32x4.mul(f32x4.splat(0.5), erfcv), f32x4.mul(x, phi));
}
export function gelu_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), geluParts(v128.load(x + (<usize>i << 2)), false));
  if (i < n) storeN(y + (<usize>i << 2), geluParts(loadN(x + (<usize>i << 2), n - i), false), n - i);
}
export function gelu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, f32x4.mul(v128.load(dy + o), geluParts(v128.load(x + o), true)));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, f32x4.mul(g, geluParts(loadN(x + o, r), true)), r);
  }
}

// gelu_tanh(x) = x*sigmoid(2u), u = k(x + c x^3): 1 + tanh(u) = 2 sigmoid(2u), no cancellation.
@inline function geluTanhU2(v: v128): v128 {
  const v3 = f32x4.mul(f32x4.mul(v, v), v);
  return f32x4.mul(f32x4.splat(<f32>(2 * GELU_K)), f32x4.add(v, f32x4.mul(f32x4.splat(<f32>GELU_C), v3)));
}
export function gelu_tanh_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    v128.store(y + (<usize>i << 2), f32x4.mul(v, sigmoid4(geluTanhU2(v))));
  }
  if (i < n) {
    const v = loadN(x + (<usize>i << 2), n - i);
    storeN(y + (<usize>i << 2), f32x4.mul(v, sigmoid4(geluTanhU2(v))), n - i);
  }
}
// d/dx = sigmoid(2u) + x*sigmoid'(2u)*2k(1 + 3c x^2)
@inline function geluTanhGrad4(g: v128, v: v128): v128 {
  const u2 = geluTanhU2(v);
  const du = f32x4.mul(f32x4.splat(<f32>(2 * GELU_K)), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(<f32>(3 * GELU_C)), f32x4.mul(v, v))));
  return f32x4.mul(g, f32x4.add(sigmoid4(u2), f32x4.mul(f32x4.mul(v, sigmoidGrad4(u2)), du)));
}
export function gelu_tanh_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, geluTanhGrad4(v128.load(dy + o), v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, geluTanhGrad4(g, loadN(x + o, r)), r);
  }
}

// softplus(x) = max(x, 0) + log1p(e^-|x|), and x itself above the threshold 20 (PyTorch's).
// max as pmax (one instruction, see relu_f32): a NaN x still gives NaN through the sum.
@inline function softplus4(v: v128): v128 {
  const s = f32x4.add(f32x4.pmax(v, f32x4.splat(0)), log1pPos4(exp4(f32x4.neg(f32x4.abs(v)))));
  return v128.bitselect(v, s, f32x4.gt(v, f32x4.splat(20)));
}
export function softplus_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), softplus4(v128.load(x + (<usize>i << 2))));
  if (i < n) storeN(y + (<usize>i << 2), softplus4(loadN(x + (<usize>i << 2), n - i)), n - i);
}
@inline function softplusGrad4(g: v128, v: v128): v128 {
  return v128.bitselect(g, f32x4.mul(g, sigmoid4(v)), f32x4.gt(v, f32x4.splat(20)));
}
export function softplus_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, softplusGrad4(v128.load(dy + o), v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, softplusGrad4(g, loadN(x + o, r)), r);
  }
}

@inline function silu4(v: v128): v128 {
  return f32x4.mul(v, sigmoid4(v));
}
export function silu_f32(y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), silu4(v128.load(x + (<usize>i << 2))));
  if (i < n) storeN(y + (<usize>i << 2), silu4(loadN(x + (<usize>i << 2), n - i)), n - i);
}
// silu'(x) = sigmoid(x) + x*sigmoid'(x)
@inline function siluGrad4(g: v128, v: v128): v128 {
  return f32x4.mul(g, f32x4.add(sigmoid4(v), f32x4.mul(v, sigmoidGrad4(v))));
}
export function silu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, siluGrad4(v128.load(dy + o), v128.load(x + o)));
  }
  if (i < n) {
    const o = <usize>i << 2, r = n - i;
    const g = loadN(dy + o, r);
    storeN(dx + o, siluGrad4(g, loadN(x + o, r)), r);
  }
}

// Row-wise softmax: exp(x - logsumexp(x)), in f64.
export function softmax_rows_f32(y: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>cols << 2);
    const yr = y + (<usize>r * <usize>cols << 2);
    const lse = rowLse(xr, cols);
    for (let c = 0; c < cols; c++) st(yr, c, Math.exp(ld(xr, c) - lse));
  }
}
// dx = y * (dy - sum(dy*y))
export function softmax_rows_backward_f32(dx: usize, dy: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += ld(dy + off, c) * ld(y + off, c);
    for (let c = 0; c < cols; c++) st(dx + off, c, ld(y + off, c) * (ld(dy + off, c) - s));
  }
}

// log_softmax(x) = x - max - log(sum(exp(x - max)))
export function log_softmax_rows_f32(y: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>r * <usize>cols << 2);
    const yr = y + (<usize>r * <usize>cols << 2);
    const lse = rowLse(xr, cols);
    for (let c = 0; c < cols; c++) st(yr, c, ld(xr, c) - lse);
  }
}
// dx = dy - exp(y) * sum(dy), y the log-softmax output
export function log_softmax_rows_backward_f32(dx: usize, dy: usize, y: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += ld(dy + off, c);
    for (let c = 0; c < cols; c++) st(dx + off, c, ld(dy + off, c) - Math.exp(ld(y + off, c)) * s);
  }
}
