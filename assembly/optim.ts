// Fused optimizer updates over one flat region of n parameters w with gradients g, and
// the optimizer's state slots (each n floats). PyTorch's algorithms (torch.optim, single
// tensor) in float32, four lanes at a time; step-dependent scalars (bias corrections, NAdam's
// mu products) come from the host. g is not modified. `wd` is coupled weight decay
// (g <- g + wd*w, "L2 in the gradient").
//   sgd:      w <- (1-decay)*w - lr*g
//   momentum: b <- mu*b + (1-damp)*g  (b <- g on the first step); d = nesterov ? g + mu*b : b
//             w <- (1-decay)*w - lr*d
//   adagrad:  s <- s + g^2;  w <- w - lr*(g/(sqrt(s)+eps))
//   rmsprop:  v <- a*v + (1-a)*g^2; [c: m <- a*m + (1-a)*g; v' = v - m^2]; r = sqrt(v')+eps;
//             momentum: b <- mu*b + g/r, w <- w - lr*b; else w <- w - lr*(g/r)
//   adam:     m <- b1*m + (1-b1)*g; v <- b2*v + (1-b2)*g^2; [ams: vm <- max(vm, v)];
//             w <- keep*w - stepSize*(m/(sqrt(v)*invSqrtBc2 + eps))   (keep = 1-lr*wd for AdamW)
//             mask != 0: an int32 per element, and wd and keep apply only where it is not 0;
//             the scalars in memory (hyper), see adam_f32
//   adamax:   m <- b1*m + (1-b1)*g; u <- max(b2*u, |g|+eps); w <- w - clr*(m/u)
//   nadam:    m, v as adam; r = sqrt(v*invBc2)+eps; w <- w - c1*(g/r) - c2*(m/r)
//   adadelta: v <- r*v + (1-r)*g^2; d = sqrt(u+eps)/sqrt(v+eps)*g; u <- r*u + (1-r)*d^2; w <- w - lr*d
// Layout: contiguous, any 4-byte alignment; slots do not alias w or g.
import { padIn, padOut } from './scalar';
import { SCRATCH_BASE, S_OPTIM_TAIL, OPTIM_TAIL_BYTES } from './scratch';

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

// Every update below is one formula over four lanes (f32x4), in float32 as PyTorch updates
// float32 parameters. The last n%4 elements go through the same formula on a zero-padded copy
// (TAIL), so there is no second, scalar version to drift, and a parameter's update does not
// depend on its position in the region.
const TAIL: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_OPTIM_TAIL : memory.data(OPTIM_TAIL_BYTES, 16);
const T0 = TAIL, T1 = TAIL + 16, T2 = TAIL + 32, T3 = TAIL + 48, T4 = TAIL + 64, T5 = TAIL + 80;

@inline function at(p: usize, o: usize): usize {
  return p ? p + o : 0;
}

// g + wd*w (coupled weight decay, "L2 in the gradient"), or g.
@inline function decayed(g: v128, w: v128, wd: v128, on: bool): v128 {
  return on ? f32x4.add(g, f32x4.mul(wd, w)) : g;
}

// flags: bit 0 nesterov, bit 1 first step. buf == 0: no momentum (d = g + wd*w).
@inline function momentumBody(w: usize, g: usize, buf: usize, lr: v128, mu: v128, odamp: v128, wd: v128, hasWd: bool, keep: v128, nesterov: bool, first: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  let b = gi;
  if (buf) {
    if (!first) b = f32x4.add(f32x4.mul(mu, v128.load(buf)), f32x4.mul(odamp, gi));
    v128.store(buf, b);
  }
  const d = nesterov && buf ? f32x4.add(gi, f32x4.mul(mu, b)) : b;
  v128.store(w, f32x4.sub(f32x4.mul(keep, wi), f32x4.mul(lr, d)));
}

export function sgd_momentum_f32(w: usize, g: usize, buf: usize, n: i32, lr: f64, momentum: f64, dampening: f64, wd: f64, decay: f64, flags: i32): void {
  const nesterov = (flags & 1) != 0;
  const first = (flags & 2) != 0;
  const lrv = f32x4.splat(<f32>lr), mu = f32x4.splat(<f32>momentum), od = f32x4.splat(<f32>(1 - dampening));
  const wdv = f32x4.splat(<f32>wd), keep = f32x4.splat(<f32>(1 - decay));
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    momentumBody(w + o, g + o, at(buf, o), lrv, mu, od, wdv, hasWd, keep, nesterov, first);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    const tb = padIn(T2, at(buf, o), r);
    momentumBody(padIn(T0, w + o, r), padIn(T1, g + o, r), tb, lrv, mu, od, wdv, hasWd, keep, nesterov, first);
    padOut(w + o, T0, r);
    padOut(at(buf, o), T2, r);
  }
}

