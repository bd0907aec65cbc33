// A tiny sequence model on the layers: input([8], int32) -> embedding(11, 6) -> layerNormalization
// -> dense(11), softmax cross-entropy at every position over int32 targets [batch, 8], against
// PyTorch float64 (test/fixtures/seq-ops.json 'model', tools/golden/seq_ops.py): logits, the loss
// and gradients at the same float32 weights, 20 Adam steps' losses and the final weights. The same
// model as a functional graph, fit, save/load, summary, and the refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, optimizers, Sequential, type Layer } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';

interface A { shape: number[]; data: number[] }
const m = golden<{ model: { vocab: number; dim: number; time: number; x: A; y: A; lr: number; weights: A[]; names: string[]; logits0: A; grads: A[]; losses: number[]; finalWeights: A[] } }>('seq-ops.json').model;
const x = { data: Float32Array.from(m.x.data), shape: m.x.shape };
const y = { data: Float32Array.from(m.y.data), shape: m.y.shape };
const stack = (): Layer[] => [layers.embedding({ inputDim: m.vocab, outputDim: m.dim, inputShape: [m.time] }), layers.layerNormalization(), layers.dense({ units: m.vocab })];

function compiled<T extends Model>(model: T): T {
  model.setWeights(m.weights.map((w) => Float32Array.from(w.data)));
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: m.lr }), batchSize: 4 });
  return model;
}

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

describe('embedding -> layerNormalization -> dense, cross-entropy per position, against PyTorch', () => {
  it('logits, loss and gradients at the same weights; 20 Adam steps; the final weights', () => {
    const model = compiled(new Sequential(stack(), { seed: 0 }));
    expect(model.layers.map((l) => l.outputShape)).toEqual([[8, 6], [8, 6], [8, 11]]);
    const logits = model.predict(x);
    expect(logits.shape).toEqual([4, 8, 11]);
    expectClose(logits.data, m.logits0.data, 1e-5, 1e-6, 'logits');
    const { loss, grads } = model.lossAndGradients(x, y, { pure: true });
    expect(Math.abs(loss - m.losses[0])).toBeLessThan(1e-6 * m.losses[0]);
    grads.forEach((g, i) => expectClose(g, m.grads[i].data, 1e-4, 1e-6, `gradient of ${m.names[i]}`));
    const losses: number[] = [];
    for (let t = 0; t < 20; t++) losses.push(model.trainOnBatch(x, y) as number);
    expectClose(losses, m.losses.slice(0, 20), 2e-6, 0, 'loss before each step');
    expect(losses[19]).toBeLessThan(0.8 * losses[0]);
    model.getWeights().forEach((w, i) => expectClose(w, m.finalWeights[i].data, 1e-4, 2e-6, `final ${m.names[i]}`));
    model.dispose();
  });

  it('the gradients also as central differences of the loss', () => {
    const model = compiled(new Sequential(stack(), { seed: 0 }));
    const ps = model.parameters();
    const f = () => model.lossAndGradients(x, y, { pure: true });
    const loss = () => {
      const r = f();
      r.grads.forEach((g, i) => ps[i].grad.set(g));
      return r.loss;
    };
    // The embedding rows of ids 0 and 10 (both in x), gamma, beta, a kernel entry, a bias.
    expectCentralDifferences(loss, [[ps[0], 1], [ps[0], 10 * 6 + 5], [ps[1], 2], [ps[2], 4], [ps[3], 17], [ps[4], 3]], 2e-3, 1e-2);
    model.dispose();
  });

  it('as a functional Model: the same losses as the Sequential one, bit for bit; fit lowers the loss; accuracy per position', async () => {
    const ids = input({ shape: [8], dtype: 'int32' });
    const [e, n, d] = stack();
    const fn = compiled(new Model({ inputs: ids, outputs: d.apply(n.apply(e.apply(ids))) }, { seed: 0 }));
    const seq = compiled(new Sequential(stack(), { seed: 0 }));
    for (let t = 0; t < 3; t++) expect(fn.trainOnBatch(x, y)).toBe(seq.trainOnBatch(x, y));
    seq.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 0.05 }), metrics: ['accuracy'], batchSize: 2 });
    const h = await seq.fit(x, y, { epochs: 30, batchSize: 2 });
    // The rule (3x + t) mod 11 needs the position t, which nothing here sees: the loss falls, not to 0.
    expect(h.loss[29]).toBeLessThan(0.6 * h.loss[0]);
    const ev = seq.evaluate(x, y);
    expect(ev.accuracy).toBeGreaterThan(0.3);
    // Accuracy counts positions: the argmax of each [11] row of logits against its label.
    const p = seq.predict(x).data;
    let hits = 0;
    for (let r = 0; r < 32; r++) {
      const row = Array.from(p.subarray(r * 11, r * 11 + 11));
      if (row.indexOf(Math.max(...row)) === m.y.data[r]) hits++;
    }
    expect(ev.accuracy).toBeCloseTo(hits / 32, 10);
    fn.dispose();
    seq.dispose();
  });

  it('save and load keep the layers and their options, and predict the same bits (Sequential and functional)', () => {
    const model = compiled(new Sequential([layers.embedding({ inputDim: 11, outputDim: 6, inputShape: [8] }), layers.layerNormalization({ epsilon: 1e-3 }), layers.dense({ units: 11 })], { seed: 0 }));
    const again = Sequential.load(model.save());
    expect(again.layers.map((l) => l.getConfig())).toEqual(model.layers.map((l) => l.getConfig()));
    expect((again.layers[1].getConfig() as { epsilon: number }).epsilon).toBe(1e-3);
    expect(Array.from(again.predict(x).data)).toEqual(Array.from(model.predict(x).data));
    const ids = input({ shape: [8], dtype: 'int32' });
    const [e, n, d] = stack();
    const fn = compiled(new Model({ inputs: ids, outputs: d.apply(n.apply(e.apply(ids))) }, { seed: 0 }));
    const fn2 = Model.load(fn.save());
    expect(Array.from(fn2.predict(x).data)).toEqual(Array.from(fn.predict(x).data));
    for (const mm of [model, again, fn, fn2]) mm.dispose();
  });

  it('summary: shapes per position and parameter counts', () => {
    const model = compiled(new Sequential(stack(), { seed: 0 }));
    const s = model.summary();
    expect(s).toMatch(/embedding_0 \(embedding\)\s+\[batch, 8, 6\]\s+66/);
    expect(s).toMatch(/layer_normalization_1 \(layerNormalization\)\s+\[batch, 8, 6\]\s+12/);
    expect(s).toMatch(/dense_2 \(dense\)\s+\[batch, 8, 11\]\s+77/);
    model.dispose();
  });

  it('defaults: PyTorch nn.Embedding N(0, 1) and LayerNorm epsilon 1e-5, gamma 1, beta 0', () => {
    const model = new Sequential([layers.embedding({ inputDim: 1000, outputDim: 20, inputShape: [3] }), layers.layerNormalization()], { seed: 5 });
    const [table, gamma, beta] = model.getWeights();
    const mean = table.reduce((s, v) => s + v, 0) / table.length, sd = Math.sqrt(table.reduce((s, v) => s + (v - mean) ** 2, 0) / table.length);
    expect(Math.abs(mean)).toBeLessThan(0.02);
    expect(Math.abs(sd - 1)).toBeLessThan(0.02);
    expect([Array.from(gamma).every((v) => v === 1), Array.from(beta).every((v) => v === 0)]).toEqual([true, true]);
    expect((model.layers[1].getConfig() as { epsilon: number }).epsilon).toBe(1e-5);
    model.dispose();
  });
});

