// Generation from the key/value cache against the re-run of the whole window (cache: false), on
// the tiny GPT of test/fixtures/tiny-gpt.json (nanoGPT's weights, vocab 12, block 8) and on a
// random chain with multiHeadAttention, a dense with an activation, dropout and an activation
// layer: the logits of every position, prefilled and one token at a time, within 1e-5 relative
// (and in fact the same bits); a run that wants the last position only (the final layers on that
// row alone, as generate runs them) gives that row's bits; a cache length off by one misses by far more; the same tokens,
// greedy and sampled, over many steps past the block (the re-prefill), and on 2 threads; the
// decoder the model keeps between calls follows setWeights, compile and training, grows for a
// longer call and keeps the arena as it is across calls of one length; the fallback and the
// refusal for a layer the cache does not know.
import { afterAll, describe, expect, it } from 'vitest';
import { init, layers, optimizers, Sequential, type Layer, type Runtime } from 'wasmnn';
import { makeDecoder } from '../../dist/model/kv-cache.js';
import { golden } from '../helpers/fixtures.js';

interface W { data: number[] }
const g = golden<{ vocab: number; block: number; width: number; heads: number; layers: number; weights: W[] }>('tiny-gpt.json');
const opened: Runtime[] = [];
afterAll(() => opened.forEach((r) => r.close()));

function tinyGpt(): { model: Sequential; stack: Layer[]; T: number; V: number } {
  const stack: Layer[] = [
    layers.embedding({ inputDim: g.vocab, outputDim: g.width, inputShape: [g.block] }),
    layers.positionalEmbedding({ maxLength: g.block, outputDim: g.width }),
    ...Array.from({ length: g.layers }, () => layers.transformerBlock({ numHeads: g.heads })),
    layers.layerNormalization(),
    layers.dense({ units: g.vocab, useBias: false }),
  ];
  const model = new Sequential(stack, { seed: 0 });
  model.setWeights(g.weights.map((w) => Float32Array.from(w.data)));
  return { model, stack, T: g.block, V: g.vocab };
}

// Widths that are no multiples of 4 (tails everywhere), heads of 3 and 5, a value size of its own.
function randomChain(seed: number): { model: Sequential; stack: Layer[]; T: number; V: number } {
  const T = 11, V = 19, E = 15;
  const stack: Layer[] = [
    layers.embedding({ inputDim: V, outputDim: E, inputShape: [T] }),
    layers.positionalEmbedding({ maxLength: 13, outputDim: E }),
    layers.transformerBlock({ numHeads: 3, mlpRatio: 2 }),
    layers.multiHeadAttention({ numHeads: 5, keyDim: 4, valueDim: 3, causal: true }),
    layers.dense({ units: 18, activation: 'tanh' }),
    layers.dropout({ rate: 0.3 }),
    layers.transformerBlock({ numHeads: 2, keyDim: 7 }),
    layers.activation({ activation: 'relu' }),
    layers.dense({ units: 17, activation: 'gelu' }),
    layers.layerNormalization(),
    layers.dense({ units: V }),
  ];
  return { model: new Sequential(stack, { seed }), stack, T, V };
}

// The predict program's logits at the last position of `ids` (a window of at most T, zeros after it).
function rerunLogits(m: Sequential, ids: readonly number[], T: number, V: number): Float32Array {
  const x = new Float32Array(T);
  x.set(ids);
  return m.predict({ data: x, shape: [1, T] }).data.slice((ids.length - 1) * V, ids.length * V);
}

