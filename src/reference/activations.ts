// Activations and their derivatives in plain TypeScript (float64 when given Float64Arrays):
// the reference for assembly/activations.ts. f(x) and f'(x) as there; softmax rows stable.
export type Arr = { [i: number]: number; length: number };

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const sigmoidGrad = (x: number) => {
  const e = Math.exp(-Math.abs(x));
  return e / ((1 + e) * (1 + e));
};

export function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for a reference; use a series/continued fraction in float64.
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let sum = x;
    let term = x;
    for (let n = 1; n < 80; n++) {
      term *= (-x * x) / n;
      sum += term / (2 * n + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

function erfcLarge(x: number): number {
  // Continued fraction (Lentz) for erfc, x >= 2.5.
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (x + f);
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / (x + f);
}

export function erfc(x: number): number {
  return x >= 2.5 ? erfcLarge(x) : 1 - erf(x);
}

const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;

/** name -> [f(x, alpha), f'(x, alpha)] */
export const ELEMENTWISE: Record<string, [(x: number, a: number) => number, (x: number, a: number) => number]> = {
  identity: [(x) => x, () => 1],
  sigmoid: [sigmoid, sigmoidGrad],
  tanh: [Math.tanh, (x) => 1 / Math.cosh(x) ** 2],
  relu: [(x) => (x < 0 ? 0 : x) + 0, (x) => (x <= 0 ? 0 : 1)],
  leaky_relu: [(x, a) => (x > 0 ? x : a * x), (x, a) => (x > 0 ? 1 : a)],
  elu: [(x, a) => (x > 0 ? x : a * Math.expm1(x)), (x, a) => (x > 0 ? 1 : a * Math.exp(x))],
  gelu: [(x) => 0.5 * x * erfc(-x / Math.SQRT2), (x) => 0.5 * erfc(-x / Math.SQRT2) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI)],
  gelu_tanh: [
    (x) => x * sigmoid(2 * K * (x + C * x ** 3)),
    (x) => {
      const u = 2 * K * (x + C * x ** 3);
      return sigmoid(u) + x * sigmoidGrad(u) * 2 * K * (1 + 3 * C * x * x);
    },
  ],
  softplus: [(x) => (x > 20 ? x : Math.log1p(Math.exp(x))), (x) => (x > 20 ? 1 : sigmoid(x))],
  silu: [(x) => x * sigmoid(x), (x) => sigmoid(x) + x * sigmoidGrad(x)],
};

export function softmaxRows(y: Arr, x: Arr, rows: number, cols: number, log = false): void {
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < cols; c++) y[r * cols + c] = log ? x[r * cols + c] - m - Math.log(s) : Math.exp(x[r * cols + c] - m) / s;
  }
}

/** Vector-Jacobian product of softmax (given y = softmax) or log-softmax (given y = log_softmax). */
export function softmaxRowsBackward(dx: Arr, dy: Arr, y: Arr, rows: number, cols: number, log = false): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += log ? dy[r * cols + c] : dy[r * cols + c] * y[r * cols + c];
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      dx[i] = log ? dy[i] - Math.exp(y[i]) * s : y[i] * (dy[i] - s);
    }
  }
}