// PyTorch: sum += g^2; w += -lr * g / (sqrt(sum) + eps)
@inline function adagradBody(w: usize, g: usize, sum: usize, lr: v128, eps: v128, wd: v128, hasWd: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  const s = f32x4.add(v128.load(sum), f32x4.mul(gi, gi));
  v128.store(sum, s);
  v128.store(w, f32x4.sub(wi, f32x4.mul(lr, f32x4.div(gi, f32x4.add(f32x4.sqrt(s), eps)))));
}

export function adagrad_f32(w: usize, g: usize, sum: usize, n: i32, lr: f64, eps: f64, wd: f64): void {
  const lrv = f32x4.splat(<f32>lr), ev = f32x4.splat(<f32>eps), wdv = f32x4.splat(<f32>wd);
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adagradBody(w + o, g + o, sum + o, lrv, ev, wdv, hasWd);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    adagradBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, sum + o, r), lrv, ev, wdv, hasWd);
    padOut(w + o, T0, r);
    padOut(sum + o, T2, r);
  }
}

// gavg == 0: not centered; buf == 0: no momentum.
@inline function rmspropBody(w: usize, g: usize, sq: usize, gavg: usize, buf: usize, lr: v128, a: v128, oa: v128, eps: v128, mu: v128, wd: v128, hasWd: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  const v = f32x4.add(f32x4.mul(a, v128.load(sq)), f32x4.mul(oa, f32x4.mul(gi, gi)));
  v128.store(sq, v);
  let vv = v;
  if (gavg) {
    const m = f32x4.add(f32x4.mul(a, v128.load(gavg)), f32x4.mul(oa, gi));
    v128.store(gavg, m);
    vv = f32x4.sub(v, f32x4.mul(m, m));
  }
  const den = f32x4.add(f32x4.sqrt(vv), eps);
  if (buf) {
    const b = f32x4.add(f32x4.mul(mu, v128.load(buf)), f32x4.div(gi, den));
    v128.store(buf, b);
    v128.store(w, f32x4.sub(wi, f32x4.mul(lr, b)));
  } else v128.store(w, f32x4.sub(wi, f32x4.mul(lr, f32x4.div(gi, den))));
}

export function rmsprop_f32(w: usize, g: usize, sq: usize, gavg: usize, buf: usize, n: i32, lr: f64, alpha: f64, eps: f64, momentum: f64, wd: f64): void {
  const lrv = f32x4.splat(<f32>lr), av = f32x4.splat(<f32>alpha), oav = f32x4.splat(<f32>(1 - alpha));
  const ev = f32x4.splat(<f32>eps), mu = f32x4.splat(<f32>momentum), wdv = f32x4.splat(<f32>wd);
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    rmspropBody(w + o, g + o, sq + o, at(gavg, o), at(buf, o), lrv, av, oav, ev, mu, wdv, hasWd);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    const tm = padIn(T3, at(gavg, o), r), tb = padIn(T4, at(buf, o), r);
    rmspropBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, sq + o, r), tm, tb, lrv, av, oav, ev, mu, wdv, hasWd);
    padOut(w + o, T0, r);
    padOut(sq + o, T2, r);
    padOut(at(gavg, o), T3, r);
    padOut(at(buf, o), T4, r);
  }
}

