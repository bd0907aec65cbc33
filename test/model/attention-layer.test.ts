// layers.multiHeadAttention against nn.MultiheadAttention (PyTorch 1.13 float64, batch_first, random
// weights with nonzero biases; test/fixtures/attention.json's `layers`, tools/golden/attention.py):
// output, input and weight gradients of L = sum(out * dy) within 1e-5 relative + 1e-5 of the largest
// |value|; a tiny self-attention model trains; save/load, summary, errors; the same bits on 1 and
// 2 threads.
import { afterAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, ops, optimizers, parameter, Sequential, valueAndGrad, type Runtime } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose, randn } from '../helpers/wasm.js';

interface Arr { shape: number[]; data: number[] }
interface Named extends Arr { name: string }
interface LayerCase { name: string; numHeads: number; keyDim: number; causal: boolean; query: Arr; key?: Arr; value?: Arr; dy: Arr; out: Arr; dquery: Arr; dkey?: Arr; dvalue?: Arr; weights: Named[]; grads: Named[] }
const fixture = golden<{ torch: string; layers: LayerCase[] }>('attention.json');

const opened: Runtime[] = [];
afterAll(() => opened.forEach((r) => r.close()));

const top = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const near = (got: ArrayLike<number>, want: ArrayLike<number>, what: string, scale = top(want)) => expectClose(got, want, 1e-5, 1e-5 * scale, what);
const param = (a: Arr, name: string) => parameter(a.shape, Float32Array.from(a.data), name);

describe(`multiHeadAttention against PyTorch ${fixture.torch} nn.MultiheadAttention`, () => {
  for (const c of fixture.layers) {
    it(`${c.name}: output, input and weight gradients`, async () => {
      await init(undefined, { simd: 'plain', threads: 1 });
      const mha = layers.multiHeadAttention({ numHeads: c.numHeads, keyDim: c.keyDim, causal: c.causal });
      const Q = param(c.query, 'query'), DY = param(c.dy, 'dy');
      const V = c.value && param(c.value, 'value'), K = c.key && param(c.key, 'key');
      const f = valueAndGrad(() => {
        const y = V ? mha.apply(ops.toTensor(Q), ops.toTensor(V), ops.toTensor(K!)) : mha.apply(ops.toTensor(Q));
        return ops.sum(ops.mul(y, DY));
      });
      expect(mha.weights.map((w) => w.name)).toEqual(c.weights.map((w) => `${mha.name}/${w.name}`));
      mha.weights.forEach((w, i) => {
        expect(w.shape).toEqual(c.weights[i].shape);
        w.value.set(c.weights[i].data);
      });
      f();
      near(DY.grad, c.out.data, `${c.name}: out`);
      near(Q.grad, c.dquery.data, `${c.name}: dquery`);
      if (V) near(V.grad, c.dvalue!.data, `${c.name}: dvalue`);
      if (K) near(K.grad, c.dkey!.data, `${c.name}: dkey`);
      // The key bias's gradient is 0 (it shifts each query's scores by a constant), so rounding
      // at the other gradients' scale is all it can be held to.
      const scale = Math.max(...c.grads.map((g) => top(g.data)));
      mha.weights.forEach((w, i) => near(w.grad, c.grads[i].data, `${c.name}: ${c.grads[i].name}`, c.grads[i].name === 'key/bias' ? scale : top(c.grads[i].data)));
      expect(top(c.grads[3].data)).toBeLessThan(1e-14);
    });
  }
});

// x [n, t, w] -> y: the sum over positions i of feature 0 at i times feature 1 at t-1-i.
function task(n: number, t = 6, w = 8, seed = 5) {
  const x = Float32Array.from(randn(n * t * w, seed));
  const y = new Float32Array(n);
  for (let s = 0; s < n; s++) for (let i = 0; i < t; i++) y[s] += x[(s * t + i) * w] * x[(s * t + (t - 1 - i)) * w + 1];
  return { x: { data: x, shape: [n, t, w] }, y: { data: y, shape: [n, 1] } };
}

function tiny(t = 6, w = 8, heads = 2, keyDim = 4, seed = 1, dropout = 0): Sequential {
  return new Sequential([
    layers.multiHeadAttention({ numHeads: heads, keyDim, causal: true, dropout, inputShape: [t, w] }),
    layers.flatten(),
    layers.dense({ units: 16, activation: 'relu' }),
    layers.dense({ units: 1 }),
  ], { seed });
}

