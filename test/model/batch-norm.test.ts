// BatchNorm1d against layers.json (PyTorch float64): training forward, backward (dx, dgamma,
// dbeta), running statistics after one step, and evaluation with them.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, losses, optimizers } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose, loadWasm } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
});

const bn = golden('layers.json').batchnorm1d;
const rows = bn.x.length;
const cols = bn.x[0].length;

// sum(upstream * y): its gradient with respect to y is the golden upstream.
const dot = losses.custom({
  name: 'dot',
  value: (p, t) => p.reduce((s, v, i) => s + v * t[i], 0),
  gradient: (_p, t, g) => g.set(t),
});

describe('batchNorm (PyTorch BatchNorm1d, eps 1e-5, momentum 0.1)', () => {
  it('kernels: train forward and dx against the golden values', () => {
    const w = loadWasm();
    const x = w.put(bn.x.flat(), 1);
    const gamma = w.put(bn.gamma), beta = w.put(bn.beta, 2);
    const rm = w.put(new Array(cols).fill(0)), rv = w.put(new Array(cols).fill(1));
    const y = w.out(rows * cols), xhat = w.out(rows * cols), invstd = w.out(cols);
    w.k.batchnorm_train_f32(y, xhat, invstd, x, gamma, beta, rm, rv, rows, cols, bn.eps, bn.momentum);
    expectClose(w.f32(y, rows * cols), bn.train_y.flat(), 1e-5, 1e-6, 'y');
    expectClose(w.f32(rm, cols), bn.running_mean, 1e-5, 1e-7, 'running mean');
    expectClose(w.f32(rv, cols), bn.running_var, 1e-5, 0, 'running var');
    const dy = w.put(bn.upstream.flat(), 3);
    const dx = w.out(rows * cols), dg = w.out(cols), db = w.out(cols);
    w.k.batchnorm_backward_f32(dx, dg, db, dy, xhat, invstd, gamma, rows, cols);
    expectClose(w.f32(dx, rows * cols), bn.dx.flat(), 1e-4, 1e-6, 'dx');
    expectClose(w.f32(dg, cols), bn.dgamma, 1e-5, 1e-6, 'dgamma');
    expectClose(w.f32(db, cols), bn.dbeta, 1e-5, 1e-6, 'dbeta');
  });

  it('as a layer: gradients of gamma and beta, running statistics, and evaluation mode', () => {
    const m = new Sequential([layers.batchNorm({ inputDim: cols })]);
    m.compile({ loss: dot, optimizer: optimizers.sgd({ lr: 0.1 }) });
    m.setWeights([bn.gamma, bn.beta]);
    const { grads } = m.lossAndGradients(bn.x, bn.upstream);
    expectClose(grads[0], bn.dgamma, 1e-5, 1e-6, 'dgamma');
    expectClose(grads[1], bn.dbeta, 1e-5, 1e-6, 'dbeta');
    const layer = m.layers[0] as any;
    expectClose(layer.runningMean.data, bn.running_mean, 1e-5, 1e-7, 'running mean');
    expectClose(layer.runningVar.data, bn.running_var, 1e-5, 0, 'running var');
    expectClose(m.predict(bn.eval_x).data, bn.eval_y.flat(), 1e-5, 1e-6, 'eval y');
  });

  it('the input gradient flows through dense -> batchNorm -> relu (checked against finite differences)', () => {
    const m = new Sequential([layers.dense({ inputDim: 3, units: 4 }), layers.batchNorm(), layers.activation({ activation: 'tanh' }), layers.dense({ units: 1 })], { seed: 2 });
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    const x = [[0.3, -1.2, 0.8], [1.1, 0.4, -0.5], [-0.7, 0.9, 0.2], [0.5, -0.3, -1.4], [-1.0, -0.6, 0.9]];
    const y = [[0.5], [-0.2], [1.0], [0.1], [-0.8]];
    const { grads } = m.lossAndGradients(x, y);
    const W0 = m.getWeights();
    // Central differences on the first layer's kernel, in float32 arithmetic: h = 1e-2, tolerance 2e-3.
    const h = 1e-2;
    for (const i of [0, 5, 11]) {
      const plus = W0.map((a) => a.slice());
      plus[0][i] += h;
      m.setWeights(plus);
      const lp = m.lossAndGradients(x, y).loss;
      const minus = W0.map((a) => a.slice());
      minus[0][i] -= h;
      m.setWeights(minus);
      const lm = m.lossAndGradients(x, y).loss;
      expect(Math.abs((lp - lm) / (2 * h) - grads[0][i])).toBeLessThan(2e-3);
    }
  });

  it('refuses a training batch of one row and bad options', async () => {
    const m = new Sequential([layers.batchNorm({ inputDim: 2 })]);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    await expect(m.fit([[1, 2]], [[1, 2]])).rejects.toThrow(/at least 2 rows per training batch/);
    expect(() => layers.batchNorm({ momentum: 2 })).toThrow(/momentum must be in \[0, 1\]/);
  });
});