// vmax == 0: no AMSGrad. keep = 1 - lr*wd for decoupled decay (AdamW), 1 otherwise.
// mask == 0: every element decays; else an int32 per element, 0 where neither wd nor keep applies
// (a parameter left out of weight decay). The lanes choose between the two results bit for bit,
// so a masked-out element gets exactly what a call with wd = 0, keep = 1 gives it.
// PyTorch: w += -stepSize * m / (sqrt(v)/sqrt(bc2) + eps), here with the inverse passed in.
@inline function adamBody(w: usize, g: usize, m: usize, v: usize, vmax: usize, mask: usize, ss: v128, b1: v128, ob1: v128, b2: v128, ob2: v128, eps: v128, ib: v128, wd: v128, hasWd: bool, keep: v128, hasKeep: bool): void {
  const wi = v128.load(w);
  const g0 = v128.load(g);
  const on = mask != 0 ? i32x4.ne(v128.load(mask), i32x4.splat(0)) : i32x4.splat(-1);
  const gi = mask != 0 && hasWd ? v128.bitselect(decayed(g0, wi, wd, true), g0, on) : decayed(g0, wi, wd, hasWd);
  const mi = f32x4.add(f32x4.mul(b1, v128.load(m)), f32x4.mul(ob1, gi));
  let vi = f32x4.add(f32x4.mul(b2, v128.load(v)), f32x4.mul(ob2, f32x4.mul(gi, gi)));
  v128.store(m, mi);
  v128.store(v, vi);
  if (vmax) {
    vi = f32x4.max(v128.load(vmax), vi);
    v128.store(vmax, vi);
  }
  const den = f32x4.add(f32x4.mul(f32x4.sqrt(vi), ib), eps);
  const wk = hasKeep ? (mask != 0 ? v128.bitselect(f32x4.mul(keep, wi), wi, on) : f32x4.mul(keep, wi)) : wi;
  v128.store(w, f32x4.sub(wk, f32x4.mul(ss, f32x4.div(mi, den))));
}

// The scalars are 7 f64 at `hyper` (8-byte aligned): stepSize, beta1, beta2, eps, invSqrtBc2, wd,
// keep. Not arguments: a JS call site shared by kernels of one arity (the thread dispatcher's) boxes
// every double it passes, garbage each step; pointers and counts are small integers and are not.
export function adam_f32(w: usize, g: usize, m: usize, v: usize, vmax: usize, mask: usize, n: i32, hyper: usize): void {
  const stepSize = load<f64>(hyper), beta1 = load<f64>(hyper, 8), beta2 = load<f64>(hyper, 16), eps = load<f64>(hyper, 24);
  const invSqrtBc2 = load<f64>(hyper, 32), wd = load<f64>(hyper, 40), keep = load<f64>(hyper, 48);
  const ss = f32x4.splat(<f32>stepSize), b1 = f32x4.splat(<f32>beta1), ob1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), ob2 = f32x4.splat(<f32>(1 - beta2)), ev = f32x4.splat(<f32>eps);
  const ib = f32x4.splat(<f32>invSqrtBc2), wdv = f32x4.splat(<f32>wd), kp = f32x4.splat(<f32>keep);
  const hasWd = wd != 0, hasKeep = keep != 1;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adamBody(w + o, g + o, m + o, v + o, at(vmax, o), at(mask, o), ss, b1, ob1, b2, ob2, ev, ib, wdv, hasWd, kp, hasKeep);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    const tv = padIn(T4, at(vmax, o), r);
    adamBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, m + o, r), padIn(T3, v + o, r), tv, padIn(T5, at(mask, o), r), ss, b1, ob1, b2, ob2, ev, ib, wdv, hasWd, kp, hasKeep);
    padOut(w + o, T0, r);
    padOut(m + o, T2, r);
    padOut(v + o, T3, r);
    padOut(at(vmax, o), T4, r);
  }
}

// PyTorch: u = max(b2*u, |g| + eps); w += -clr * m / u
@inline function adamaxBody(w: usize, g: usize, m: usize, u: usize, clr: v128, b1: v128, ob1: v128, b2: v128, eps: v128, wd: v128, hasWd: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  const mi = f32x4.add(f32x4.mul(b1, v128.load(m)), f32x4.mul(ob1, gi));
  const ui = f32x4.max(f32x4.mul(b2, v128.load(u)), f32x4.add(f32x4.abs(gi), eps));
  v128.store(m, mi);
  v128.store(u, ui);
  v128.store(w, f32x4.sub(wi, f32x4.mul(clr, f32x4.div(mi, ui))));
}

export function adamax_f32(w: usize, g: usize, m: usize, u: usize, n: i32, clr: f64, beta1: f64, beta2: f64, eps: f64, wd: f64): void {
  const cv = f32x4.splat(<f32>clr), b1 = f32x4.splat(<f32>beta1), ob1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), ev = f32x4.splat(<f32>eps), wdv = f32x4.splat(<f32>wd);
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adamaxBody(w + o, g + o, m + o, u + o, cv, b1, ob1, b2, ev, wdv, hasWd);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    adamaxBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, m + o, r), padIn(T3, u + o, r), cv, b1, ob1, b2, ev, wdv, hasWd);
    padOut(w + o, T0, r);
    padOut(m + o, T2, r);
    padOut(u + o, T3, r);
  }
}

