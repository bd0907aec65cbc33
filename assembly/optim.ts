// Fused optimizer updates over one flat region of n parameters w with gradients g, and
// the optimizer's state slots (each n floats). PyTorch's algorithms (torch.optim, single
// tensor); step-dependent scalars (bias corrections, NAdam's mu products) come from the
// host. Per element in f64, stored in f32. g is not modified. `wd` is coupled weight decay
// (g <- g + wd*w, "L2 in the gradient").
//   sgd:      w <- (1-decay)*w - lr*g                                      (f32x4)
//   momentum: b <- mu*b + (1-damp)*g  (b <- g on the first step); d = nesterov ? g + mu*b : b
//             w <- (1-decay)*w - lr*d
//   adagrad:  s <- s + g^2;  w <- w - lr*g/(sqrt(s)+eps)
//   rmsprop:  v <- a*v + (1-a)*g^2; [c: m <- a*m + (1-a)*g; v' = v - m^2]; r = sqrt(v')+eps;
//             momentum: b <- mu*b + g/r, w <- w - lr*b; else w <- w - lr*g/r
//   adam:     m <- b1*m + (1-b1)*g; v <- b2*v + (1-b2)*g^2; [ams: vm <- max(vm, v)];
//             w <- keep*w - stepSize*m/(sqrt(v)*invSqrtBc2 + eps)   (keep = 1-lr*wd for AdamW)
//             (f32x4, in float32 like PyTorch on float32 parameters; the others per element in f64)
//   adamax:   m <- b1*m + (1-b1)*g; u <- max(b2*u, |g|+eps); w <- w - clr*m/u
//   nadam:    m, v as adam; r = sqrt(v*invBc2)+eps; w <- w - c1*g/r - c2*m/r
//   adadelta: v <- r*v + (1-r)*g^2; d = sqrt(u+eps)/sqrt(v+eps)*g; u <- r*u + (1-r)*d^2; w <- w - lr*d
// Layout: contiguous, any 4-byte alignment; slots do not alias w or g.

import { ld, st } from './scalar';

export function sgd_f32(w: usize, g: usize, n: i32, lr: f32, decay: f32): void {
  const keep: f32 = 1 - decay;
  const kv = f32x4.splat(keep);
  const lv = f32x4.splat(lr);
  let i = 0;
  if (decay == 0) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(lv, v128.load(g + o))));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, f32x4.sub(f32x4.mul(kv, v128.load(w + o)), f32x4.mul(lv, v128.load(g + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, (decay == 0 ? load<f32>(w + o) : keep * load<f32>(w + o)) - lr * load<f32>(g + o));
  }
}

// flags: bit 0 nesterov, bit 1 first step. buf == 0: no momentum (d = g + wd*w).
export function sgd_momentum_f32(w: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64, decay: f64, flags: i32): void {
  const nesterov = (flags & 1) != 0;
  const first = (flags & 2) != 0;
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const b = first || !buf ? gi : momentum * ld(buf, i) + (1 - dampening) * gi;
    if (buf) st(buf, i, b);
    const d = nesterov ? gi + momentum * b : b;
    st(w, i, (1 - decay) * wi - lr * d);
  }
}

export function adagrad_f32(w: usize, g: usize, sum: usize, n: i32, lr: f64, eps: f64, wd: f64): void {
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const s = ld(sum, i) + gi * gi;
    st(sum, i, s);
    st(w, i, wi - (lr * gi) / (Math.sqrt(s) + eps));
  }
}

// gavg == 0: not centered; buf == 0: no momentum.
export function rmsprop_f32(w: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, momentum: f64, wd: f64): void {
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const v = alpha * ld(sq, i) + (1 - alpha) * gi * gi;
    st(sq, i, v);
    let vv = v;
    if (gavg) {
      const m = alpha * ld(gavg, i) + (1 - alpha) * gi;
      st(gavg, i, m);
      vv = v - m * m;
    }
    const r = Math.sqrt(vv) + eps;
    if (buf) {
      const b = momentum * ld(buf, i) + gi / r;
      st(buf, i, b);
      st(w, i, wi - lr * b);
    } else st(w, i, wi - (lr * gi) / r);
  }
}

