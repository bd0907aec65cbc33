import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, losses, optimizers, parameter, TrainingError, data } from 'wasmnn';
import { csvRows } from '../helpers/fixtures.js';

let arena: { grows: number; bytesInUse: number; liveBlocks: number };
beforeAll(async () => {
  arena = (await init()).arena;
});

function moons() {
  const rows = csvRows('moons_300_noise0.5.csv');
  return { x: rows.map((r) => r.slice(0, 2)), y: rows.map((r) => [r[2]]) };
}

function net(seed: number, extra: object = {}) {
  return new Sequential(
    [
      layers.dense({ inputDim: 2, units: 20, activation: 'relu', kernelInitializer: 'heNormal', ...extra }),
      layers.dense({ units: 3, activation: 'relu' }),
      layers.dense({ units: 1 }),
    ],
    { seed },
  );
}

describe('training', () => {
  it('a seeded run repeats bit for bit, and another seed differs', async () => {
    const { x, y } = moons();
    const bits = async (seed: number) => {
      const m = net(seed);
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.2 }) });
      await m.fit(x, y, { epochs: 5, batchSize: 32, shuffle: true });
      return m.getWeights().map((w) => Array.from(new Uint32Array(w.buffer.slice(0))));
    };
    const a = await bits(7);
    expect(await bits(7)).toEqual(a);
    expect(await bits(8)).not.toEqual(a);
  });

  it('a Loss object that returns its value (the older interface) trains exactly as one that writes ctx.value', async () => {
    const { x, y } = moons();
    const run = async (loss: any) => {
      const m = net(3);
      m.compile({ loss, optimizer: optimizers.sgd({ lr: 0.2 }) });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 50 });
      return { loss: h.loss, w: m.getWeights().map((w) => Array.from(w)) };
    };
    const returning = {
      name: 'bceReturning',
      compute: (ctx: any, grad: number, pred: number, target: number, rows: number, cols: number) => {
        const n = rows * cols;
        return ctx.k.bce_logits_f32(grad, pred, target, n, 1 / n) / n;
      },
      getConfig: () => ({ name: 'bceReturning' }),
    };
    const want = await run('bceWithLogits');
    expect(want.loss.every(Number.isFinite)).toBe(true);
    expect(await run(returning)).toEqual(want);
    expect(await run(losses.bceWithLogits())).toEqual(want);
  });

  it("a sample's prediction does not depend on the batch it comes in, bit for bit", async () => {
    const { x, y } = moons();
    const m = new Sequential([
      layers.dense({ inputDim: 2, units: 16, activation: 'gelu' }),
      layers.batchNorm(),
      layers.dense({ units: 3, activation: 'tanh' }),
      layers.dense({ units: 1 }),
    ], { seed: 5 });
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
    await m.fit(x, y, { epochs: 2, batchSize: 64 });
    const whole = Array.from(m.predict(x).data);
    const parts: number[] = [];
    // Single rows, blocks of four and their leftovers, and larger batches.
    for (let i = 0, call = 0; i < x.length; call++) {
      const size = [1, 7, 3, 4, 50][call % 5];
      parts.push(...m.predict(x.slice(i, i + size)).data);
      i += size;
    }
    expect(parts).toEqual(whole);
  });

  it('100 training steps grow neither wasm memory nor the arena', async () => {
    const { x, y } = moons();
    const m = net(1);
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['accuracy'], batchSize: 30 });
    await m.fit(x, y, { epochs: 1, batchSize: 30 }); // warm: the data set's blocks are allocated once and freed
    const grows = arena.grows;
    const inUse = arena.bytesInUse;
    let steps = 0;
    const seen: number[] = [];
    await m.fit(x, y, {
      epochs: 10, // 10 batches per epoch -> 100 steps
      batchSize: 30,
      onEpochEnd: () => {
        steps += 10;
        seen.push(arena.bytesInUse);
      },
    });
    expect(steps).toBe(100);
    expect(arena.grows).toBe(grows);
    // During fit the resident data set is the only addition, and it is constant across epochs.
    expect(new Set(seen).size).toBe(1);
    expect(arena.bytesInUse).toBe(inUse);
  });

  it('trains a moons classifier above chance on held-out data', async () => {
    const { x, y } = moons();
    const m = net(0);
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.2 }), metrics: ['accuracy'] });
    const h = await m.fit(x.slice(0, 200), y.slice(0, 200), { epochs: 60, batchSize: 32, validationData: [x.slice(200), y.slice(200)] });
    expect(h.loss[h.loss.length - 1]).toBeLessThan(h.loss[0]);
    expect(h.valAccuracy[h.valAccuracy.length - 1]).toBeGreaterThan(0.7);
    expect(h.epoch).toHaveLength(60);
  });

  it('8x8 digits: a 64-64-10 network reaches at least 95% test accuracy', async () => {
    const all = await data.loadBuiltin('digits');
    const scaled = new data.Matrix(all.x.data.map((v) => v / 16), all.x.rows, all.x.cols);
    const { train, test } = data.trainTestSplit(scaled, all.y, { testSize: 0.25, seed: 0 });
    const m = new Sequential(
      [layers.dense({ inputDim: 64, units: 64, activation: 'relu', kernelInitializer: 'heNormal' }), layers.dense({ units: 10 })],
      { seed: 0 },
    );
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['accuracy'] });
    await m.fit(train.x, train.y, { epochs: 40, batchSize: 32 });
    expect(test.x.rows).toBe(450);
    expect(m.evaluate(test.x, test.y).accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it('free-standing parameters: sgd on 0.5*w^2 from w=1 gives 0.99 then 0.9801', () => {
    const w = parameter([1], [1]);
    const opt = optimizers.sgd({ lr: 0.01 }, [w]);
    w.grad.set([w.value[0]]); // d(0.5 w^2)/dw = w
    opt.step();
    expect(w.value[0]).toBeCloseTo(0.99, 7);
    w.grad.set([w.value[0]]);
    opt.step();
    expect(w.value[0]).toBeCloseTo(0.9801, 6);
  });

  it('NaN loss stops training with a clear error and leaves the last good weights', async () => {
    const { x, y } = moons();
    const m = net(2);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 1e6 }) });
    let before: Float32Array[] = [];
    const err = await m
      .fit(x, y, { epochs: 50, batchSize: 300, shuffle: false, onEpochEnd: () => void (before = m.getWeights()) })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect(String(err.message)).toMatch(/loss became (NaN|Infinity)|gradient became non-finite/);
    // The failing step did not update: the weights are those after the last good epoch.
    expect(m.getWeights()).toEqual(before);
  });
});