// PyTorch: den = sqrt(v/bc2) + eps; w += -c1 * g / den; w += -c2 * m / den
@inline function nadamBody(w: usize, g: usize, m: usize, v: usize, c1: v128, c2: v128, b1: v128, ob1: v128, b2: v128, ob2: v128, eps: v128, ib: v128, wd: v128, hasWd: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  const mi = f32x4.add(f32x4.mul(b1, v128.load(m)), f32x4.mul(ob1, gi));
  const vi = f32x4.add(f32x4.mul(b2, v128.load(v)), f32x4.mul(ob2, f32x4.mul(gi, gi)));
  v128.store(m, mi);
  v128.store(v, vi);
  const den = f32x4.add(f32x4.sqrt(f32x4.mul(vi, ib)), eps);
  const w1 = f32x4.sub(wi, f32x4.mul(c1, f32x4.div(gi, den)));
  v128.store(w, f32x4.sub(w1, f32x4.mul(c2, f32x4.div(mi, den))));
}

export function nadam_f32(w: usize, g: usize, m: usize, v: usize, n: i32, c1: f64, c2: f64, beta1: f64, beta2: f64, eps: f64, invBc2: f64, wd: f64): void {
  const c1v = f32x4.splat(<f32>c1), c2v = f32x4.splat(<f32>c2), b1 = f32x4.splat(<f32>beta1), ob1 = f32x4.splat(<f32>(1 - beta1));
  const b2 = f32x4.splat(<f32>beta2), ob2 = f32x4.splat(<f32>(1 - beta2)), ev = f32x4.splat(<f32>eps);
  const ib = f32x4.splat(<f32>invBc2), wdv = f32x4.splat(<f32>wd);
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    nadamBody(w + o, g + o, m + o, v + o, c1v, c2v, b1, ob1, b2, ob2, ev, ib, wdv, hasWd);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    nadamBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, m + o, r), padIn(T3, v + o, r), c1v, c2v, b1, ob1, b2, ob2, ev, ib, wdv, hasWd);
    padOut(w + o, T0, r);
    padOut(m + o, T2, r);
    padOut(v + o, T3, r);
  }
}

// PyTorch: v = rho*v + (1-rho)*g^2; d = sqrt(u+eps)/sqrt(v+eps)*g; u = rho*u + (1-rho)*d^2; w += -lr*d
@inline function adadeltaBody(w: usize, g: usize, sq: usize, acc: usize, lr: v128, rho: v128, orho: v128, eps: v128, wd: v128, hasWd: bool): void {
  const wi = v128.load(w);
  const gi = decayed(v128.load(g), wi, wd, hasWd);
  const v = f32x4.add(f32x4.mul(rho, v128.load(sq)), f32x4.mul(orho, f32x4.mul(gi, gi)));
  v128.store(sq, v);
  const u = v128.load(acc);
  const d = f32x4.mul(f32x4.div(f32x4.sqrt(f32x4.add(u, eps)), f32x4.sqrt(f32x4.add(v, eps))), gi);
  v128.store(acc, f32x4.add(f32x4.mul(rho, u), f32x4.mul(orho, f32x4.mul(d, d))));
  v128.store(w, f32x4.sub(wi, f32x4.mul(lr, d)));
}

export function adadelta_f32(w: usize, g: usize, sq: usize, acc: usize, n: i32, lr: f64, rho: f64, eps: f64, wd: f64): void {
  const lrv = f32x4.splat(<f32>lr), rv = f32x4.splat(<f32>rho), orv = f32x4.splat(<f32>(1 - rho));
  const ev = f32x4.splat(<f32>eps), wdv = f32x4.splat(<f32>wd);
  const hasWd = wd != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    adadeltaBody(w + o, g + o, sq + o, acc + o, lrv, rv, orv, ev, wdv, hasWd);
  }
  const r = n - i;
  if (r) {
    const o = <usize>i << 2;
    adadeltaBody(padIn(T0, w + o, r), padIn(T1, g + o, r), padIn(T2, sq + o, r), padIn(T3, acc + o, r), lrv, rv, orv, ev, wdv, hasWd);
    padOut(w + o, T0, r);
    padOut(sq + o, T2, r);
    padOut(acc + o, T3, r);
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
