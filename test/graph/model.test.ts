// Functional models on the graph engine: residual, several inputs, a shared layer, save and load,
// shape errors at build time, the memory plan, a loss written with ops, and the batch replanned.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Model, Sequential, input, ops, layers, losses, optimizers, parameter, valueAndGrad } from 'wasmnn';
import { moons, bits } from '../helpers/fixtures.js';
import { reseal } from '../helpers/reseal.js';

beforeAll(async () => {
  await init(undefined, { simd: 'plain' });
});

const { x, y } = moons();

function residual(seed = 0) {
  const inp = input([2]);
  const h1 = layers.dense({ units: 8, activation: 'tanh' }).apply(inp);
  const h2 = layers.dense({ units: 8 }).apply(h1);
  const out = layers.dense({ units: 1 }).apply(ops.relu(ops.add(h1, h2)));
  return new Model({ inputs: inp, outputs: out }, { seed });
}

describe('functional models', () => {
  it('a residual model trains (loss falls by half on moons) and names its layers in first-application order', async () => {
    const m = residual();
    expect(m.layers.map((l) => l.name)).toEqual(['dense_0', 'dense_1', 'dense_2']);
    expect(m.parameters().map((p) => p.name)).toEqual(['dense_0/kernel', 'dense_0/bias', 'dense_1/kernel', 'dense_1/bias', 'dense_2/kernel', 'dense_2/bias']);
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.02 }), metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 30, batchSize: 32 });
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0] * 0.9);
    expect(h.accuracy.at(-1)!).toBeGreaterThan(0.7);
  });

  it('a Sequential model and the same chain built functionally compute the same bits', async () => {
    const make = () => [layers.dense({ inputDim: 2, units: 6, activation: 'relu' }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 1 })];
    const s = new Sequential(make(), { seed: 3 });
    const [a, b, c] = make();
    const inp = input([2]);
    const f = new Model({ inputs: inp, outputs: c.apply(b.apply(a.apply(inp))) }, { seed: 3 });
    for (const m of [s, f]) {
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1, momentum: 0.9 }) });
      await m.fit(x, y, { epochs: 3, batchSize: 20 });
    }
    expect(bits(f.getWeights())).toEqual(bits(s.getWeights()));
  });

  it('two inputs through concat: fit([x1, x2], y) and predict([x1, x2])', async () => {
    const a = input([1]), b = input([1]);
    const out = layers.dense({ units: 1 }).apply(layers.dense({ units: 8, activation: 'relu' }).apply(ops.concat([a, b], 1)));
    const m = new Model({ inputs: [a, b], outputs: out }, { seed: 1 });
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.02 }) });
    const x1 = x.map((r) => [r[0]]), x2 = x.map((r) => [r[1]]);
    const h = await m.fit([x1, x2], y, { epochs: 20, batchSize: 50 });
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0]);
    const p = m.predict([x1, x2]);
    expect(p.rows).toBe(x.length);
    await expect(m.fit(x as never, y)).rejects.toThrow(/2 inputs/);
  });

  it('a layer applied twice shares its weights and the gradients add up (checked by finite differences)', () => {
    const inp = input([3]);
    const shared = layers.dense({ units: 3, activation: 'tanh' });
    const out = layers.dense({ units: 1 }).apply(shared.apply(shared.apply(inp)));
    const m = new Model({ inputs: inp, outputs: out }, { seed: 2 });
    expect(m.layers.length).toBe(2);
    expect(m.countParams()).toBe(12 + 4);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    const xs = [[0.3, -0.2, 0.5], [0.1, 0.4, -0.3], [-0.5, 0.2, 0.1], [0.2, 0.2, 0.2]];
    const ys = [[0.5], [-0.2], [0.1], [0.3]];
    const { grads } = m.lossAndGradients(xs, ys);
    const w = m.getWeights();
    const lossAt = (ws: Float32Array[]) => {
      m.setWeights(ws);
      return m.evaluate(xs, ys).loss;
    };
    for (let i = 0; i < 9; i++) {
      const h = 1e-2;
      const plus = w.map((a) => a.slice()), minus = w.map((a) => a.slice());
      plus[0][i] += h;
      minus[0][i] -= h;
      const fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
      expect(Math.abs(fd - grads[0][i])).toBeLessThan(2e-3 * Math.max(1, Math.abs(fd)));
    }
  });

  it('refuses a layer that already belongs to another model, naming it', () => {
    const l = layers.dense({ inputDim: 2, units: 2 });
    new Sequential([l]);
    expect(() => new Sequential([l])).toThrow(/'dense_0' already belongs to another model/);
  });
});

