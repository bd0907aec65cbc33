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
    // As Keras' EarlyStopping (wait >= patience): epochs 1 and 2 without improvement; patience 2 -> stop at 2.
    expect(es.stoppedEpoch).toBe(2);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(m.getWeights()).toEqual(best);
  });
  it('earlyStopping names a metric fit does not report', async () => {
    await expect(model().fit([[1]], [[1]], { epochs: 2, callbacks: [callbacks.earlyStopping({ monitor: 'valAccuracy' })] })).rejects.toThrow(/monitors 'valAccuracy', which fit does not report/);
  });
  it('earlyStopping with patience 0 stops at the first epoch without improvement', async () => {
    const es = callbacks.earlyStopping({ patience: 0 });
    const h = await model().fit([[1], [2]], [[1], [2]], { epochs: 50, batchSize: 2, shuffle: false, validationData: [[[1], [2]], [[-50], [-100]]], callbacks: [es] });
    expect([es.bestEpoch, es.stoppedEpoch, h.epoch.length]).toEqual([0, 1, 2]);
  });
  it('earlyStopping refuses a minDelta or patience given as a string, saying so', () => {
    expect(() => callbacks.earlyStopping({ minDelta: '0.1' as never })).toThrow(/minDelta must be a finite number >= 0, got the string "0.1"/);
    expect(() => callbacks.earlyStopping({ patience: '3' as never })).toThrow(/got the string "3"/);
  });
  it('progress writes one line per epoch when forced, numbered as history.epoch (from 0), and is quiet under CI otherwise', async () => {
    const lines: string[] = [];
    const m = model();
    const h = await m.fit([[1]], [[1]], { epochs: 3, callbacks: [callbacks.progress({ force: true, write: (l) => lines.push(l) })] });
    expect(lines).toHaveLength(3);
    expect(lines.map((l) => Number(/^epoch (\d+): loss \d/.exec(l)?.[1]))).toEqual(h.epoch);
    expect(h.epoch).toEqual([0, 1, 2]);
    // A second fit numbers on (the epochs continue), in both.
    const more: string[] = [];
    const h2 = await m.fit([[1]], [[1]], { epochs: 2, callbacks: [callbacks.progress({ force: true, write: (l) => more.push(l) })] });
    expect(h2.epoch).toEqual([3, 4]);
    expect(more.map((l) => l.split(':')[0])).toEqual(['epoch 3', 'epoch 4']);
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