// vmax == 0: no AMSGrad. keep = 1 - lr*wd for decoupled decay (AdamW), 1 otherwise.
// In f32, four lanes at a time (as PyTorch updates float32 parameters in float32); the scalar
// tail does the same f32 operations in the same order, so a parameter's value does not depend
// on its position in the region.
export function adam_f32(w: usize, g: usize, m: usize, v: usize, vmax: usize, n: i32, stepSize: f64, beta1: f64, beta2: f64, eps: f64, invSqrtBc2: f64, wd: f64, keep: f64): void {
  const b1 = <f32>beta1, ob1 = <f32>(1 - beta1), b2 = <f32>beta2, ob2 = <f32>(1 - beta2);
  const ss = <f32>stepSize, ep = <f32>eps, ib = <f32>invSqrtBc2, wdf = <f32>wd, kp = <f32>keep;
  const b1v = f32x4.splat(b1), ob1v = f32x4.splat(ob1), b2v = f32x4.splat(b2), ob2v = f32x4.splat(ob2);
  const ssv = f32x4.splat(ss), epv = f32x4.splat(ep), ibv = f32x4.splat(ib), wdv = f32x4.splat(wdf), kpv = f32x4.splat(kp);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wi = v128.load(w + o);
    let gi = v128.load(g + o);
    if (wd != 0) gi = f32x4.add(gi, f32x4.mul(wdv, wi));
    const mi = f32x4.add(f32x4.mul(b1v, v128.load(m + o)), f32x4.mul(ob1v, gi));
    let vi = f32x4.add(f32x4.mul(b2v, v128.load(v + o)), f32x4.mul(ob2v, f32x4.mul(gi, gi)));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    if (vmax) {
      vi = f32x4.max(v128.load(vmax + o), vi);
      v128.store(vmax + o, vi);
    }
    const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), ibv), epv);
    const wk = keep == 1 ? wi : f32x4.mul(kpv, wi);
    v128.store(w + o, f32x4.sub(wk, f32x4.div(f32x4.mul(ssv, mi), den)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    let gi = load<f32>(g + o);
    if (wd != 0) gi = gi + wdf * wi;
    const mi = b1 * load<f32>(m + o) + ob1 * gi;
    let vi = b2 * load<f32>(v + o) + ob2 * (gi * gi);
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    if (vmax) {
      vi = max(load<f32>(vmax + o), vi);
      store<f32>(vmax + o, vi);
    }
    const den = Mathf.sqrt(vi) * ib + ep;
    const wk = keep == 1 ? wi : kp * wi;
    store<f32>(w + o, wk - (ss * mi) / den);
  }
}

export function adamax_f32(w: usize, g: usize, m: usize, u: usize, n: i32, clr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64): void {
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const mi = beta1 * ld(m, i) + (1 - beta1) * gi;
    const ui = Math.max(beta2 * ld(u, i), Math.abs(gi) + eps);
    st(m, i, mi);
    st(u, i, ui);
    st(w, i, wi - (clr * mi) / ui);
  }
}

export function nadam_f32(w: usize, g: usize, m: usize, v: usize, n: i32, c1: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, invBc2: f64, wd: f64): void {
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const mi = beta1 * ld(m, i) + (1 - beta1) * gi;
    const vi = beta2 * ld(v, i) + (1 - beta2) * gi * gi;
    st(m, i, mi);
    st(v, i, vi);
    const r = Math.sqrt(vi * invBc2) + eps;
    st(w, i, wi - (c1 * gi) / r - (c2 * mi) / r);
  }
}

export function adadelta_f32(w: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64): void {
  for (let i = 0; i < n; i++) {
    const wi = ld(w, i);
    const gi = ld(g, i) + wd * wi;
    const v = rho * ld(sq, i) + (1 - rho) * gi * gi;
    st(sq, i, v);
    const d = (Math.sqrt(ld(acc, i) + eps) / Math.sqrt(v + eps)) * gi;
    st(acc, i, rho * ld(acc, i) + (1 - rho) * d * d);
    st(w, i, wi - lr * d);
  }
}

// Gradient clipping by value: g <- min(max(g, -c), c).
export function clip_f32(g: usize, n: i32, c: f32): void {
  const hi = f32x4.splat(c);
  const lo = f32x4.splat(-c);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(g + o, f32x4.min(f32x4.max(v128.load(g + o), lo), hi));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(g + o, min(max(load<f32>(g + o), -c), c));
  }
}
