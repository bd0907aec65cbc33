// Lifecycle and ownership, and the checks that keep training from going wrong quietly (#12):
// failure paths release what they took, sharing is refused by name, a disposed object says so,
// a second init() leaves models working, forgotten models give their memory back, targets must
// fit the loss, and a non-finite step stops before it damages the weights.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Model, Sequential, input, layers, losses, optimizers, parameter, valueAndGrad, ops, OutOfMemoryError, TrainingError, type Runtime } from 'wasmnn';

let rt: Runtime;
beforeAll(async () => {
  rt = await init(undefined, { simd: 'plain' });
});

const x = [[0, 1], [1, 0], [1, 1], [0, 0], [0.5, 0.2], [0.1, 0.9]];
const y = [[1], [1], [0], [0], [1], [0]];
const small = (seed = 0) => new Sequential([layers.dense({ inputDim: 2, units: 4, activation: 'tanh' }), layers.dense({ units: 1 })], { seed });
const bits = (ws: Float32Array[]) => ws.map((w) => Array.from(new Uint32Array(w.slice().buffer)));

describe('failure paths release what they took', () => {
  it('a compile whose plan cannot fit leaves nothing behind, and a model needing most of the memory then trains', () => {
    const wide = () => new Sequential([layers.dense({ inputDim: 1024, units: 1024, activation: 'relu' }), layers.dense({ units: 1 })]);
    const m = wide();
    const before = rt.arena.bytesInUse;
    expect(() => m.compile({ loss: 'mse', optimizer: optimizers.adam(), batchSize: 2 ** 22 })).toThrow(OutOfMemoryError);
    expect(rt.arena.bytesInUse).toBe(before);
    expect(() => m.trainOnBatch([[1]], [[1]])).toThrow(/call model.compile/);
    // About 2.5 GiB of plan: had the failed compile kept a partial plan, this would not fit in 4 GiB.
    m.compile({ loss: 'mse', optimizer: optimizers.adam(), batchSize: 200_000 });
    expect(m.planBytes).toBeGreaterThan(2 * 2 ** 30);
    const xs = { data: new Float32Array(4 * 1024).fill(0.01), shape: [4, 1024] as [number, number] };
    expect(Number.isFinite(m.trainOnBatch(xs, [[1], [0], [1], [0]]))).toBe(true);
    m.dispose();
    expect(rt.arena.bytesInUse).toBeLessThan(before);
  });
});

describe('sharing is refused by name, never silent', () => {
  it('one optimizer for two models: the second compile names the first model, which still trains', async () => {
    const a = new Sequential([layers.dense({ inputDim: 2, units: 1 })], { name: 'first' });
    const opt = optimizers.sgd({ lr: 0.5 });
    a.compile({ loss: 'bceWithLogits', optimizer: opt });
    const b = small();
    expect(() => b.compile({ loss: 'bceWithLogits', optimizer: opt })).toThrow(/already trains the model 'first'/);
    const w0 = a.getWeights();
    await a.fit(x, y, { epochs: 2 });
    expect(bits(a.getWeights())).not.toEqual(bits(w0));
    const mine = optimizers.sgd({ lr: 0.1 }, [parameter([1])]);
    expect(() => b.compile({ loss: 'mse', optimizer: mine })).toThrow(/already updates 1 parameter/);
  });
});

describe('a disposed object says so', () => {
  it('model, its parameters, its optimizer and a valueAndGrad function; dispose() twice is harmless', () => {
    const m = small();
    const opt = optimizers.adam();
    m.compile({ loss: 'bceWithLogits', optimizer: opt });
    const p = m.parameters()[0];
    m.dispose();
    m.dispose();
    for (const call of [() => m.predict(x), () => m.evaluate(x, y), () => m.trainOnBatch(x, y), () => m.getWeights(), () => m.summary(false), () => m.save()]) {
      expect(call).toThrow(/was disposed/);
    }
    expect(() => p.value).toThrow(/parameter dense_0\/kernel was disposed/);
    expect(() => opt.step()).toThrow(/adam optimizer was disposed/);
    const w = parameter([1], [2]);
    const f = valueAndGrad(() => ops.square(w));
    expect(f()).toBe(4);
    w.dispose();
    w.dispose();
    expect(() => f()).toThrow(/parameter parameter was disposed/);
    f.dispose();
    expect(() => f()).toThrow(/function was disposed/);
  });
  it('a disposed model frees its layers for another model', () => {
    const l = layers.dense({ inputDim: 2, units: 1 });
    new Sequential([l]).dispose();
    expect(() => new Sequential([l])).not.toThrow();
  });
});

describe('a second init() with another build', () => {
  it('leaves a model built before it training exactly as it would have', async () => {
    const a = small(3), b = small(3);
    for (const m of [a, b]) m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.05 }) });
    await b.fit(x, y, { epochs: 3, batchSize: 3 });
    await b.fit(x, y, { epochs: 3, batchSize: 3 });
    await a.fit(x, y, { epochs: 3, batchSize: 3 });
    const other = await init(undefined, { simd: 'relaxed' });
    expect(other).not.toBe(rt);
    await a.fit(x, y, { epochs: 3, batchSize: 3 });
    expect(bits(a.getWeights())).toEqual(bits(b.getWeights()));
    rt = await init(undefined, { simd: 'plain' });
  });
});

