// Optimizer updates in plain TypeScript, the reference for assembly/optim.ts:
//   sgd: w <- (1-decay)*w - lr*g   (decoupled shrinkage; g is not modified)
//   adam: see adam() below
// Generic over number arrays, so it runs in Float32Array (rounding each store) or Float64Array.
export type Arr = { [i: number]: number; length: number };

export function sgd(w: Arr, g: Arr, lr: number, decay: number): void {
  const keep = 1 - decay;
  for (let i = 0; i < w.length; i++) w[i] = keep * w[i] - lr * g[i];
}

/** Adam state slots, as the kernel keeps them (vmax only with AMSGrad). */
export interface AdamSlots {
  m: Arr;
  v: Arr;
  vmax?: Arr;
}

/**
 * adam (assembly/optim.ts, PyTorch's algorithm): with coupled weight decay wd (added to the
 * gradient) and keep = 1 - lr*decay for AdamW's decoupled decay; stepSize = lr/(1-beta1^t),
 * invSqrtBc2 = 1/sqrt(1-beta2^t) come from the caller, as for the kernel.
 */
export function adam(w: Arr, g: Arr, s: AdamSlots, stepSize: number, beta1: number, beta2: number, eps: number, invSqrtBc2: number, wd: number, keep: number): void {
  for (let i = 0; i < w.length; i++) {
    const gi = g[i] + wd * w[i];
    s.m[i] = beta1 * s.m[i] + (1 - beta1) * gi;
    s.v[i] = beta2 * s.v[i] + (1 - beta2) * gi * gi;
    let vi = s.v[i];
    if (s.vmax) vi = s.vmax[i] = Math.max(s.vmax[i], vi);
    w[i] = keep * w[i] - (stepSize * s.m[i]) / (Math.sqrt(vi) * invSqrtBc2 + eps);
  }
}
