// Activations as ops: y = f(x) on the activation kernels, row-wise for softmax and log-softmax;
// the gradient dx = dy * f'(x) from x and y (a vector-Jacobian product from y for the softmaxes).
// ReLU's gradient reads y alone (relu(x) > 0 exactly when x > 0), so x may die at the forward
// step and ReLU run in place, as a dense layer's fused bias and ReLU always did.
import { apply, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import type { SymbolicTensor } from '../symbolic.js';
import { resolveActivation, type Activation, type ActivationSpec } from '../../layers/activations.js';

const activationOp: PrimitiveOp = {
  name: 'activation',
  inPlace: 0,
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0], act = e.attrs.act as Activation;
    const P = c.run.ptrs, run = c.run, k = c.k;
    // Row-wise activations (the softmaxes) run along the last axis; the others see the same elements either way.
    const sy = c.slot(y), sx = c.slot(x), v = viewOf(x, Math.max(x.rank - 1, 1)), cols = v.cols;
    return () => act.forward(k, P[sy], P[sx], viewRows(v, run), cols);
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined];
    const act = e.attrs.act as Activation;
    const x = e.inputs[0], y = e.outputs[0];
    return [apply(activationGradOp, [dy, act.name === 'relu' ? y : x, y], x.shape, { act })];
  },
};

const activationGradOp: PrimitiveOp = {
  name: 'activationGrad',
  inPlace: 0,
  emit(e, c) {
    const [dy, x, y] = e.inputs;
    const act = e.attrs.act as Activation;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), syy = c.slot(y), v = viewOf(x, Math.max(x.rank - 1, 1)), cols = v.cols;
    return () => act.backward(k, P[sd], P[sdy], P[sx], P[syy], viewRows(v, run), cols);
  },
};

/** f(x) for an activation name or { name, alpha }; 'linear' returns x itself. */
export function activation(x: SymbolicTensor, spec: ActivationSpec | Activation): SymbolicTensor {
  const act = typeof spec === 'object' && 'forward' in spec ? spec : resolveActivation(spec as ActivationSpec);
  if (act.isIdentity) return x;
  return apply(activationOp, [x], x.shape, { act });
}

/** True when t is the output of a ReLU (the fusion pass merges a bias add into it). */
export function isReluOf(t: SymbolicTensor): boolean {
  const p = t.producer;
  return !!p && p.op === activationOp && (p.attrs.act as Activation).name === 'relu';
}

/** log-softmax along rows, as an activation the op and its gradient can run. */
export const LOG_SOFTMAX: Activation = {
  name: 'logSoftmax' as Activation['name'],
  alpha: 0,
  isIdentity: false,
  forward: (k, y, x, r, c) => k.log_softmax_rows_f32(y, x, r, c),
  backward: (k, dx, dy, _x, y, r, c) => k.log_softmax_rows_backward_f32(dx, dy, y, r, c),
};
