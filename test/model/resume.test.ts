// Resuming is exact with the defaults (shuffle on, a schedule, dropout): N epochs in one fit equal
// k epochs, save with the optimizer, load, and N - k more; and equal fit(k) then fit(N - k).
// Epochs are numbered on across fits (history, callbacks, the schedule), or from initialEpoch.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, schedules, encodeModel, type History } from 'wasmnn';
import { moons, bits } from '../helpers/fixtures.js';

beforeAll(async () => {
  await init(undefined, { simd: 'plain' });
});

const { x, y } = moons();

const RATES: Record<string, () => unknown> = {
  step: () => schedules.step({ initial: 0.05, stepSize: 2, gamma: 0.5 }),
  reduceOnPlateau: () => schedules.reduceOnPlateau({ initial: 0.05, patience: 0, factor: 0.5 }),
};

function model(lr: unknown) {
  const m = new Sequential([
    layers.dense({ inputDim: 2, units: 12, activation: 'relu' }),
    layers.batchNorm(),
    layers.dropout({ rate: 0.3 }),
    layers.dense({ units: 1 }),
  ], { seed: 4 });
  m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: lr as number }), metrics: ['accuracy'] });
  return m;
}

// Defaults: shuffle on; batches of 64 do not divide the 300 rows (a short last batch).
const fit = (m: Sequential, epochs: number, extra = {}) => m.fit(x, y, { epochs, batchSize: 64, ...extra });
const N = 6, K = 2;

describe('resuming training is exact', () => {
  for (const [kind, lr] of Object.entries(RATES)) {
    it(`N epochs == k, save, load, N - k (shuffle, dropout, a ${kind} schedule), bit for bit`, async () => {
      const a = model(lr());
      const ha = await fit(a, N);
      const b = model(lr());
      const hb1 = await fit(b, K);
      // Through JSON and the single-file form, as a file would go.
      const saved = b.save({ includeOptimizer: true });
      const c = Sequential.load(encodeModel({ topology: JSON.parse(JSON.stringify(saved.topology)), weights: saved.weights }));
      const hc = await fit(c, N - K);
      expect([...hb1.loss, ...hc.loss]).toEqual(ha.loss);
      expect([...hb1.epoch, ...hc.epoch]).toEqual(ha.epoch);
      expect(ha.epoch).toEqual([0, 1, 2, 3, 4, 5]);
      expect(bits(c.getWeights())).toEqual(bits(a.getWeights()));
      expect(Array.from(c.predict(x).data)).toEqual(Array.from(a.predict(x).data));
      expect(c.optimizer!.currentLr).toBe(a.optimizer!.currentLr);
    });
  }

  it('two fits of k and N - k equal one of N (shuffle, dropout, schedule), also per batch', async () => {
    for (const scheduleUnit of ['epoch', 'batch'] as const) {
      const a = model(schedules.cosine({ initial: 0.05, tMax: 40 }));
      const ha = await fit(a, N, { scheduleUnit });
      const b = model(schedules.cosine({ initial: 0.05, tMax: 40 }));
      const hs: History[] = [await fit(b, K, { scheduleUnit }), await fit(b, 1, { scheduleUnit }), await fit(b, N - K - 1, { scheduleUnit })];
      expect(hs.flatMap((h) => h.loss)).toEqual(ha.loss);
      expect(hs.flatMap((h) => h.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    }
  });

  it('initialEpoch numbers the epochs and sets the schedule there; a string is named as one', async () => {
    const m = model(schedules.step({ initial: 0.08, stepSize: 1, gamma: 0.5 }));
    const seen: number[] = [];
    const h = await fit(m, 2, { initialEpoch: 3, callbacks: [{ onEpochBegin: (_e: number, mm: { optimizer?: { currentLr: number } }) => void seen.push(mm.optimizer!.currentLr) }] });
    expect(h.epoch).toEqual([3, 4]);
    expect(seen).toEqual([0.01, 0.005]);
    // The next fit goes on from epoch 5.
    expect((await fit(m, 1)).epoch).toEqual([5]);
    await expect(fit(m, 1, { initialEpoch: '2' })).rejects.toThrow(/initialEpoch must be a non-negative integer, got the string "2"/);
    await expect(fit(m, 1, { initialEpoch: -1 })).rejects.toThrow(/initialEpoch must be a non-negative integer, got -1/);
    await expect(fit(m, 1, { batchSize: '32' })).rejects.toThrow(/batchSize must be a positive integer, got the string "32"/);
  });

  it('save({ includeOptimizer }) stores a built-in schedule and refuses a user-defined rate object', async () => {
    const m = model(schedules.multiStep({ initial: 0.1, milestones: [1, 3], gamma: 0.1 }));
    await fit(m, 2);
    const saved = m.save({ includeOptimizer: true });
    expect((saved.topology.training!.optimizer as { lr: unknown }).lr).toEqual({ kind: 'multiStep', initial: 0.1, milestones: [1, 3], gamma: 0.1 });
    const back = Sequential.load(saved);
    expect(back.optimizer!.currentLr).toBe(m.optimizer!.currentLr);
    expect((back.optimizer!.lr as { rate(s: number): number }).rate(3)).toBeCloseTo(0.001, 12);
    const own = model({ rate: (s: number) => 0.01 / (1 + s) });
    expect(() => own.save({ includeOptimizer: true })).toThrow(/built-in schedules .* not this learning-rate object \(it has no getConfig\(\)\)/);
  });
});
