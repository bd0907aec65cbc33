// Normalisation over the last axis of x (any rank; each position's features on their own):
//   layerNorm: PyTorch LayerNorm (biased variance), y = gamma*(x - mean)/sqrt(var + eps) + beta
//   rmsNorm:   y = gamma*x/sqrt(mean(x^2) + eps)
// One fused kernel a pass (assembly/layernorm.ts), split by rows across threads: the forward
// keeps each row's mean and 1/std (outputs 1 and 2) for the backward, which gives dx by rows and
// dgamma, dbeta by columns (each summed over the rows in order: the same bits on any threads).
// NOTE: the mean and 1/std are kept in float32, as PyTorch keeps them for float32 input: the
// backward's xhat is then off by up to ulp(mean)/2 / std (4e-4 for a mean of 100 with a std of
// 0.01, 1e-8 for data near zero), which bounds the gradient's relative error.
import { ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { constant, makeEqn, showShape, sizeOf, type SymbolicTensor } from '../symbolic.js';

/** x as [positions, features]. */
const rowsOf = (x: SymbolicTensor) => viewOf(x, Math.max(x.rank - 1, 1));

const normOp: PrimitiveOp = {
  name: 'layerNorm',
  emit(e, c) {
    const [x, eps, gamma, beta] = e.inputs;
    const [y, mean, rstd] = e.outputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sx = c.slot(x), se = c.slot(eps), sg = c.slot(gamma), sr = c.slot(rstd), v = rowsOf(x), cols = v.cols;
    if (e.attrs.rms) return () => k.rms_norm_f32(P[sy], P[sr], P[sx], P[sg], P[se], viewRows(v, run), cols);
    const sm = c.slot(mean), sb = c.slot(beta);
    return () => k.layer_norm_f32(P[sy], P[sm], P[sr], P[sx], P[sg], P[sb], P[se], viewRows(v, run), cols);
  },
  vjp(e, [dy]) {
    if (!dy) return e.inputs.map(() => undefined);
    const [x, , gamma, beta] = e.inputs;
    const [, mean, rstd] = e.outputs;
    const shapes = beta ? [x.shape, gamma.shape, beta.shape] : [x.shape, gamma.shape];
    const [dx, dgamma, dbeta] = makeEqn(normGradOp, [dy, x, mean, rstd, gamma], shapes, { rms: e.attrs.rms }).outputs;
    return [dx, undefined, dgamma, dbeta];
  },
};

const normGradOp: PrimitiveOp = {
  name: 'layerNormGrad',
  emit(e, c) {
    const [dy, x, mean, rstd, gamma] = e.inputs;
    const [dx, dgamma, dbeta] = e.outputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const rms = e.attrs.rms ? 1 : 0;
    const sdx = c.used(dx) ? c.slot(dx) : -1, sdg = c.slot(dgamma), sdb = dbeta ? c.slot(dbeta) : sdg;
    const sdy = c.slot(dy), sx = c.slot(x), sm = c.slot(mean), sr = c.slot(rstd), sg = c.slot(gamma), v = rowsOf(x), cols = v.cols;
    return () => {
      const rows = viewRows(v, run);
      if (sdx >= 0) k.norm_rows_backward_f32(P[sdx], P[sdy], P[sx], P[sm], P[sr], P[sg], rows, cols, rms);
      k.norm_param_grad_f32(P[sdg], P[sdb], P[sdy], P[sx], P[sm], P[sr], rows, cols, cols, rms);
    };
  },
};

export interface NormOptions {
  /** The axis normalised: the last (-1, or rank - 1). */
  axis?: number;
  /** Added to the variance (mean square for rmsNorm) before the square root; > 0, PyTorch's 1e-5 by default. */
  epsilon?: number;
}

/** Checks the options and that gamma (and beta) hold one value per feature of x's last axis. */
function checked(op: string, x: SymbolicTensor, params: readonly [string, SymbolicTensor | undefined][], o: NormOptions): number {
  const eps = o.epsilon ?? 1e-5;
  if (typeof eps !== 'number' || !(Math.fround(eps) > 0) || !Number.isFinite(Math.fround(eps))) throw new RangeError(`wasmnn: ${op}: epsilon must be a finite number > 0 (held as a float32), got ${String(eps)}`);
  if (x.dtype !== 'float32') throw new ShapeError(`wasmnn: ${op} takes float32 values, got an ${x.dtype} tensor of shape ${x}`);
  if (x.rank < 1) throw new ShapeError(`wasmnn: ${op} needs an axis to normalise, got a scalar`);
  const axis = o.axis ?? -1;
  if (axis !== -1 && axis !== x.rank - 1) throw new ShapeError(`wasmnn: ${op} normalises the last axis only (axis -1 or ${x.rank - 1} of ${x}), got axis ${String(axis)}`);
  const n = x.shape[x.rank - 1];
  for (const [name, p] of params) {
    if (!p) continue;
    if (p.dtype !== 'float32' || sizeOf(p.shape) !== n || p.shape[p.rank - 1] !== n) {
      throw new ShapeError(`wasmnn: ${op}: ${name} has shape ${showShape(p.shape)} but the normalised axis (the last of x ${x}) has ${n} features: give ${name} shape [${n}]`);
    }
  }
  return eps;
}

const norm = (x: SymbolicTensor, gamma: SymbolicTensor, beta: SymbolicTensor | undefined, epsilon: number): SymbolicTensor => {
  // Each row's mean and 1/std ([..., 1]); rmsNorm leaves its mean unwritten and never reads it.
  // epsilon goes in as a float32 constant (the kernels read it from memory; see assembly/layernorm.ts).
  const stat = [...x.shape.slice(0, -1), 1], eps = constant([epsilon], [1, 1]);
  return makeEqn(normOp, beta ? [x, eps, gamma, beta] : [x, eps, gamma], [x.shape, stat, stat], { epsilon, rms: !beta }).outputs[0];
};

export function layerNorm(x: SymbolicTensor, gamma: SymbolicTensor, beta: SymbolicTensor, options: NormOptions = {}, op = 'layerNorm'): SymbolicTensor {
  return norm(x, gamma, beta, checked(op, x, [['gamma', gamma], ['beta', beta]], options));
}

export function rmsNorm(x: SymbolicTensor, gamma: SymbolicTensor, options: NormOptions = {}, op = 'rmsNorm'): SymbolicTensor {
  return norm(x, gamma, undefined, checked(op, x, [['gamma', gamma]], options));
}
