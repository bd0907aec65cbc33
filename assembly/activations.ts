// Activations y = f(x) and their backward passes dx = dy * f'(x), elementwise over n
// floats, plus row-wise softmax / log-softmax over [rows, cols].
// Layout: contiguous, any 4-byte alignment. y may alias x; dx may alias dy.
// Transcendental functions are evaluated in f64 and rounded once, so extreme inputs
// (sigmoid(-100), softplus(100), gelu(-10)) keep float32 relative accuracy.
// relu and leaky relu are f32x4 SIMD with a scalar tail; the rest are scalar for now.
// Conventions (PyTorch): relu'(0) = 0; leaky_relu'(0) = alpha; elu'(x<=0) = y + alpha;
// softplus(x) = x above 20; gelu exact uses erf, gelu_tanh is approximate='tanh'.

import { ld, st, sigmoid, rowLse } from './scalar';

// sigma'(x) = e^-|x| / (1 + e^-|x|)^2, from x: no cancellation where sigma(x) rounds to 1.
@inline function sigmoidGrad(x: f64): f64 {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
}

// erfc with relative error < 1.2e-7 everywhere (Chebyshev fit, Numerical Recipes "erfcc").
@inline function erfc(x: f64): f64 {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z - 1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
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
  for (let i = 0; i < n; i++) st(y, i, sigmoid(ld(x, i)));
}
export function sigmoid_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(dx, i, ld(dy, i) * sigmoidGrad(ld(x, i)));
}

export function tanh_f32(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) st(y, i, Math.tanh(ld(x, i)));
}
export function tanh_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    // 1/cosh^2(x) = 4/(e^x + e^-x)^2, not 1 - y^2, which cancels to 0 for |x| >~ 9 in float32.
    const v = ld(x, i);
    const e = Math.exp(-Math.abs(v));
    const c = 1 + e * e;
    st(dx, i, (ld(dy, i) * 4 * e * e) / (c * c));
  }
}

export function relu_f32(y: usize, x: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), v > 0 ? v : 0);
  }
}
export function relu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(x + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(x + o) > 0 ? load<f32>(dy + o) : 0);
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

export function elu_f32(y: usize, x: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v > 0 ? v : <f64>alpha * Math.expm1(v));
  }
}
export function elu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    // f'(x) = alpha*exp(x) for x <= 0, computed from x (not y + alpha, which loses digits near -alpha).
    st(dx, i, v > 0 ? ld(dy, i) : ld(dy, i) * <f64>alpha * Math.exp(v));
  }
}

export function gelu_f32(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, 0.5 * v * erfc(-v * SQRT1_2));
  }
}
export function gelu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(dx, i, ld(dy, i) * (0.5 * erfc(-v * SQRT1_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v)));
  }
}

// 1 + tanh(u) = 2*sigmoid(2u): no cancellation for very negative u.
export function gelu_tanh_f32(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v * sigmoid(2 * GELU_K * (v + GELU_C * v * v * v)));
  }
}
export function gelu_tanh_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    const u2 = 2 * GELU_K * (v + GELU_C * v * v * v);
    const du = 2 * GELU_K * (1 + 3 * GELU_C * v * v);
    st(dx, i, ld(dy, i) * (sigmoid(u2) + v * sigmoidGrad(u2) * du));
  }
}

export function softplus_f32(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v > 20 ? v : Math.log1p(Math.exp(v)));
  }
}
export function softplus_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(dx, i, v > 20 ? ld(dy, i) : ld(dy, i) * sigmoid(v));
  }
}

export function silu_f32(y: usize, x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(y, i, v * sigmoid(v));
  }
}
export function silu_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = ld(x, i);
    st(dx, i, ld(dy, i) * (sigmoid(v) + v * sigmoidGrad(v)));
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