describe('a held-out split of [batch, t] ids with [batch, t] targets', () => {
  const rows = (a: { data: Float32Array; shape: number[] }, lo: number, hi: number) => ({ data: a.data.slice(lo * m.time, hi * m.time), shape: [hi - lo, m.time] });
  // Mean over every position of -log softmax(logits)[label], in float64 from predict's logits.
  const crossEntropy = (model: Model, xs: ReturnType<typeof rows>, ys: ReturnType<typeof rows>) => {
    const p = model.predict(xs).data, V = m.vocab;
    let sum = 0;
    for (let r = 0; r < ys.data.length; r++) {
      const row = Array.from(p.subarray(r * V, (r + 1) * V)), top = Math.max(...row);
      sum += top + Math.log(row.reduce((s, v) => s + Math.exp(v - top), 0)) - row[ys.data[r]];
    }
    return sum / ys.data.length;
  };

  it('evaluate is the mean cross-entropy per position and changes no weight; fit validationData records it each epoch', async () => {
    const model = compiled(new Sequential(stack(), { seed: 0 }));
    const [xt, yt, xv, yv] = [rows(x, 0, 3), rows(y, 0, 3), rows(x, 3, 4), rows(y, 3, 4)];
    const before = model.getWeights();
    const ev = model.evaluate(xv, yv);
    expect(Math.abs(ev.loss - crossEntropy(model, xv, yv))).toBeLessThan(1e-5 * ev.loss);
    expect(model.getWeights()).toEqual(before);
    const h = await model.fit(xt, yt, { epochs: 4, batchSize: 3, validationData: [xv, yv] });
    expect(h.valLoss).toHaveLength(4);
    // The last epoch's validation loss is evaluate at the weights fit ends with, bit for bit; it is not the training loss.
    expect(h.valLoss!.at(-1)).toBe(model.evaluate(xv, yv).loss);
    expect(h.valLoss!.at(-1)).not.toBe(h.loss.at(-1));
    expect(Math.abs(h.valLoss![3] - crossEntropy(model, xv, yv))).toBeLessThan(1e-5 * h.valLoss![3]);
    // validationSplit 0.25 holds out the last of the 4 rows: the same validation set.
    const again = compiled(new Sequential(stack(), { seed: 0 }));
    const h2 = await again.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false, validationSplit: 0.25 });
    expect(h2.valLoss![0]).toBe(again.evaluate(xv, yv).loss);
    model.dispose();
    again.dispose();
  });
});