describe('multiHeadAttention in models', () => {
  it('a tiny self-attention model trains: the loss falls', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const { x, y } = task(256);
    const m = tiny();
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 3e-3 }), batchSize: 32 });
    const h = await m.fit(x, y, { epochs: 30, shuffle: true });
    const losses = h.loss;
    console.log(`tiny self-attention model: mse ${losses[0].toFixed(3)} -> ${losses.at(-1)!.toFixed(3)} over 30 epochs`);
    expect(losses.at(-1)!).toBeLessThan(0.5 * losses[0]);
  });

  it('saves and loads to the same predictions, bit for bit; the summary counts its parameters and MACs', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const m = tiny();
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.01 }) });
    const { x } = task(5);
    const back = Sequential.load(m.save());
    expect(Array.from(back.predict(x).data)).toEqual(Array.from(m.predict(x).data));
    const text = m.summary(false);
    // 4 projections of 8 x 8 + 8; MACs: q, k, v 6*8*8 each, QK^T and PV 6*6*(8+8), output 6*8*8.
    expect(text).toMatch(/multiHeadAttention_0 \(multiHeadAttention\)\s+\[batch, 6, 8\]\s+288\s+2,112/);
  });

  it('dropout on the attention weights acts in training only: predict and evaluate give the bits of dropout 0; save keeps it', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const { x, y } = task(8);
    const [a, b] = [0.5, 0].map((p) => {
      const m = tiny(6, 8, 2, 4, 3, p);
      m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.01 }) });
      return m;
    });
    expect(Array.from(a.predict(x).data)).toEqual(Array.from(b.predict(x).data));
    expect(a.evaluate(x, y)).toEqual(b.evaluate(x, y));
    // The first training step's loss (before its update, on the same weights) sees masked attention weights.
    const l1 = a.trainOnBatch(x, y), l0 = b.trainOnBatch(x, y);
    expect(Math.abs(l1 - l0)).toBeGreaterThan(1e-4 * l0);
    expect(Sequential.load(a.save()).layers[0].getConfig()).toMatchObject({ dropout: 0.5 });
  });

  it('cross-attention in a functional model: apply(query, value, key) with other widths and lengths', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const q = input({ shape: [4, 6] }), v = input({ shape: [7, 3] }), k = input({ shape: [7, 5] });
    const mha = layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, outputShape: 5 });
    const y = mha.apply(q, v, k);
    expect(y.shape).toEqual([-1, 4, 5]);
    const model = new Model({ inputs: [q, v, k], outputs: y });
    expect(mha.weights.map((w) => w.shape)).toEqual([[6, 6], [6], [5, 6], [6], [3, 12], [12], [12, 5], [5]]);
    const p = model.predict([{ data: new Float32Array(2 * 24), shape: [2, 4, 6] }, { data: new Float32Array(2 * 21).fill(1), shape: [2, 7, 3] }, { data: new Float32Array(2 * 35), shape: [2, 7, 5] }]);
    expect(p.shape).toEqual([2, 4, 5]);
    expect(() => mha.apply(q, input({ shape: [7, 4] }), k)).toThrow(/was first applied to value \[batch, 7,3\] and key \[batch, 7,5\], now to \[batch, 7, 4\]/);
  });

  it('refuses bad options and shapes, naming the layer', () => {
    expect(() => layers.multiHeadAttention({ numHeads: 0, keyDim: 4 })).toThrow(/numHeads must be a positive integer, got 0/);
    expect(() => layers.multiHeadAttention({ numHeads: 1.5, keyDim: 4 })).toThrow(/numHeads must be a positive integer, got 1.5/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 200 })).toThrow(/keyDim and valueDim up to 128/);
    expect(() => layers.multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 1 })).toThrow('wasmnn: multiHeadAttention: dropout must be in [0, 1), got 1');
    const mha = layers.multiHeadAttention({ numHeads: 2, keyDim: 4, name: 'att' });
    expect(() => mha.apply(input([8]))).toThrow(/att takes \[batch, positions, width\] queries, got \[batch, 8\]/);
    const x = input({ shape: [6, 8] });
    mha.apply(x);
    expect(() => mha.apply(input({ shape: [6, 7] }))).toThrow(/att was first applied to \[batch, 6, 8\], now to \[batch, 6, 7\]/);
    expect(() => mha.apply(x, input({ shape: [5, 8] }), input({ shape: [4, 8] }))).toThrow(/the key \[batch, 4, 8\] and the value \[batch, 5, 8\] need the same number of positions/);
    const declared = new Sequential([layers.multiHeadAttention({ numHeads: 2, keyDim: 4, inputShape: [6, 8] }), layers.flatten(), layers.dense({ units: 1 })]);
    expect(() => declared.predict({ data: new Float32Array(42), shape: [1, 6, 7] })).toThrow(/x has shape \[1, 6, 7\] but the model takes \[n, 6, 8\]/);
  });
});

/** FNV-1a over the bits of every array. */
function hash(arrays: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  }
  return h.toString(16);
}

describe('multiHeadAttention on threads', () => {
  it('trains to the same bits on 1 and 2 threads, the attention calls split by (batch, head)', async () => {
    // Without and with dropout on the attention weights (its factors drawn on one thread, read by each pair's share).
    const run = async () => Promise.all([0, 0.3].map(async (p) => {
      const { x, y } = task(128, 16, 16, 9);
      const m = tiny(16, 16, 2, 8, 4, p);
      m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 64 });
      await m.fit(x, y, { epochs: 2, shuffle: true });
      return { weights: hash(m.getWeights()), predictions: hash([m.predict(x).data]) };
    }));
    await init({ simd: 'plain', threads: 1 });
    const want = await run();
    expect(want[1].weights).not.toBe(want[0].weights);
    const rt = await init({ simd: 'plain', threads: 2, minWork: 0 }); // every call that can be split is, whatever the machine's threshold
    opened.push(rt);
    expect(rt.threads).toBe(2);
    const before = rt.splitCalls();
    expect(await run()).toEqual(want);
    expect(rt.splitCalls()).toBeGreaterThan(before);
    rt.close();
  }, 60_000);
});
