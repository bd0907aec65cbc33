// Whole-model gradients and a 200-step training curve against PyTorch (float64 goldens).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, regularizers } from 'wasmnn';
import { golden, csvRows } from '../helpers/fixtures.js';
import { maxRelErr } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
});

const ACT: Record<string, string> = { relu: 'relu', tanh: 'tanh', sigmoid: 'sigmoid', leaky_relu: 'leakyRelu' };
const LOSS: Record<string, string> = { bce_with_logits: 'bceWithLogits', softmax_cross_entropy: 'softmaxCrossEntropy', mse: 'mse' };

function mlp(sizes: number[], activation: string, seed = 0): Sequential {
  return new Sequential(
    sizes.slice(1).map((units, i) =>
      layers.dense({ inputDim: i === 0 ? sizes[0] : undefined, units, activation: i < sizes.length - 2 ? (activation as never) : 'linear' }),
    ),
    { seed },
  );
}

describe('layers.json mlp_gradients', () => {
  const cases = golden('layers.json').mlp_gradients as any[];
  for (const c of cases) {
    it(`${c.sizes.join('-')} ${c.activation} ${c.loss}: loss and every gradient to 1e-4 relative`, () => {
      const model = mlp(c.sizes, ACT[c.activation]);
      model.compile({ loss: LOSS[c.loss] as never, optimizer: optimizers.sgd({ lr: 0.1 }) });
      model.setWeights(c.W.flatMap((W: number[][], i: number) => [W, c.b[i]]));
      // Index labels for cross-entropy come as a flat list of integers: one per row.
      const y = typeof c.Y[0] === 'number' ? c.Y.map((v: number) => [v]) : c.Y;
      const out = model.predict(c.X);
      expect(maxRelErr(out.data, c.output.flat(), 1e-3)).toBeLessThan(1e-4);
      const { loss, grads } = model.lossAndGradients(c.X, y);
      expect(Math.abs(loss - c.lossValue) / c.lossValue).toBeLessThan(1e-4);
      const want = c.dW.flatMap((dW: number[][], i: number) => [dW.flat(), c.db[i]]);
      grads.forEach((g, i) => {
        // Absolute floor: gradients near zero are compared against the largest gradient's scale.
        const scale = Math.max(...want[i].map(Math.abs));
        expect(maxRelErr(g, want[i], scale * 1e-3), `parameter ${i}`).toBeLessThan(1e-4);
      });
    });
  }
});

describe('seed_moons.json short runs', () => {
  it('L2 0.7 (l2*sum(W^2)/(2N), weights only) and decoupled decay 0.001: 200 steps to 1e-4 relative', async () => {
    const runs = golden('seed_moons.json').short_runs_every_step as any[];
    const rows = csvRows('moons_300_noise0.5.csv').slice(0, 200);
    const x = rows.map((r) => r.slice(0, 2));
    const y = rows.map((r) => [r[2]]);
    for (const run of runs.filter((r) => Object.keys(r.variant).length > 0)) {
      const l2 = run.variant.l2 ? regularizers.l2(run.variant.l2 / (2 * 200)) : undefined;
      const model = new Sequential([
        layers.dense({ inputDim: 2, units: 20, activation: 'relu', kernelRegularizer: l2 }),
        layers.dense({ units: 3, activation: 'relu', kernelRegularizer: l2 }),
        layers.dense({ units: 1, kernelRegularizer: l2 }),
      ]);
      model.setWeights(run.init.W.flatMap((W: number[][], i: number) => [W, run.init.b[i]]));
      model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: run.lr, decay: run.variant.decoupled_decay ?? 0 }), batchSize: 200 });
      const h = await model.fit(x, y, { epochs: run.iterations, batchSize: 200, shuffle: false });
      expect(maxRelErr(h.loss, run.loss_curve.map((p: number[]) => p[1])), JSON.stringify(run.variant)).toBeLessThan(1e-4);
    }
  });

  it('no regularisation: reproduces 200 full-batch GD steps at lr 0.2 to 1e-4 relative', async () => {
    const run = (golden('seed_moons.json').short_runs_every_step as any[]).find((r) => Object.keys(r.variant).length === 0);
    const rows = csvRows('moons_300_noise0.5.csv');
    const train = rows.slice(0, 200);
    const test = rows.slice(200);
    const x = train.map((r) => r.slice(0, 2));
    const y = train.map((r) => [r[2]]);
    const model = mlp([2, 20, 3, 1], 'relu');
    model.setWeights(run.init.W.flatMap((W: number[][], i: number) => [W, run.init.b[i]]));
    model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: run.lr }), metrics: ['accuracy'], batchSize: 200 });
    const h = await model.fit(x, y, { epochs: run.iterations, batchSize: 200, shuffle: false });
    const want = run.loss_curve.map((p: number[]) => p[1]);
    expect(maxRelErr(h.loss, want)).toBeLessThan(1e-4);
    const acc = (xs: number[][], ys: number[]) => {
      const p = model.predict(xs).data;
      return ys.filter((t, i) => (p[i] > 0 ? 1 : 0) === t).length / ys.length;
    };
    expect(acc(x, train.map((r) => r[2]))).toBeCloseTo(run.train_accuracy, 5);
    expect(acc(test.map((r) => r.slice(0, 2)), test.map((r) => r[2]))).toBeCloseTo(run.test_accuracy, 5);
    expect(model.evaluate(x, y).accuracy).toBeCloseTo(run.train_accuracy, 5);
  });
});