describe('forgotten models give their memory back', () => {
  it('1000 trained models, parameters and valueAndGrad functions nobody disposes are freed when collected', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', 'test/model/finalize.mjs'], { encoding: 'utf8' });
    const r = JSON.parse(out);
    expect(r.peakMiB).toBeGreaterThan(10);
    expect(r.leftBytes).toBe(0);
  });
});

describe('training must not go wrong quietly', () => {
  it('fit, evaluate, trainOnBatch and lossAndGradients without targets are refused', async () => {
    const m = small();
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) });
    await expect(m.fit(x, undefined as never)).rejects.toThrow(/fit\(x, y\) needs the targets y/);
    expect(() => m.evaluate(x, undefined as never)).toThrow(/evaluate\(x, y\) needs the targets/);
    expect(() => m.trainOnBatch(x, undefined as never)).toThrow(/trainOnBatch\(x, y\) needs the targets/);
    expect(() => m.lossAndGradients(x, undefined as never)).toThrow(/lossAndGradients\(x, y\) needs the targets/);
  });
  it('targets that do not fit the loss or the metric', async () => {
    const m = small();
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) });
    await expect(m.fit(x, y.map(([v]) => [v * 2]))).rejects.toThrow(/y row 0: 2 is not a probability in \[0, 1\], as bceWithLogits targets must be/);
    expect(() => small().compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.sgd({ lr: 0.1 }) })).toThrow(/softmaxCrossEntropy over one output unit/);
    expect(() => small().compile({ loss: 'bce', optimizer: optimizers.sgd({ lr: 0.1 }) })).toThrow(/bce takes probabilities, but the model's output is not a sigmoid/);
    const p = new Sequential([layers.dense({ inputDim: 2, units: 1, activation: 'sigmoid' })]);
    expect(() => p.compile({ loss: 'bce', optimizer: optimizers.sgd({ lr: 0.1 }) })).not.toThrow();
    const r = small();
    r.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }), metrics: ['accuracy'] });
    expect(() => r.evaluate(x, y.map(([v]) => [v + 0.5]))).toThrow(/y row 0: 1.5 is not a class \(0 or 1\), which the metric 'accuracy' counts/);
  });
  it('errors about validation data say so', async () => {
    const m = small();
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) });
    await expect(m.fit(x, y, { validationData: [[[1, 2, 3]], [[1]]] })).rejects.toThrow(/validationData x has 3 columns but the model takes 2/);
    await expect(m.fit(x, y, { validationData: [[[1, 2]], [[NaN]]] })).rejects.toThrow(/validationData y/);
    await expect(m.fit(x, y, { validationData: [[[1, 2]], [[3]]] })).rejects.toThrow(/validationData y row 0: 3 is not a probability/);
  });
  it('a custom loss whose gradient is NaN stops fit before the update, weights as they were', async () => {
    const m = small();
    const nanGrad = losses.custom({ value: () => 1, gradient: (_p, _t, g) => g.fill(NaN) });
    m.compile({ loss: nanGrad, optimizer: optimizers.sgd({ lr: 0.1 }) });
    const w0 = m.getWeights();
    const err = await m.fit(x, y, { epochs: 3 }).catch((e) => e);
    expect(err).toBeInstanceOf(TrainingError);
    expect(String(err.message)).toMatch(/the gradient became non-finite \(the loss was 1\) at epoch 0, batch 0; the weights are left as they were/);
    expect(bits(m.getWeights())).toEqual(bits(w0));
  });
  it('lossAndGradients(x, y, { pure: true }) puts the dropout stream and running statistics back', async () => {
    const make = () => {
      const m = new Sequential([layers.dense({ inputDim: 2, units: 6 }), layers.batchNorm(), layers.dropout({ rate: 0.3 }), layers.dense({ units: 1 })], { seed: 4 });
      m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
      return m;
    };
    const a = make(), b = make();
    const g1 = a.lossAndGradients(x, y, { pure: true });
    const g2 = a.lossAndGradients(x, y, { pure: true });
    expect(g2.loss).toBe(g1.loss);
    expect(bits(g2.grads)).toEqual(bits(g1.grads));
    await a.fit(x, y, { epochs: 3, batchSize: 3 });
    await b.fit(x, y, { epochs: 3, batchSize: 3 });
    expect(bits(a.getWeights())).toEqual(bits(b.getWeights()));
    expect(bits([a.predict(x).data])).toEqual(bits([b.predict(x).data]));
  });
  it('a functional model checks the same way', () => {
    const i = input([2]);
    const m = new Model({ inputs: i, outputs: layers.dense({ units: 1 }).apply(i) });
    expect(() => m.compile({ loss: 'bce', optimizer: optimizers.sgd({ lr: 0.1 }) })).toThrow(/bce takes probabilities/);
  });
});
