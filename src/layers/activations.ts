// Activation functions by name, each a forward and a backward wasm kernel.
// Backward takes both the pre-activation x and the output y (dx = dy * f'(x)).
import type { Kernels } from '../wasm/exports.js';

export type ActivationName =
  | 'linear' | 'identity' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'elu'
  | 'gelu' | 'geluTanh' | 'softplus' | 'silu' | 'softmax';

export type ActivationSpec = ActivationName | { name: 'leakyRelu' | 'elu'; alpha?: number };

export interface Activation {
  readonly name: ActivationName;
  readonly alpha: number;
  /** False for identity: the layer then keeps no separate pre-activation buffer. */
  readonly isIdentity: boolean;
  forward(k: Kernels, y: number, x: number, rows: number, cols: number): void;
  backward(k: Kernels, dx: number, dy: number, x: number, y: number, rows: number, cols: number): void;
}

type Pair = [
  (k: Kernels, y: number, x: number, n: number, a: number) => void,
  (k: Kernels, dx: number, dy: number, x: number, y: number, n: number, a: number) => void,
];

const ELEMENTWISE: Record<string, Pair> = {
  sigmoid: [(k, y, x, n) => k.sigmoid_f32(y, x, n), (k, dx, dy, x, y, n) => k.sigmoid_backward_f32(dx, dy, x, y, n)],
  tanh: [(k, y, x, n) => k.tanh_f32(y, x, n), (k, dx, dy, x, y, n) => k.tanh_backward_f32(dx, dy, x, y, n)],
  relu: [(k, y, x, n) => k.relu_f32(y, x, n), (k, dx, dy, x, y, n) => k.relu_backward_f32(dx, dy, x, y, n)],
  leakyRelu: [(k, y, x, n, a) => k.leaky_relu_f32(y, x, n, a), (k, dx, dy, x, y, n, a) => k.leaky_relu_backward_f32(dx, dy, x, y, n, a)],
  elu: [(k, y, x, n, a) => k.elu_f32(y, x, n, a), (k, dx, dy, x, y, n, a) => k.elu_backward_f32(dx, dy, x, y, n, a)],
  gelu: [(k, y, x, n) => k.gelu_f32(y, x, n), (k, dx, dy, x, y, n) => k.gelu_backward_f32(dx, dy, x, y, n)],
  geluTanh: [(k, y, x, n) => k.gelu_tanh_f32(y, x, n), (k, dx, dy, x, y, n) => k.gelu_tanh_backward_f32(dx, dy, x, y, n)],
  softplus: [(k, y, x, n) => k.softplus_f32(y, x, n), (k, dx, dy, x, y, n) => k.softplus_backward_f32(dx, dy, x, y, n)],
  silu: [(k, y, x, n) => k.silu_f32(y, x, n), (k, dx, dy, x, y, n) => k.silu_backward_f32(dx, dy, x, y, n)],
};

const DEFAULT_ALPHA: Record<string, number> = { leakyRelu: 0.01, elu: 1 };
export const ACTIVATION_NAMES = ['linear', 'identity', 'softmax', ...Object.keys(ELEMENTWISE)];

export function resolveActivation(spec: ActivationSpec | undefined): Activation {
  const name = (typeof spec === 'object' && spec !== null ? spec.name : spec ?? 'linear') as ActivationName;
  const alphaIn = typeof spec === 'object' && spec !== null ? spec.alpha : undefined;
  const alpha = alphaIn ?? DEFAULT_ALPHA[name] ?? 0;
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw new RangeError(`wasmnn: activation ${name}: alpha must be finite, got ${alpha}`);
  if (name === 'linear' || name === 'identity') {
    return {
      name, alpha, isIdentity: true,
      forward: (k, y, x, r, c) => { if (y !== x) k.identity_f32(y, x, r * c); },
      backward: (k, dx, dy, x, y, r, c) => { if (dx !== dy) k.identity_backward_f32(dx, dy, x, y, r * c); },
    };
  }
  if (name === 'softmax') {
    return {
      name, alpha, isIdentity: false,
      forward: (k, y, x, r, c) => k.softmax_rows_f32(y, x, r, c),
      backward: (k, dx, dy, _x, y, r, c) => k.softmax_rows_backward_f32(dx, dy, y, r, c),
    };
  }
  const pair = ELEMENTWISE[name];
  if (!pair) throw new RangeError(`wasmnn: unknown activation '${String(name)}'; known: ${ACTIVATION_NAMES.join(', ')}`);
  const [f, b] = pair;
  return {
    name, alpha, isIdentity: false,
    forward: (k, y, x, r, c) => f(k, y, x, r * c, alpha),
    backward: (k, dx, dy, x, y, r, c) => b(k, dx, dy, x, y, r * c, alpha),
  };
}
