// Batch normalisation over rows (PyTorch BatchNorm1d), or over every position of the last
// (channel) axis of N-d input: [n, h, w, c] is [n*h*w, c] rows (PyTorch BatchNorm2d's statistics). Training: batch mean and biased variance,
// y = gamma*xhat + beta, running statistics updated (outputs 1 and 2, xhat and 1/std, are kept
// for the backward); evaluation: the running statistics. The backward kernel gives dx, dgamma
// and dbeta in one pass.
import { viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { makeEqn, type SymbolicTensor } from '../symbolic.js';
import type { Tensor } from '../../memory/tensor.js';

export interface RunningStats {
  readonly name: string;
  readonly eps: number;
  readonly momentum: number;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
}

const batchNormOp: PrimitiveOp = {
  name: 'batchNorm',
  emit(e, c) {
    const [x, gamma, beta] = e.inputs;
    const [y, xhat, invstd] = e.outputs;
    const s = e.attrs.stats as RunningStats;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sx = c.slot(x), sg = c.slot(gamma), sb = c.slot(beta), v = channels(x), n = v.cols;
    if (!c.training) {
      return () => k.batchnorm_eval_f32(P[sy], P[sx], P[sg], P[sb], s.runningMean.ptr, s.runningVar.ptr, viewRows(v, run), n, s.eps);
    }
    const sh = c.slot(xhat), si = c.slot(invstd);
    return () => {
      const rows = viewRows(v, run);
      if (rows < 2) throw new RangeError(`wasmnn: ${s.name}: batch normalisation needs at least 2 rows per training batch, got ${rows}`);
      k.batchnorm_train_f32(P[sy], P[sh], P[si], P[sx], P[sg], P[sb], s.runningMean.ptr, s.runningVar.ptr, rows, n, s.eps, s.momentum);
    };
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined, undefined, undefined];
    const [x, gamma, beta] = e.inputs;
    const [, xhat, invstd] = e.outputs;
    const g = makeEqn(batchNormGradOp, [dy, xhat, invstd, gamma], [x.shape, gamma.shape, beta.shape]);
    return [...g.outputs];
  },
};

const batchNormGradOp: PrimitiveOp = {
  name: 'batchNormGrad',
  emit(e, c) {
    const [dy, xhat, invstd, gamma] = e.inputs;
    const [dx, dgamma, dbeta] = e.outputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sdx = c.used(dx) ? c.slot(dx) : -1, sdg = c.slot(dgamma), sdb = c.slot(dbeta);
    const sdy = c.slot(dy), sh = c.slot(xhat), si = c.slot(invstd), sg = c.slot(gamma), v = channels(dy), n = v.cols;
    return () => k.batchnorm_backward_f32(sdx < 0 ? 0 : P[sdx], P[sdg], P[sdb], P[sdy], P[sh], P[si], P[sg], viewRows(v, run), n);
  },
};

/** x as [positions, channels]: the last axis (the columns of a 2-D x). */
const channels = (x: SymbolicTensor) => viewOf(x, Math.max(x.rank - 1, 1));

export function batchNorm(x: SymbolicTensor, gamma: SymbolicTensor, beta: SymbolicTensor, stats: RunningStats): SymbolicTensor {
  return makeEqn(batchNormOp, [x, gamma, beta], [x.shape, x.shape, [1, channels(x).cols]], { stats }).outputs[0];
}
