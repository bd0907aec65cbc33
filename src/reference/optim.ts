// Optimizer updates in plain TypeScript, the reference for assembly/optim.ts:
//   sgd: w <- (1-decay)*w - lr*g   (decoupled shrinkage; g is not modified)
// Generic over number arrays, so it runs in Float32Array (rounding each store) or Float64Array.
export type Arr = { [i: number]: number; length: number };

export function sgd(w: Arr, g: Arr, lr: number, decay: number): void {
  const keep = 1 - decay;
  for (let i = 0; i < w.length; i++) w[i] = keep * w[i] - lr * g[i];
}
