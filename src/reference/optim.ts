// Optimizer updates in plain TypeScript, the reference for assembly/optim.ts (formulas there).
//   sgd: w <- (1-decay)*w - lr*g   (decoupled shrinkage; g is not modified)
// Generic over number arrays, so it runs in Float32Array (rounding each store) or Float64Array.
// The others take a rounding function `r`, applied after every operation in the kernel's order:
// the identity gives the exact (float64) update, Math.fround the kernel's float32 arithmetic
// bit for bit. Hyper-parameters are rounded once, as the kernel converts them.
export type Arr = { [i: number]: number; length: number };

export function sgd(w: Arr, g: Arr, lr: number, decay: number): void {
  const keep = 1 - decay;
  for (let i = 0; i < w.length; i++) w[i] = keep * w[i] - lr * g[i];
}


type Round = (x: number) => number;
const exact: Round = (x) => x;

/** The kernels' coupled decay: g + wd*w, or g when wd is 0. */
function withDecay(r: Round, g: number, w: number, wd: number): number {
  return wd !== 0 ? r(g + r(r(wd) * w)) : g;
}

/** sgd_momentum_f32; buf null: no momentum. */
export function sgdMomentum(w: Arr, g: Arr, buf: Arr | null, lr: number, momentum: number, dampening: number, wd: number, decay: number, nesterov: boolean, first: boolean, r: Round = exact): void {
  const [lrr, mu, od, keep] = [r(lr), r(momentum), r(1 - dampening), r(1 - decay)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    let b = gi;
    if (buf) {
      if (!first) b = r(r(mu * buf[i]) + r(od * gi));
      buf[i] = b;
    }
    const d = nesterov && buf ? r(gi + r(mu * b)) : b;
    w[i] = r(r(keep * w[i]) - r(lrr * d));
  }
}

export function adagrad(w: Arr, g: Arr, sum: Arr, lr: number, eps: number, wd: number, r: Round = exact): void {
  const [lrr, e] = [r(lr), r(eps)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    const s = (sum[i] = r(sum[i] + r(gi * gi)));
    w[i] = r(w[i] - r(lrr * r(gi / r(r(Math.sqrt(s)) + e))));
  }
}

/** rmsprop_f32; gavg null: not centered, buf null: no momentum. */
export function rmsprop(w: Arr, g: Arr, sq: Arr, gavg: Arr | null, buf: Arr | null, lr: number, alpha: number, eps: number, momentum: number, wd: number, r: Round = exact): void {
  const [lrr, a, oa, e, mu] = [r(lr), r(alpha), r(1 - alpha), r(eps), r(momentum)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    const v = (sq[i] = r(r(a * sq[i]) + r(oa * r(gi * gi))));
    let vv = v;
    if (gavg) {
      const m = (gavg[i] = r(r(a * gavg[i]) + r(oa * gi)));
      vv = r(v - r(m * m));
    }
    const den = r(r(Math.sqrt(vv)) + e);
    if (buf) {
      buf[i] = r(r(mu * buf[i]) + r(gi / den));
      w[i] = r(w[i] - r(lrr * buf[i]));
    } else w[i] = r(w[i] - r(lrr * r(gi / den)));
  }
}

/** Adam state slots, as the kernel keeps them (vmax only with AMSGrad). */
export interface AdamSlots {
  m: Arr;
  v: Arr;
  vmax?: Arr;
  /** The kernel's mask: where it is 0, neither wd nor keep applies (a parameter left out of decay). */
  mask?: ArrayLike<number>;
}

/**
 * adam_f32 (PyTorch's algorithm): with coupled weight decay wd (added to the gradient) and
 * keep = 1 - lr*decay for AdamW's decoupled decay; stepSize = lr/(1-beta1^t) and
 * invSqrtBc2 = 1/sqrt(1-beta2^t) come from the caller, as for the kernel.
 */
export function adam(w: Arr, g: Arr, s: AdamSlots, stepSize: number, beta1: number, beta2: number, eps: number, invSqrtBc2: number, wd: number, keep: number, r: Round = exact): void {
  const [ss, b1, ob1, b2, ob2, e, ib, kp] = [r(stepSize), r(beta1), r(1 - beta1), r(beta2), r(1 - beta2), r(eps), r(invSqrtBc2), r(keep)];
  for (let i = 0; i < w.length; i++) {
    const on = !s.mask || s.mask[i] !== 0;
    const gi = on ? withDecay(r, g[i], w[i], wd) : g[i];
    const m = (s.m[i] = r(r(b1 * s.m[i]) + r(ob1 * gi)));
    let v = (s.v[i] = r(r(b2 * s.v[i]) + r(ob2 * r(gi * gi))));
    if (s.vmax) v = s.vmax[i] = Math.max(s.vmax[i], v);
    const den = r(r(r(Math.sqrt(v)) * ib) + e);
    w[i] = r((keep !== 1 && on ? r(kp * w[i]) : w[i]) - r(ss * r(m / den)));
  }
}

export function adamax(w: Arr, g: Arr, m: Arr, u: Arr, clr: number, beta1: number, beta2: number, eps: number, wd: number, r: Round = exact): void {
  const [c, b1, ob1, b2, e] = [r(clr), r(beta1), r(1 - beta1), r(beta2), r(eps)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    m[i] = r(r(b1 * m[i]) + r(ob1 * gi));
    u[i] = Math.max(r(b2 * u[i]), r(Math.abs(gi) + e));
    w[i] = r(w[i] - r(c * r(m[i] / u[i])));
  }
}

export function nadam(w: Arr, g: Arr, m: Arr, v: Arr, c1: number, c2: number, beta1: number, beta2: number, eps: number, invBc2: number, wd: number, r: Round = exact): void {
  const [k1, k2, b1, ob1, b2, ob2, e, ib] = [r(c1), r(c2), r(beta1), r(1 - beta1), r(beta2), r(1 - beta2), r(eps), r(invBc2)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    m[i] = r(r(b1 * m[i]) + r(ob1 * gi));
    v[i] = r(r(b2 * v[i]) + r(ob2 * r(gi * gi)));
    const den = r(r(Math.sqrt(r(v[i] * ib))) + e);
    const w1 = r(w[i] - r(k1 * r(gi / den)));
    w[i] = r(w1 - r(k2 * r(m[i] / den)));
  }
}

export function adadelta(w: Arr, g: Arr, sq: Arr, acc: Arr, lr: number, rho: number, eps: number, wd: number, r: Round = exact): void {
  const [lrr, rh, orh, e] = [r(lr), r(rho), r(1 - rho), r(eps)];
  for (let i = 0; i < w.length; i++) {
    const gi = withDecay(r, g[i], w[i], wd);
    const v = (sq[i] = r(r(rh * sq[i]) + r(orh * r(gi * gi))));
    const u = acc[i];
    const d = r(r(r(Math.sqrt(r(u + e))) / r(Math.sqrt(r(v + e)))) * gi);
    acc[i] = r(r(rh * u) + r(orh * r(d * d)));
    w[i] = r(w[i] - r(lrr * d));
  }
}