describe('errors name the problem', () => {
  const m = () => {
    const model = net(0);
    model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) });
    return model;
  };
  it('shape mismatches', async () => {
    await expect(m().fit([[1, 2]], [[1], [0]])).rejects.toThrow(/x has 1 rows but y has 2/);
    await expect(m().fit([[1, 2, 3]], [[1]])).rejects.toThrow(/3 columns but the model takes 2 inputs/);
    await expect(m().fit([[1, 2]], [[1, 0]])).rejects.toThrow(/y has 2 columns but the model outputs 1/);
    expect(() => new Sequential([layers.dense({ inputDim: 2, units: 3 }), layers.dense({ inputDim: 4, units: 1 })])).toThrow(/inputDim 4 but the previous layer gives 3/);
    expect(() => new Sequential([layers.dense({ units: 3 })])).toThrow(/first layer needs inputDim/);
  });
  it('NaN and Infinity in data', async () => {
    await expect(m().fit([[1, NaN]], [[1]])).rejects.toThrow(/NaN/);
    await expect(m().fit([[1, 2]], [[Infinity]])).rejects.toThrow(/Infinity/);
    // trainOnBatch scans in wasm after copying; the message still names the value and its place,
    // whether it falls in a SIMD lane or the scalar tail, and the weights are untouched.
    const model = m();
    model.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    const before = model.getWeights().map((w) => Array.from(w));
    const x = Array.from({ length: 5 }, (_, r) => [r, -r]);
    const y = x.map(() => [1]);
    for (const [r, c, v] of [[1, 0, NaN], [4, 1, -Infinity]] as const) {
      const bad = x.map((row) => row.slice());
      bad[r][c] = v;
      expect(() => model.trainOnBatch(bad, y)).toThrow(new RegExp(`x contains ${v} at row ${r}, column ${c}`));
      const badY = y.map((row) => row.slice());
      badY[r][0] = v;
      expect(() => model.trainOnBatch(x, badY)).toThrow(new RegExp(`y contains ${v} at row ${r}, column 0`));
    }
    expect(model.getWeights().map((w) => Array.from(w))).toEqual(before);
  });
  it('trainOnBatch on { data: Float32Array, shape } (read in place): the same checks by name', () => {
    const model = m();
    model.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    const x = { data: new Float32Array([1, 2, 3, 4]), shape: [2, 2] as [number, number] };
    const y = { data: new Float32Array([1, 0]), shape: [2, 1] as [number, number] };
    expect(Number.isFinite(model.trainOnBatch(x, y))).toBe(true);
    expect(() => model.trainOnBatch({ data: new Float32Array(3), shape: [2, 2] }, y)).toThrow(/x: shape \[2, 2\] needs 4 values, data has 3/);
    expect(() => model.trainOnBatch({ data: new Float32Array(6), shape: [2, 3] }, y)).toThrow(/x has 3 columns but the model takes 2 inputs/);
    expect(() => model.trainOnBatch(x, { data: new Float32Array(3), shape: [3, 1] })).toThrow(/x has 2 rows but y has 3/);
    expect(() => model.trainOnBatch(x, { data: new Float32Array(2), shape: [2.5, 1] as never })).toThrow(/y: shape \[2.5,1\] must be positive integers/);
  });
  it('unknown names and bad hyper-parameters', () => {
    expect(() => layers.dense({ units: 2, activation: 'relux' as never })).toThrow(/unknown activation 'relux'/);
    expect(() => net(0).compile({ loss: 'msee' as never, optimizer: optimizers.sgd({ lr: 0.1 }) })).toThrow(/unknown loss 'msee'/);
    expect(() => optimizers.sgd({ lr: 0 })).toThrow(/lr must be a positive/);
    expect(() => optimizers.sgd({ lr: -1 })).toThrow(/lr must be a positive/);
    expect(() => layers.dense({ units: 0 })).toThrow(/units must be a positive integer/);
    expect(() => net(0).compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['acc' as never] })).toThrow(/unknown metric 'acc'/);
  });
  it('labels out of range', async () => {
    const model = new Sequential([layers.dense({ inputDim: 2, units: 3 })]);
    model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.sgd({ lr: 0.1 }) });
    await expect(model.fit([[1, 2]], [[3]])).rejects.toThrow(/label 3 is not a class index in \[0, 2\]/);
    await expect(model.fit([[1, 2]], [[1.5]])).rejects.toThrow(/label 1.5/);
  });
  it('a logits loss after a squashing activation', () => {
    const model = new Sequential([layers.dense({ inputDim: 2, units: 1, activation: 'sigmoid' })]);
    expect(() => model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) })).toThrow(/takes raw scores/);
  });
  it('setWeights with a wrong shape changes nothing', () => {
    const model = net(0);
    const w = model.getWeights();
    const bad = w.map((a) => Array.from(a));
    bad[5] = [1, 2];
    expect(() => model.setWeights(bad)).toThrow(/dense_2\/bias has shape \[1\] \(1 values\), got 2/);
    expect(model.getWeights()).toEqual(w);
  });
});

