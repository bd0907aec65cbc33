// Fused loss value + gradient. Each kernel returns the SUM of the per-element (or
// per-row) losses in f64 and, unless grad == 0, writes grad = scale * dloss/dpred.
// The caller passes scale = 1/count for mean reduction. grad may alias pred.
// Formulas (PyTorch): mse (p-t)^2; mae |p-t| with sign(0) = 0; smooth_l1 0.5 d^2/beta
// for |d| < beta else |d| - 0.5 beta; huber 0.5 d^2 for |d| <= delta else delta(|d| - 0.5 delta);
// bce -(t log p + (1-t) log(1-p)) with logs clamped at -100, grad (p-t)/max(p(1-p), 1e-12);
// bce_logits max(x,0) - x t + log1p(exp(-|x|)), grad sigmoid(x) - t (f32x4, see below);
// softmax cross-entropy -sum t*log_softmax(z), grad softmax(z)*sum(t) - t.

import { ld, st, rowLse, padIn, padOut } from './scalar';
import { SCRATCH_BASE, S_LOSS_LANES, LOSS_LANES_BYTES } from './scratch';
import { exp4, log1pPos4 } from './simdmath';

const LANES: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_LOSS_LANES : memory.data(LOSS_LANES_BYTES, 16); // tail slots: x, t, grad
@inline function sign(d: f64): f64 {
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

export function mse_f32(grad: usize, pred: usize, target: usize, n: i32, scale: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(pred, i) - ld(target, i);
    s += d * d;
    if (grad) st(grad, i, scale * 2 * d);
  }
  return s;
}

export function mae_f32(grad: usize, pred: usize, target: usize, n: i32, scale: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(pred, i) - ld(target, i);
    s += Math.abs(d);
    if (grad) st(grad, i, scale * sign(d));
  }
  return s;
}

export function smooth_l1_f32(grad: usize, pred: usize, target: usize, n: i32, scale: f64, beta: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(pred, i) - ld(target, i);
    const a = Math.abs(d);
    if (a < beta) {
      s += (0.5 * d * d) / beta;
      if (grad) st(grad, i, (scale * d) / beta);
    } else {
      s += a - 0.5 * beta;
      if (grad) st(grad, i, scale * sign(d));
    }
  }
  return s;
}

export function huber_f32(grad: usize, pred: usize, target: usize, n: i32, scale: f64, delta: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const d = ld(pred, i) - ld(target, i);
    const a = Math.abs(d);
    if (a <= delta) {
      s += 0.5 * d * d;
      if (grad) st(grad, i, scale * d);
    } else {
      s += delta * (a - 0.5 * delta);
      if (grad) st(grad, i, scale * delta * sign(d));
    }
  }
  return s;
}

export function bce_f32(grad: usize, prob: usize, target: usize, n: i32, scale: f64): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const p = ld(prob, i);
    const t = ld(target, i);
    const lp = Math.max(Math.log(p), -100);
    const lq = Math.max(Math.log1p(-p), -100);
    s -= t * lp + (1 - t) * lq;
    if (grad) st(grad, i, (scale * (p - t)) / Math.max(p * (1 - p), 1e-12));
  }
  return s;
}

// Four lanes at a time in float32 (SIMD exp and log1p, assembly/simdmath.ts); the sum accumulates in
// f64. The gradient is formed without cancellation for hard labels: with q = sigmoid(-|x|),
// sigmoid(x) - t = (1 - t) - q for x >= 0 and q - t below.
@inline function bceLogits4(gp: usize, x: v128, t: v128, sc: v128): v128 {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  if (gp) {
    const q = f32x4.div(e, f32x4.add(one, e));
    const g = v128.bitselect(f32x4.sub(f32x4.sub(one, t), q), f32x4.sub(q, t), f32x4.ge(x, zero));
    v128.store(gp, f32x4.mul(sc, g));
  }
  // max(x, 0) as pmax, one instruction: a NaN x still gives NaN through x*t.
  return f32x4.add(f32x4.sub(f32x4.pmax(x, zero), f32x4.mul(x, t)), log1pPos4(e));
}

export function bce_logits_f32(grad: usize, logits: usize, target: usize, n: i32, scale: f64): f64 {
  const sc = f32x4.splat(<f32>scale);
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const l = bceLogits4(grad ? grad + o : 0, v128.load(logits + o), v128.load(target + o), sc);
    acc = f64x2.add(acc, f64x2.add(f64x2.promote_low_f32x4(l), f64x2.promote_low_f32x4(v128.shuffle<f32>(l, l, 2, 3, 0, 1))));
  }
  let s = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  const r = n - i;
  if (r) {
    // The last n%4 through the same code on zero-padded copies; only r lanes count.
    const o = <usize>i << 2;
    const x = v128.load(padIn(LANES, logits + o, r));
    const t = v128.load(padIn(LANES + 16, target + o, r));
    const l = bceLogits4(grad ? LANES + 32 : 0, x, t, sc);
    if (grad) padOut(grad + o, LANES + 32, r);
    v128.store(LANES, l);
    for (let j = 0; j < r; j++) s += <f64>load<f32>(LANES + (<usize>j << 2));
  }
  return s;
}

// Labels outside [0, cols) contribute nothing and get a zero gradient row (the host validates them first).
export function softmax_ce_index_f32(grad: usize, logits: usize, labels: usize, rows: i32, cols: i32, scale: f64): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const row = logits + (<usize>r * <usize>cols << 2);
    const g = grad + (<usize>r * <usize>cols << 2);
    const label = load<i32>(labels + (<usize>r << 2));
    const valid = label >= 0 && label < cols;
    const lse = rowLse(row, cols);
    if (valid) s += lse - ld(row, label);
    if (grad) {
      for (let c = 0; c < cols; c++) st(g, c, valid ? scale * (Math.exp(ld(row, c) - lse) - (c == label ? 1 : 0)) : 0);
    }
  }
  return s;
}

export function softmax_ce_dense_f32(grad: usize, logits: usize, targets: usize, rows: i32, cols: i32, scale: f64): f64 {
  let s: f64 = 0;
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    const row = logits + off;
    const lse = rowLse(row, cols);
    let tsum: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const t = ld(targets + off, c);
      tsum += t;
      if (t != 0) s -= t * (ld(row, c) - lse);
    }
    if (grad) {
      for (let c = 0; c < cols; c++) st(grad + off, c, scale * (Math.exp(ld(row, c) - lse) * tsum - ld(targets + off, c)));
    }
  }
  return s;
}