describe('sequence layers refuse bad input, naming the layer and the numbers', () => {
  it('an id outside the vocabulary (every entry point, at the user\'s row: fit checks before it shuffles), a non-integer id, a label outside the classes', async () => {
    const model = compiled(new Sequential(stack(), { seed: 0 }));
    const at13 = (id: number) => ({ data: Float32Array.from(x.data, (v, i) => (i === 13 ? id : v)), shape: x.shape });
    const bad = at13(11), cols = x.shape[1];
    expect(cols).toBe(8); // element 13 is row 1, column 5
    expect(() => model.predict(bad)).toThrow('wasmnn: embedding_0: index 11 at x row 1, column 5 is outside [0, 11) (the vocabulary size is 11)');
    expect(() => model.evaluate(at13(-1), y)).toThrow('wasmnn: embedding_0: index -1 at x row 1, column 5 is outside [0, 11) (the vocabulary size is 11)');
    await expect(model.fit(bad, y, { epochs: 1, shuffle: true })).rejects.toThrow('wasmnn: embedding_0: index 11 at x row 1, column 5 is outside [0, 11)');
    await expect(model.fit(x, y, { epochs: 1, validationData: [at13(-3), y] })).rejects.toThrow('wasmnn: embedding_0: index -3 at validationData x row 1, column 5 is outside [0, 11)');
    // trainOnBatch checks in the step (its batch is the user's rows, in order).
    expect(() => model.trainOnBatch(bad, y)).toThrow('wasmnn: embedding_0: index 11 at position [1, 5] is outside [0, 11)');
    expect(() => model.trainOnBatch(at13(-1), y)).toThrow('wasmnn: embedding_0: index -1 at position [1, 5] is outside [0, 11)');
    // Past int32: refused as such, not wrapped (1e10 would become 1410065408).
    expect(() => model.predict(at13(1e10))).toThrow("wasmnn: x row 1: 10000000000 is not an int32 id (the model's input is int32 ids)");
    expect(() => model.trainOnBatch(at13(1e10), y)).toThrow("wasmnn: x row 1: 10000000000 is not an int32 id");
    const half = { data: Float32Array.from(x.data, (v, i) => (i === 3 ? 2.5 : v)), shape: x.shape };
    expect(() => model.trainOnBatch(half, y)).toThrow("wasmnn: x row 0: 2.5 is not an int32 id (the model's input is int32 ids)");
    expect(() => model.predict(half)).toThrow("wasmnn: x row 0: 2.5 is not an int32 id (the model's input is int32 ids)");
    const badY = { data: Float32Array.from(y.data, (v, i) => (i === 9 ? 11 : v)), shape: y.shape };
    expect(() => model.evaluate(x, badY)).toThrow('wasmnn: y row 1 position 1: label 11 is not a class index in [0, 10]');
    model.dispose();
  });

  it('bad options and shapes', () => {
    expect(() => layers.embedding({ inputDim: 0, outputDim: 4 })).toThrow('wasmnn: embedding: inputDim (the vocabulary size) must be a positive integer, got 0');
    expect(() => layers.embedding({ inputDim: 5, outputDim: 2.5 })).toThrow('wasmnn: embedding: outputDim must be a positive integer, got 2.5');
    expect(() => layers.embedding({ inputDim: 5, outputDim: 4, inputLength: 8 } as never)).toThrow(/inputShape/);
    for (const epsilon of [0, -1, NaN]) expect(() => layers.layerNormalization({ epsilon })).toThrow(`wasmnn: layerNormalization: epsilon must be a finite number > 0, got ${epsilon}`);
    expect(() => layers.layerNormalization({ axis: 1 })).toThrow('wasmnn: layerNormalization normalises the last axis only (axis -1), got axis 1');
    expect(() => layers.layerNormalization({ eps: 1e-3 } as never)).toThrow(/epsilon/);
    expect(() => new Sequential([layers.embedding({ inputDim: 5, outputDim: 4 })])).toThrow('wasmnn: the first layer (embedding) needs inputShape: one sample\'s shape of ids, such as [8] for 8 tokens');
    expect(() => layers.embedding({ inputDim: 5, outputDim: 4 }).apply(input([8]))).toThrow('takes int32 indices, got an float32 input of shape [batch, 8]');
    expect(() => layers.dense({ units: 3 }).apply(input({ shape: [8], dtype: 'int32' }))).toThrow('takes float32 values, got an int32 input of shape [batch, 8] (int32 ids go through layers.embedding first)');
  });
});