describe('fit and predict details', () => {
  it('validationSplit holds out the last rows before shuffling, as Keras', async () => {
    const m = residual(1);
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
    const h = await m.fit(x, y, { epochs: 2, validationSplit: 0.25 });
    const n = residual(1);
    n.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
    const h2 = await n.fit(x.slice(0, 225), y.slice(0, 225), { epochs: 2, validationData: [x.slice(225), y.slice(225)] });
    expect(h.valLoss).toEqual(h2.valLoss);
    await expect(m.fit(x, y, { validationSplit: 1.5 })).rejects.toThrow(/validationSplit must be a fraction in \(0, 1\), got 1.5/);
  });
  it('classWeight: the loss is the sum of weighted row losses over the batch size, as Keras', async () => {
    const make = (lr: number) => {
      const m = new Sequential([layers.dense({ inputDim: 2, units: 5, activation: 'tanh' }), layers.dense({ units: 1 })], { seed: 6 });
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr }) });
      return m;
    };
    // The first epoch's loss (one full batch) from the predictions before it, worked in float64.
    const m = make(0.1);
    const z = m.predict(x).data;
    let want = 0;
    z.forEach((v, r) => (want += (y[r][0] ? 3 : 0.5) * (Math.max(v, 0) - v * y[r][0] + Math.log1p(Math.exp(-Math.abs(v))))));
    want /= x.length;
    const h = await m.fit(x, y, { epochs: 1, batchSize: x.length, shuffle: false, classWeight: { 0: 0.5, 1: 3 } });
    expect(Math.abs(h.loss[0] - want)).toBeLessThan(1e-6);
    // Weight 0 for class 0: the gradient is class 1's rows' gradient times n1 / n.
    const ones = x.filter((_, r) => y[r][0] === 1), n1 = ones.length;
    const a = make(0.1), b = make(0.1 * n1 / x.length);
    await a.fit(x, y, { epochs: 5, batchSize: x.length, shuffle: false, classWeight: [0, 1] });
    await b.fit(ones, ones.map(() => [1]), { epochs: 5, batchSize: n1, shuffle: false });
    a.getWeights().forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - b.getWeights()[i][j])).toBeLessThan(1e-5)));
    await expect(make(0.1).fit(x, y, { classWeight: { 2: 1 } })).rejects.toThrow(/classWeight has class "2", not a class index in \[0, 1\]/);
  });
  it('predict of an output with fixed rows (a reduction over the batch) takes every row at once', () => {
    const inp = input([2]);
    const m = new Model({ inputs: inp, outputs: [layers.dense({ units: 1 }).apply(inp), ops.sum(inp, 0, true)] });
    const big = Array.from({ length: 2000 }, (_, i) => [i % 3, 1]);
    const [, s] = m.predict(big) as unknown as [unknown, { rows: number; cols: number; data: Float32Array }];
    expect([s.rows, s.cols]).toEqual([1, 2]);
    expect(Array.from(s.data)).toEqual([big.reduce((a, r) => a + r[0], 0), 2000]);
  });
});

