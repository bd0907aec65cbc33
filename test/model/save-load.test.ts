// Save and load: a bit-exact round trip, resuming equals training on, and damaged files refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, regularizers, type SavedModel } from 'wasmnn';
import { moons, bits } from '../helpers/fixtures.js';
import { reseal } from '../helpers/reseal.js';

beforeAll(async () => {
  await init();
});

const { x, y } = moons();

function model(opt = optimizers.adam({ lr: 0.01 })) {
  const m = new Sequential([
    layers.dense({ inputDim: 2, units: 16, activation: { name: 'leakyRelu', alpha: 0.1 }, kernelRegularizer: regularizers.l2(1e-4) }),
    layers.batchNorm(),
    layers.dropout({ rate: 0.1 }),
    layers.dense({ units: 1 }),
  ], { seed: 3 });
  m.compile({ loss: 'bceWithLogits', optimizer: opt, metrics: ['accuracy'] });
  return m;
}

describe('save and load', () => {
  it('round trip is bit-exact: weights, running statistics, predictions', async () => {
    const m = model();
    await m.fit(x, y, { epochs: 3, batchSize: 50 });
    const saved = m.save();
    expect(saved.topology.format).toBe('wasmnn-sequential');
    // Through JSON, as a file would go.
    const back = Sequential.load({ topology: JSON.parse(JSON.stringify(saved.topology)), weights: saved.weights.slice(0) });
    expect(bits(back.getWeights())).toEqual(bits(m.getWeights()));
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
  });

  it('a resumed run (optimizer and PRNG state included) equals an uninterrupted one, step for step', async () => {
    const a = model(optimizers.nadam({ lr: 0.01 }));
    await a.fit(x, y, { epochs: 2, batchSize: 50 });
    const b = Sequential.load(a.save({ includeOptimizer: true }));
    // Shuffled mini-batches and dropout masks: both depend on the saved random streams.
    const ha = await a.fit(x, y, { epochs: 3, batchSize: 50 });
    const hb = await b.fit(x, y, { epochs: 3, batchSize: 50 });
    expect(hb.loss).toEqual(ha.loss);
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    // Without the optimizer state the next step differs (NAdam's moments start again).
    const c = Sequential.load(a.save());
    c.compile({ loss: 'bceWithLogits', optimizer: optimizers.nadam({ lr: 0.01 }) });
    const hc = await c.fit(x, y, { epochs: 1, batchSize: 50 });
    const hd = await a.fit(x, y, { epochs: 1, batchSize: 50 });
    expect(hc.loss).not.toEqual(hd.loss);
  });

  it('refuses damaged or foreign files with an error that says which part, never a half-loaded model', () => {
    const m = model();
    const good = m.save({ includeOptimizer: true });
    const clone = (): SavedModel => ({ topology: JSON.parse(JSON.stringify(good.topology)), weights: good.weights.slice(0) });
    const c1 = clone();
    c1.weights = c1.weights.slice(0, c1.weights.byteLength - 4);
    expect(() => Sequential.load(c1)).toThrow(/truncated/);
    const c2 = clone();
    c2.topology.params[0].shape = [3, 16];
    expect(() => Sequential.load(c2)).toThrow(/describes|shape/);
    const c3 = clone();
    c3.topology.layers[1].kind = 'lstm'; // a kind wasmnn does not have (this was conv2d before there were convolutions)
    expect(() => Sequential.load(c3)).toThrow(/topology does not match its checksum/);
    expect(() => Sequential.load(reseal(c3))).toThrow(/layer 1 has unknown type 'lstm'/);
    const c4 = clone();
    new DataView(c4.weights).setFloat32(8, NaN, true);
    expect(() => Sequential.load(c4)).toThrow(/weight buffer does not match its checksum/);
    expect(() => Sequential.load(reseal(c4))).toThrow(/value 2 of the weight buffer is NaN/);
    const c5 = clone();
    c5.topology.version = 99;
    expect(() => Sequential.load(c5)).toThrow(/format version 99 is not supported/);
    const c6 = clone();
    c6.topology.format = 'keras';
    expect(() => Sequential.load(c6)).toThrow(/format 'keras'/);
    const c7 = clone();
    (c7.topology.training as any).optimizer.kind = 'lion';
    expect(() => Sequential.load(reseal(c7))).toThrow(/unknown optimizer 'lion'/);
    const c8 = clone();
    c8.topology.rng = [1, 2];
    expect(() => Sequential.load(reseal(c8))).toThrow(/PRNG state must be 12/);
  });
});
