import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, callbacks } from 'wasmnn';

beforeAll(async () => {
  await init();
});

function model() {
  const m = new Sequential([layers.dense({ inputDim: 1, units: 1 })], { seed: 0 });
  m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
  return m;
}

describe('callbacks', () => {
  it('earlyStopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const m = model();
    // Validation targets the model can never approach better than at the start: valLoss only grows.
    const es = callbacks.earlyStopping({ patience: 2, restoreBestWeights: true });
    let best: Float32Array[] = [];
    const h = await m.fit([[1], [2]], [[1], [2]], {
      epochs: 50, batchSize: 2, shuffle: false, validationData: [[[1], [2]], [[-50], [-100]]],
      callbacks: [es, { onEpochEnd: (e, _l, mm) => void (e === 0 && (best = mm.getWeights())) }],
    });
    expect(es.bestEpoch).toBe(0);
    expect(es.stoppedEpoch).toBe(3); // epochs 1, 2, 3 without improvement; patience 2 -> stop at 3
    expect(h.epoch).toHaveLength(4);
    expect(m.getWeights()).toEqual(best);
  });
  it('earlyStopping names a metric fit does not report', async () => {
    await expect(model().fit([[1]], [[1]], { epochs: 2, callbacks: [callbacks.earlyStopping({ monitor: 'valAccuracy' })] })).rejects.toThrow(/monitors 'valAccuracy', which fit does not report/);
  });
  it('progress writes one line per epoch when forced, and is quiet under CI otherwise', async () => {
    const lines: string[] = [];
    await model().fit([[1]], [[1]], { epochs: 3, callbacks: [callbacks.progress({ force: true, write: (l) => lines.push(l) })] });
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^epoch 3: loss \d/);
    const quiet: string[] = [];
    const old = process.env.CI;
    process.env.CI = 'true';
    await model().fit([[1]], [[1]], { epochs: 2, callbacks: [callbacks.progress({ write: (l) => quiet.push(l) })] });
    if (old === undefined) delete process.env.CI;
    else process.env.CI = old;
    expect(quiet).toHaveLength(0);
  });
});

describe('learningRateScheduler', () => {
  it('sets the rate at the start of each epoch from (epoch, lr)', async () => {
    const m = model();
    const seen: number[] = [];
    await m.fit([[1]], [[1]], {
      epochs: 4,
      callbacks: [callbacks.learningRateScheduler((epoch, lr) => (epoch < 2 ? lr : lr / 2)), { onEpochEnd: (_e, _l, mm) => void seen.push(mm.optimizer!.currentLr) }],
    });
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.025]);
  });
});