describe('shape errors at build time', () => {
  it('name the op and both shapes', () => {
    expect(() => ops.add(input([3]), input([4]))).toThrow(/add: shapes \[batch, 3\] and \[batch, 4\] do not broadcast/);
    expect(() => ops.matmul(input([3]), parameter([4, 2]))).toThrow(/matmul: \[batch, 3\] @ \[4, 2\]/);
    expect(() => ops.concat([input([3]), parameter([2, 2])])).toThrow(/concat/);
  });
  it('refuse an int32 input in a float op', () => {
    expect(() => ops.add(input([1], { dtype: 'int32' }), 1)).toThrow(/add takes float32 tensors, got an int32 input of shape \[batch, 1\]/);
  });
  it('name the layer', () => {
    const l = layers.dense({ units: 2, name: 'hidden' });
    l.apply(input([3]));
    expect(() => l.apply(input([4]))).toThrow(/hidden was first applied to 3 columns, now to \[batch, 4\]/);
  });
});

describe('save and load a functional model', () => {
  it('round-trips the graph bit for bit, and training after load equals training on', async () => {
    const m = residual(5);
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
    await m.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false });
    const saved = m.save({ includeOptimizer: true });
    expect(saved.topology.format).toBe('wasmnn-model');
    const n = Model.load(saved);
    expect(bits([n.predict(x).data])).toEqual(bits([m.predict(x).data]));
    await m.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false });
    await n.fit(x, y, { epochs: 2, batchSize: 32, shuffle: false });
    expect(bits(n.getWeights())).toEqual(bits(m.getWeights()));
    expect(() => Sequential.load(saved)).toThrow(/functional model.*Model\.load/);
  });
  it('refuses a graph node that refers to a later node', () => {
    const saved = residual().save();
    const g = saved.topology.graph!;
    g.nodes[0].inputs = [{ node: 3, output: 0 }];
    expect(() => Model.load(saved)).toThrow(/topology does not match its checksum/);
    expect(() => Model.load(reseal(saved))).toThrow(/graph node 0 operand 0 refers to/);
  });
});

describe('summary of a functional model', () => {
  it('lists every call in order with what it reads, a shared layer counted once', () => {
    const inp = input([3], { name: 'features' });
    const shared = layers.dense({ units: 3, activation: 'tanh' });
    const a = shared.apply(inp);
    const out = layers.dense({ units: 1 }).apply(ops.add(shared.apply(a), a));
    const text = new Model({ inputs: inp, outputs: out }).summary(false);
    expect(text).toMatch(/dense_0 \(dense, tanh\)\s+\[batch, 3\]\s+12\s+9\s+18\s+12\s+features\n/);
    expect(text).toMatch(/dense_0 \(dense, tanh, shared\)\s+\[batch, 3\]\s+0\s+9\s+18\s+12\s+dense_0\n/);
    expect(text).toMatch(/add\s+\[batch, 3\]\s+0\s+0\s+0\s+12\s+dense_0, dense_0\n/);
    // Output bytes: 3 floats for each of dense_0, its shared call and add, 1 for dense_3: 10 floats.
    expect(text).toContain('Outputs per sample (feature maps, float32): 10 floats, 40 bytes (0.04 KiB)');
    expect(text).toContain('Total params: 16 (trainable 16, non-trainable 0)');
  });
});

describe('the memory plan', () => {
  it('a 20-layer chain plans well under the sum of its buffers, and summary() reports it', () => {
    const ls = [layers.dense({ inputDim: 64, units: 64, activation: 'tanh' })];
    for (let i = 1; i < 20; i++) ls.push(layers.dense({ units: 64, activation: 'tanh' }));
    const m = new Sequential(ls);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.01 }), batchSize: 128 });
    const prog = (m as unknown as { compiled: { programs: { prog: { planBytes: number; unsharedBytes: number } }[] } }).compiled.programs[3].prog;
    // Forward values must live until the backward reads them; gradients die one layer later and
    // are written in place. Measured: 1.34 MiB, 0.42 of the 3.2 MiB that one buffer per tensor would take.
    expect(prog.planBytes).toBeLessThan(0.6 * prog.unsharedBytes);
    expect(m.summary(false)).toContain(`activations for a batch of 128: ${(m.planBytes / 2 ** 20).toFixed(2)} MiB`);
  });
});

