import { beforeAll, describe, expect, it } from 'vitest';
import { init, schedules, optimizers, parameter, Sequential, layers } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';

beforeAll(async () => {
  await init();
});

const NAME: Record<string, string> = {
  step: 'step', multistep: 'multiStep', exponential: 'exponential', cosine: 'cosine', linear_warmup: 'linearWarmup',
  onecycle: 'oneCycle', reduce_on_plateau: 'reduceOnPlateau', exponential_decay: 'exponentialDecay', piecewise_constant: 'piecewiseConstant',
};

function rel(a: number, b: number) {
  return Math.abs(a - b) / Math.abs(b);
}

describe('schedules.json: every rate to 1e-12 relative (float64)', () => {
  for (const c of golden('schedules.json').schedules) {
    it(`${c.name} ${JSON.stringify(c.params)}`, () => {
      const { rule: _rule, ...params } = c.params;
      const s = (schedules as any)[NAME[c.name]](params);
      c.lr.forEach((want: number, e: number) => {
        const got = s.rate(e);
        if (!(rel(got, want) <= 1e-12)) throw new Error(`${c.name} epoch ${e}: ${got} vs ${want}`);
        if (c.metric) s.observe(c.metric[e]); // stepped once per epoch with that epoch's metric
      });
      // Rebuilt from its config, a schedule gives the same rates (a fresh plateau starts over).
      const again = schedules.fromConfig(s.getConfig());
      if (!c.metric) c.lr.forEach((want: number, e: number) => expect(rel(again.rate(e), want)).toBeLessThanOrEqual(1e-12));
    });
  }
});

describe('schedules in training', () => {
  it('the seed example: exponential decay (0.4, rate 0.9 every 2 steps) on (w+1)^2 from w=5', () => {
    const ex = golden('optimizers.json').seed_examples.exp_decay_w_plus_1_sq;
    const s = schedules.exponentialDecay(ex.schedule);
    const w = parameter([1], [ex.w0]);
    const opt = optimizers.sgd({ lr: s }, [w]);
    ex.lr.forEach((lr: number, k: number) => {
      expect(rel(s.rate(k), lr)).toBeLessThan(1e-12);
      opt.scheduleStep = k;
      w.grad.set([2 * (w.value[0] + 1)]);
      opt.step();
      expect(Math.abs(w.value[0] - ex.w[k])).toBeLessThan(1e-5 * Math.max(1, Math.abs(ex.w[k])));
    });
  });
  it('fit advances a schedule per epoch, and reduceOnPlateau reacts to the monitored loss', async () => {
    const seen: number[] = [];
    const m = new Sequential([layers.dense({ inputDim: 1, units: 1 })], { seed: 1 });
    const opt = optimizers.sgd({ lr: schedules.step({ initial: 0.1, stepSize: 2, gamma: 0.5 }) });
    m.compile({ loss: 'mse', optimizer: opt });
    await m.fit([[1], [2]], [[2], [4]], { epochs: 5, onEpochEnd: () => void seen.push(opt.currentLr) });
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]); // the rate in force during each epoch: 0.1*0.5^floor(e/2)
    const plateau = schedules.reduceOnPlateau({ initial: 1e-6, patience: 0, factor: 0.5 });
    const m2 = new Sequential([layers.dense({ inputDim: 1, units: 1 })], { seed: 1 });
    m2.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: plateau }) });
    await m2.fit([[1], [2]], [[2], [4]], { epochs: 6, batchSize: 2 });
    expect(plateau.rate(0)).toBeLessThan(1e-6); // a tiny lr barely improves the loss: it was cut
  });
  it('validates its arguments, naming them', () => {
    expect(() => schedules.step({ initial: -1, stepSize: 2 })).toThrow(/initial must be a positive/);
    expect(() => schedules.multiStep({ initial: 0.1, milestones: [5, 3] })).toThrow(/milestones must be a strictly increasing/);
    expect(() => schedules.piecewiseConstant({ boundaries: [1, 2], values: [1, 2] })).toThrow(/values.length = boundaries.length \+ 1/);
    expect(() => schedules.cosine({ initial: 0.1, tMax: 0 })).toThrow(/tMax must be a positive integer/);
    expect(() => schedules.reduceOnPlateau({ initial: 0.1, factor: 1 })).toThrow(/factor must be in \(0, 1\)/);
    expect(() => schedules.fromConfig({ kind: 'warp' })).toThrow(/unknown schedule kind 'warp'/);
  });
});