describe('generate with a key/value cache', () => {
  for (const make of [tinyGpt, () => randomChain(4)]) {
    it(`logits as the re-run, a prefill and then one position at a time; an off-by-one cache length fails (${make === tinyGpt ? 'the tiny GPT' : 'a random chain'})`, async () => {
      const rt = await init(undefined, { simd: 'plain', threads: 1 });
      const { model, stack, T, V } = make();
      const seq = Array.from({ length: T }, (_, i) => (i * 7 + 3) % V);
      const ids = rt.arena.alloc(4 * T), dec = makeDecoder(rt, stack, T, ids);
      rt.arena.i32(ids, T).set(seq);
      const cachedRow = (p: number) => Float32Array.from(rt.arena.f32(p, V));
      let worst = 0, same = 0;
      const check = (got: Float32Array, want: Float32Array, what: string) => {
        for (let j = 0; j < V; j++) {
          const err = Math.abs(got[j] - want[j]);
          expect(err, `${what}[${j}]: ${got[j]} vs ${want[j]}`).toBeLessThanOrEqual(1e-5 * Math.abs(want[j]) + 1e-6);
          worst = Math.max(worst, err / Math.abs(want[j]));
        }
        if (Buffer.from(got.buffer).equals(Buffer.from(want.buffer))) same++;
      };
      const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer));
      // A prefill of 3 (every row's logits, then the last row's alone), then positions 3 .. T-1 one
      // by one; then the whole window at once, both ways.
      const pre = dec.run(0, 3, true), rows = [0, 1, 2].map((i) => cachedRow(pre + 4 * i * V));
      rows.forEach((row, i) => check(row, rerunLogits(model, seq.slice(0, i + 1), T, V), `prefill position ${i}`));
      const last = cachedRow(dec.run(0, 3));
      expect(bits(last)).toEqual(bits(rows[2]));
      check(last, rerunLogits(model, seq.slice(0, 3), T, V), 'prefill, the last row alone');
      for (let p = 3; p < T; p++) check(cachedRow(dec.run(p, 1)), rerunLogits(model, seq.slice(0, p + 1), T, V), `position ${p}`);
      const whole = cachedRow(dec.run(0, T, true) + 4 * (T - 1) * V), wholeLast = cachedRow(dec.run(0, T));
      expect(bits(wholeLast)).toEqual(bits(whole));
      check(whole, rerunLogits(model, seq, T, V), 'the window at once');
      check(wholeLast, rerunLogits(model, seq, T, V), 'the window at once, the last row alone');
      console.log(`cached logits: ${same} of ${T + 3} rows the same bits, worst relative difference ${worst.toExponential(2)}`);
      expect(same).toBe(T + 3); // measured: every row, also at the random chain's widths of 15 and 17
      // The last token run at T-2 (its key over the cache's row T-2: a length of T-1) gives other logits.
      const off = cachedRow(dec.run(T - 2, 1)), want = rerunLogits(model, seq, T, V);
      const miss = Math.max(...Array.from(off, (v, j) => Math.abs(v - want[j]) / (Math.abs(want[j]) + 1e-6)));
      expect(miss).toBeGreaterThan(1e-3);
      dec.release();
      rt.arena.release(ids);
      model.dispose();
    });

    it(`the same tokens as cache: false, greedy and sampled, 60 tokens past the block (${make === tinyGpt ? 'the tiny GPT' : 'a random chain'})`, async () => {
      await init(undefined, { simd: 'plain', threads: 1 });
      const { model, T } = make();
      const prompt = [1, 2, 3];
      for (const o of [{ temperature: 0 }, { temperature: 1, seed: 5 }, { temperature: 0.7, topK: 4, seed: 9 }, { temperature: 1.5, seed: 11 }]) {
        const a = model.generate(prompt, { maxNewTokens: T + 60, ...o, cache: true }), b = model.generate(prompt, { maxNewTokens: T + 60, ...o, cache: false });
        expect(Array.from(a), JSON.stringify(o)).toEqual(Array.from(b));
        expect(new Set(a).size).toBeGreaterThan(2);
      }
      // Many short samples: every first token past a prompt of each length 1 .. T + 2.
      for (let s = 0; s < 40; s++) {
        const p = Array.from({ length: (s % (T + 2)) + 1 }, (_, i) => (i * 5 + s) % 7);
        expect(Array.from(model.generate(p, { maxNewTokens: 3, seed: s }))).toEqual(Array.from(model.generate(p, { maxNewTokens: 3, seed: s, cache: false })));
      }
      model.dispose();
    });
  }

  it('the same tokens on 2 threads (decode kernels split) as on one without the cache; a prefill\'s last logits the same bits', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const one = randomChain(8), prompt = [4, 5, 6, 0, 9, 2];
    const want = Array.from(one.model.generate(prompt, { maxNewTokens: 40, seed: 3, cache: false }));
    const wantLogits = rerunLogits(one.model, prompt, one.T, one.V);
    const weights = one.model.getWeights();
    one.model.dispose();
    const rt = await init({ simd: 'plain', threads: 2, minWork: 0 });
    opened.push(rt);
    const two = randomChain(8);
    two.model.setWeights(weights);
    const before = rt.splitCalls();
    expect(Array.from(two.model.generate(prompt, { maxNewTokens: 40, seed: 3, cache: true }))).toEqual(want);
    expect(rt.splitCalls()).toBeGreaterThan(before);
    const ids = rt.arena.alloc(4 * two.T), dec = makeDecoder(rt, two.stack, two.T, ids);
    rt.arena.i32(ids, prompt.length).set(prompt);
    const got = rt.arena.f32(dec.run(0, prompt.length), two.V).slice();
    expect(Array.from(new Uint32Array(got.buffer))).toEqual(Array.from(new Uint32Array(wantLogits.buffer)));
    dec.release();
    rt.arena.release(ids);
    two.model.dispose();
    rt.close();
  }, 60_000);

  it('the decoder kept between calls: after setWeights, compile and training steps the tokens of the re-run and of a fresh model; it grows for a longer call; the arena stays as it is across calls of one length; dispose frees it', async () => {
    const rt = await init(undefined, { simd: 'plain', threads: 1 });
    const empty = rt.arena.bytesInUse;
    const { model, T, V } = randomChain(4);
    const prompt = [3, 1, 4], o = { temperature: 1, seed: 7 };
    const both = (n: number) => {
      const a = Array.from(model.generate(prompt, { maxNewTokens: n, ...o })), b = Array.from(model.generate(prompt, { maxNewTokens: n, ...o, cache: false }));
      expect(a).toEqual(b);
      return a;
    };
    const first = both(3); // a decoder for 6 positions
    const other = randomChain(5);
    model.setWeights(other.model.getWeights());
    const after = both(3);
    expect(after).not.toEqual(first);
    expect(after).toEqual(Array.from(other.model.generate(prompt, { maxNewTokens: 3, ...o })));
    other.model.dispose();
    model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 0.05 }), batchSize: 2 });
    const x = { data: Float32Array.from({ length: 2 * T }, (_, i) => (i * 5) % V), shape: [2, T] };
    const y = { data: Float32Array.from({ length: 2 * T }, (_, i) => (i * 5 + 1) % V), shape: [2, T] };
    for (let s = 0; s < 5; s++) model.trainOnBatch(x, y);
    const trained = both(3);
    expect(trained).not.toEqual(after);
    both(T + 20); // grows to T positions, then re-prefills past the block
    const bytes = rt.arena.bytesInUse, grows = rt.arena.grows;
    both(T + 20);
    both(2);
    expect([rt.arena.bytesInUse, rt.arena.grows]).toEqual([bytes, grows]);
    model.dispose();
    expect(rt.arena.bytesInUse).toBe(empty);
  });

  it('a layer the cache does not know: the re-run by default, a clear refusal for cache: true', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const m = new Sequential([
      layers.embedding({ inputDim: 9, outputDim: 8, inputShape: [6] }),
      layers.transformerBlock({ numHeads: 2 }),
      layers.conv1d({ filters: 9, kernelSize: 1 }),
    ], { seed: 2 });
    expect(m.generate([1, 2], { maxNewTokens: 10, seed: 1 })).toEqual(m.generate([1, 2], { maxNewTokens: 10, seed: 1, cache: false }));
    expect(() => m.generate([1], { maxNewTokens: 2, cache: true })).toThrow('wasmnn: generate: cache: true, but the key/value cache does not know conv1d_2 (conv1d); it knows embedding, positionalEmbedding, transformerBlock, multiHeadAttention, layerNormalization, dense, dropout, activation (cache: false re-runs the window)');
    expect(() => m.generate([1], { maxNewTokens: 2, cache: 1 as never })).toThrow('wasmnn: generate: cache must be true or false, got 1');
    m.dispose();
  });
});