describe('losses written with ops', () => {
  it('losses.custom((pred, target) => mean of squares) trains like the built-in mse', async () => {
    const run = async (loss: Parameters<Sequential['compile']>[0]['loss']) => {
      const m = new Sequential([layers.dense({ inputDim: 2, units: 4, activation: 'tanh' }), layers.dense({ units: 1 })], { seed: 4 });
      m.compile({ loss, optimizer: optimizers.sgd({ lr: 0.1 }) });
      await m.fit(x, y, { epochs: 3, batchSize: 30, shuffle: false });
      return m.getWeights();
    };
    const mine = await run(losses.custom((p, t) => ops.mean(ops.square(ops.sub(p, t)))));
    const builtin = await run('mse');
    mine.forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - builtin[i][j])).toBeLessThan(1e-5)));
  });
});

describe('valueAndGrad', () => {
  it('replans for a larger batch and keeps the smaller one right', () => {
    const W = parameter([2, 1], [0.5, -0.25]);
    const f = valueAndGrad((xs) => ops.sum(ops.matmul(xs, W)), [input([2])]);
    expect(f([[1, 2]])).toBeCloseTo(0, 6);
    const big = Array.from({ length: 50 }, () => [1, 1]);
    expect(f(big)).toBeCloseTo(50 * 0.25, 5);
    expect(Array.from(W.grad)).toEqual([50, 50]);
    expect(f([[2, 0]])).toBeCloseTo(1, 6);
    expect(Array.from(W.grad)).toEqual([2, 0]);
  });
  it('layers applied in the function without a model get weights of their own, for an optimizer', () => {
    const l1 = layers.dense({ units: 8, activation: 'tanh' }), l2 = layers.dense({ units: 1 });
    const step = valueAndGrad((xs, ys) => ops.bceWithLogits(l2.apply(l1.apply(xs)), ys), [input([2]), input([1])], { seed: 3 });
    expect(l1.weights.map((p) => p.shape)).toEqual([[2, 8], [8]]);
    const opt = optimizers.adam({ lr: 0.05 }, [...l1.weights, ...l2.weights]);
    const first = step(x, y);
    let last = first;
    for (let i = 0; i < 100; i++) {
      last = step(x, y);
      opt.step();
    }
    expect(last).toBeLessThan(0.8 * first);
    const i2 = input([2]);
    expect(() => new Model({ inputs: i2, outputs: l1.apply(i2) })).toThrow(/already belongs/);
  });
  it('refuses a class index out of range and a missing argument, at the call', () => {
    const W = parameter([2, 3]);
    const f = valueAndGrad((xs, ys) => ops.softmaxCrossEntropy(ops.matmul(xs, W), ys), [input([2]), input([1], { dtype: 'int32' })]);
    expect(f([[1, 2]], [[2]])).toBeCloseTo(Math.log(3), 6);
    expect(() => f([[1, 2]], [[3]])).toThrow(/row 0's label 3 is not a class index in \[0, 2\]/);
    expect(() => (f as unknown as (a: unknown) => number)([[1, 2]])).toThrow(/takes 2 data arguments \(one per input\); argument 1 is missing/);
  });
  it('refuses a function of an input it was not given, and a non-scalar result', () => {
    const stray = input([2]);
    const w = parameter([1, 2]);
    expect(() => valueAndGrad(() => ops.sum(ops.mul(stray, w)))).toThrow(/not in valueAndGrad's list of inputs/);
    expect(() => valueAndGrad(() => ops.mul(w, 2))).toThrow(/single value, got shape \[1, 2\]/);
  });
});