describe('memory growth during training', () => {
  it('growing wasm memory between epochs (detaching every view) leaves training bit-identical', async () => {
    const { x, y } = moons();
    const run = async (grow: boolean) => {
      const m = net(11);
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['accuracy'] });
      const blocks: number[] = [];
      const h = await m.fit(x, y, {
        epochs: 4, batchSize: 50,
        onEpochEnd: () => {
          if (grow) blocks.push((arena as any).alloc(8 * 65536)); // beyond the current memory: it grows
        },
      });
      for (const b of blocks) (arena as any).release(b);
      return { w: m.getWeights(), h };
    };
    const grows = arena.grows;
    const a = await run(true);
    expect(arena.grows).toBeGreaterThan(grows);
    const b = await run(false);
    expect(a.w).toEqual(b.w);
    expect(a.h).toEqual(b.h); // metrics read through re-derived views: no stale (detached) view was used
  });
});

describe('metrics', () => {
  it('mse and mae over a batch, worked by hand; accuracy by argmax against one-hot targets', () => {
    const m = new Sequential([layers.dense({ inputDim: 1, units: 2, kernelInitializer: 'ones', biasInitializer: 'zeros' })]);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['mse', 'mae', 'accuracy'] });
    // Outputs: x=1 -> [1, 1], x=2 -> [2, 2]. Targets [0, 1] and [2, 5]: errors 1, 0, 0, -3.
    // mse = (1 + 0 + 0 + 9)/4 = 2.5; mae = (1 + 0 + 0 + 3)/4 = 1. Argmax of [1,1] is 0 (first), target argmax 1: wrong;
    // [2,2] -> 0, target [2,5] -> 1: wrong. Accuracy 0.
    const r = m.evaluate([[1], [2]], [[0, 1], [2, 5]]);
    expect(r.mse).toBeCloseTo(2.5, 6);
    expect(r.mae).toBeCloseTo(1, 6);
    expect(r.loss).toBeCloseTo(2.5, 6);
    expect(r.accuracy).toBe(0);
    expect(m.evaluate([[1], [2]], [[1, 0], [3, 0]]).accuracy).toBe(1);
  });
});
