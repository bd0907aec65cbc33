// Losses in plain TypeScript: per-element loss and gradient, the reference for
// assembly/losses.ts (same formulas; see there). Also the weight penalties:
// l1 = lambda*sum|w|, l2 = lambda*sum w^2 (Keras), l2Half = lambda/2*sum w^2.
export type Arr = { [i: number]: number; length: number };


/** name -> (pred, target, param) => [loss, dloss/dpred] for one element. */
export const ELEMENT_LOSS: Record<string, (p: number, t: number, param: number) => [number, number]> = {
  mse: (p, t) => [(p - t) ** 2, 2 * (p - t)],
  mae: (p, t) => [Math.abs(p - t), Math.sign(p - t)],
  smooth_l1: (p, t, beta) => {
    const d = p - t;
    return Math.abs(d) < beta ? [(0.5 * d * d) / beta, d / beta] : [Math.abs(d) - 0.5 * beta, Math.sign(d)];
  },
  huber: (p, t, delta) => {
    const d = p - t;
    return Math.abs(d) <= delta ? [0.5 * d * d, d] : [delta * (Math.abs(d) - 0.5 * delta), delta * Math.sign(d)];
  },
  bce: (p, t) => [-(t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log1p(-p), -100)), (p - t) / Math.max(p * (1 - p), 1e-12)],
  // sigmoid(x) - t as (1 - t) - sigmoid(-x) for x >= 0: no cancellation for t = 1 at large x.
  bce_logits: (x, t) => {
    const q = 1 / (1 + Math.exp(Math.abs(x))); // sigmoid(-|x|)
    return [Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x))), x >= 0 ? 1 - t - q : q - t];
  },
};

/** Sum over elements of the loss; grad (if given) = scale * dloss/dpred. */
export function elementLoss(name: string, grad: Arr | null, pred: Arr, target: Arr, scale: number, param = 1): number {
  const f = ELEMENT_LOSS[name];
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const [l, g] = f(pred[i], target[i], param);
    s += l;
    if (grad) grad[i] = scale * g;
  }
  return s;
}

/** Softmax cross-entropy with dense (one-hot or soft) targets: sum over rows. */
export function softmaxCrossEntropy(grad: Arr | null, z: Arr, t: Arr, rows: number, cols: number, scale: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, z[r * cols + c]);
    let e = 0;
    for (let c = 0; c < cols; c++) e += Math.exp(z[r * cols + c] - m);
    const lse = m + Math.log(e);
    let ts = 0;
    for (let c = 0; c < cols; c++) {
      ts += t[r * cols + c];
      if (t[r * cols + c] !== 0) s -= t[r * cols + c] * (z[r * cols + c] - lse); // 0 * -Infinity would be NaN
    }
    if (grad) for (let c = 0; c < cols; c++) grad[r * cols + c] = scale * (Math.exp(z[r * cols + c] - lse) * ts - t[r * cols + c]);
  }
  return s;
}

/** Softmax cross-entropy with integer labels. A label outside [0, cols) adds nothing and gets a zero gradient row. */
export function softmaxCrossEntropyIndex(grad: Arr | null, z: Arr, labels: Arr, rows: number, cols: number, scale: number): number {
  let s = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const label = labels[r];
    const valid = Number.isInteger(label) && label >= 0 && label < cols;
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, z[o + c]);
    let e = 0;
    for (let c = 0; c < cols; c++) e += Math.exp(z[o + c] - m);
    const lse = m + Math.log(e);
    if (valid) s += lse - z[o + label];
    if (grad) for (let c = 0; c < cols; c++) grad[o + c] = valid ? scale * (Math.exp(z[o + c] - lse) - (c === label ? 1 : 0)) : 0;
  }
  return s;
}

export const l1Penalty = (w: Arr, lambda: number): [number, number[]] => [lambda * sum(w, Math.abs), map(w, (v) => lambda * Math.sign(v))];
export const l2Penalty = (w: Arr, lambda: number): [number, number[]] => [lambda * sum(w, (v) => v * v), map(w, (v) => 2 * lambda * v)];
export const l2HalfPenalty = (w: Arr, lambda: number): [number, number[]] => [0.5 * lambda * sum(w, (v) => v * v), map(w, (v) => lambda * v)];

function sum(w: Arr, f: (v: number) => number): number {
  let s = 0;
  for (let i = 0; i < w.length; i++) s += f(w[i]);
  return s;
}
function map(w: Arr, f: (v: number) => number): number[] {
  const out: number[] = [];
  for (let i = 0; i < w.length; i++) out.push(f(w[i]));
  return out;
}
