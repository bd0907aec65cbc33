import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, initializers } from 'wasmnn';

beforeAll(async () => {
  await init();
});

// An identity-like net: dense(ones, no bias) -> dropout; the output shows the mask directly.
function net(rate: number, seed = 0) {
  const m = new Sequential([layers.dense({ inputDim: 1, units: 1000, kernelInitializer: 'ones', useBias: false }), layers.dropout({ rate })], { seed });
  m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
  return m;
}

describe('dropout', () => {
  it('in training keeps about 1-rate of the units and scales them by exactly 1/(1-rate); the gradient uses the same mask', () => {
    const m = net(0.3);
    const { grads } = m.lossAndGradients([[1]], [new Array(1000).fill(0)]);
    // out_i = mask_i (x = 1, W = 1); d(mean (out)^2)/dW_i = 2*out_i*mask_i/1000 = 2*mask_i^2/1000.
    const keep = Math.fround(1 / 0.7);
    const g = grads[0];
    let kept = 0;
    for (const v of g) {
      if (v !== 0) {
        kept++;
        expect(v).toBeCloseTo((2 * keep * keep) / 1000, 6);
      }
    }
    expect(Math.abs(kept / 1000 - 0.7)).toBeLessThan(0.05); // ~3.5 sd of a binomial(1000, 0.7)
  });
  it('is the identity in evaluation and prediction', () => {
    const m = net(0.5);
    expect(Array.from(m.predict([[2]]).data)).toEqual(new Array(1000).fill(2));
  });
  it('masks are seeded: the same seed repeats, another differs', () => {
    const g = (seed: number) => Array.from(net(0.5, seed).lossAndGradients([[1]], [new Array(1000).fill(0)]).grads[0]);
    expect(g(4)).toEqual(g(4));
    expect(g(4)).not.toEqual(g(5));
  });
  it('rejects a rate outside [0, 1)', () => {
    expect(() => layers.dropout({ rate: 1 })).toThrow(/rate must be in \[0, 1\)/);
    expect(() => layers.dropout({ rate: -0.1 })).toThrow(/rate must be in \[0, 1\)/);
  });
  it('narrows the train-test gap on moons compared with no regularisation', async () => {
    const { data } = await import('wasmnn');
    const { train, test } = await data.loadBuiltin('moons');
    const gap = async (rate: number) => {
      const hidden = rate > 0 ? [layers.dropout({ rate })] : [];
      const m = new Sequential([
        layers.dense({ inputDim: 2, units: 20, activation: 'relu', kernelInitializer: initializers.normal(0, 1), biasInitializer: 'zeros' }), ...hidden,
        layers.dense({ units: 3, activation: 'relu', kernelInitializer: initializers.normal(0, 1), biasInitializer: 'zeros' }), ...hidden.map(() => layers.dropout({ rate })),
        layers.dense({ units: 1, kernelInitializer: initializers.normal(0, 1), biasInitializer: 'zeros' }),
      ], { seed: 0 });
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.2 }), metrics: ['accuracy'], batchSize: 200 });
      await m.fit(train.x, train.y, { epochs: 10000, batchSize: 200, shuffle: false });
      return m.evaluate(train.x, train.y).accuracy - m.evaluate(test.x, test.y).accuracy;
    };
    expect(await gap(0.3)).toBeLessThan(await gap(0));
  });
});
