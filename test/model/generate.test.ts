// model.generate on a tiny causal GPT: greedy decoding (temperature 0, and topK 1) is the argmax of
// a full forward run over the window at every step (a model of the window's own length while it is
// shorter than the block, the block's last positions after); samples follow softmax(logits / T)
// over the top k; a seed repeats the tokens, also on 2 threads; calls leave the arena as the first
// left it (the model keeps the decoder; dispose frees it), and 200 000 tokens make no garbage; the refusals.
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { init, layers, Sequential, type Layer, type Runtime } from 'wasmnn';

const V = 12, T = 8, E = 16;
const stack = (t = T, causal = true): Layer[] => [
  layers.embedding({ inputDim: V, outputDim: E, inputShape: [t] }),
  layers.positionalEmbedding({ maxLength: T, outputDim: E }),
  layers.transformerBlock({ numHeads: 2, causal }),
  layers.transformerBlock({ numHeads: 2, causal }),
  layers.layerNormalization(),
  layers.dense({ units: V, useBias: false }),
];
const opened: Runtime[] = [];
afterAll(() => opened.forEach((r) => r.close()));

// The logits at the last of these ids, from a model of exactly their length (at most T).
function lastLogits(models: Map<number, Sequential>, ids: readonly number[]): number[] {
  const m = models.get(ids.length)!;
  const out = m.predict({ data: Float32Array.from(ids), shape: [1, ids.length] }).data;
  return Array.from(out.subarray((ids.length - 1) * V, ids.length * V));
}
const argmax = (xs: readonly number[]) => xs.indexOf(Math.max(...xs));

describe('generate', () => {
  it('greedy (temperature 0, topK 1) is the argmax of a full forward run over the window at every step', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const model = new Sequential(stack(), { seed: 7 });
    const models = new Map<number, Sequential>();
    for (let t = 1; t <= T; t++) {
      const m = t === T ? model : new Sequential(stack(t), { seed: 0 });
      m.setWeights(model.getWeights());
      models.set(t, m);
    }
    const prompt = [3, 1];
    const greedy = Array.from(model.generate(prompt, { maxNewTokens: 20, temperature: 0 }));
    expect(greedy.slice(0, 2)).toEqual(prompt);
    expect(new Set(greedy).size).toBeGreaterThan(2);
    for (let len = 2; len < greedy.length; len++) {
      const window = greedy.slice(Math.max(0, len - T), len);
      expect(greedy[len], `token ${len}`).toBe(argmax(lastLogits(models, window)));
    }
    expect(Array.from(model.generate(new Int32Array(prompt), { maxNewTokens: 20, topK: 1, seed: 9 }))).toEqual(greedy);
    for (const [t, m] of models) if (t !== T) m.dispose();
    model.dispose();
  });

  it('samples follow softmax(logits / temperature) over the top k (2000 first tokens, each within 5 sd)', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const model = new Sequential(stack(), { seed: 3 });
    const prompt = [5, 2, 9];
    const models = new Map([[3, new Sequential(stack(3), { seed: 0 })]]);
    models.get(3)!.setWeights(model.getWeights());
    const logits = lastLogits(models, prompt).map((l) => l / 0.5);
    const kept = [...logits].sort((a, b) => b - a).slice(0, 4);
    const w = logits.map((l) => (l >= kept[3] ? Math.exp(l - kept[0]) : 0)), z = w.reduce((a, b) => a + b);
    const counts = new Array<number>(V).fill(0), n = 2000;
    for (let s = 0; s < n; s++) counts[model.generate(prompt, { maxNewTokens: 1, temperature: 0.5, topK: 4, seed: s })[3]]++;
    w.forEach((wi, i) => {
      const p = wi / z;
      if (p === 0) expect(counts[i], `token ${i} is outside the top 4`).toBe(0);
      else expect(Math.abs(counts[i] - n * p), `token ${i}: ${counts[i]} of ${n}, p ${p}`).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)) + 1);
    });
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);
    models.get(3)!.dispose();
    model.dispose();
  });

  it('a seed repeats the tokens (another seed does not), on 1 and 2 threads; the arena is left as the first call left it, and dispose frees it all', async () => {
    const run = () => {
      const m = new Sequential(stack(), { seed: 5 });
      const a = Array.from(m.generate([1, 2, 3], { maxNewTokens: 30, seed: 42 }));
      const b = Array.from(m.generate([1, 2, 3], { maxNewTokens: 30, seed: 42 }));
      const c = Array.from(m.generate([1, 2, 3], { maxNewTokens: 30, seed: 43, temperature: 1.5 }));
      m.dispose();
      return { a, b, c };
    };
    const rt1 = await init(undefined, { simd: 'plain', threads: 1 });
    const one = run();
    expect(one.b).toEqual(one.a);
    expect(one.c).not.toEqual(one.a);
    const empty = rt1.arena.bytesInUse;
    const m = new Sequential(stack(), { seed: 5 });
    m.generate([1, 2], { maxNewTokens: 100, seed: 1, cache: false }); // plans the predict program
    m.generate([1, 2], { maxNewTokens: 100, seed: 1 }); // makes the decoder the model keeps
    const bytes = rt1.arena.bytesInUse, grows = rt1.arena.grows;
    m.generate([1, 2], { maxNewTokens: 100, seed: 1 });
    m.generate([1, 2], { maxNewTokens: 100, seed: 1, cache: false });
    expect([rt1.arena.bytesInUse, rt1.arena.grows]).toEqual([bytes, grows]);
    m.dispose();
    expect(rt1.arena.bytesInUse).toBe(empty);
    const rt = await init({ simd: 'plain', threads: 2, minWork: 0 });
    opened.push(rt);
    expect(rt.threads).toBe(2);
    const before = rt.splitCalls();
    expect(run()).toEqual(one);
    expect(rt.splitCalls()).toBeGreaterThan(before);
    rt.close();
  }, 60_000);

  it('200 000 tokens, greedy and sampled, cached (past the block, and one position a step) and re-run, and 10 000 short calls (their tokens returned) cause no minor GC (test/model/zero-garbage-generate.mjs, a clean process)', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16', 'test/model/zero-garbage-generate.mjs'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ greedy: 0, sampled: 0, rerun: 0, decode: 0, calls: 0, control: true, tokens: 200_000, valid: true });
  }, 120_000);

  it('refuses bad prompts, options and models, naming the numbers', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const model = new Sequential(stack(), { seed: 1 });
    expect(() => model.generate([], { maxNewTokens: 3 })).toThrow('wasmnn: generate: the prompt is empty (give at least one token id)');
    expect(() => model.generate([1, 2.5], { maxNewTokens: 3 })).toThrow('wasmnn: generate: prompt[1] is 2.5, not a token id (a whole number >= 0)');
    expect(() => model.generate([1, 2, 3, 4, 5, 6], { maxNewTokens: 3, crop: false })).toThrow("wasmnn: generate: the prompt's 6 tokens and 3 new ones make 9, more than the model's 8 positions (crop: true keeps the last 8)");
    expect(model.generate([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], { maxNewTokens: 3 })).toHaveLength(13); // cropped
    expect(() => model.generate([1, 12], { maxNewTokens: 1 })).toThrow(/index 12 .* outside \[0, 12\)/);
    expect(() => model.generate([1], { maxNewTokens: -1 })).toThrow('wasmnn: generate: maxNewTokens must be a whole number >= 0, got -1');
    expect(() => model.generate([1], { maxNewTokens: 2, temperature: -1 })).toThrow('wasmnn: generate: temperature must be a finite number >= 0, got -1');
    expect(() => model.generate([1], { maxNewTokens: 2, topK: 13 })).toThrow('wasmnn: generate: topK must be an integer in [1, 12] (the vocabulary), got 13');
    expect(() => model.generate([1], { maxNewTokens: 2, seed: -3 })).toThrow('wasmnn: generate: seed must be a non-negative integer, got -3');
    expect(() => model.generate([1], { max_new_tokens: 2 } as never)).toThrow(/maxNewTokens/);
    expect(model.generate([4], { maxNewTokens: 0 })).toEqual(Int32Array.from([4]));
    const open = new Sequential(stack(T, false));
    expect(() => open.generate([1], { maxNewTokens: 2 })).toThrow('wasmnn: generate needs a causal model, but transformer_block_2 (transformerBlock) is not causal: its positions see later ones');
    const mlp = new Sequential([layers.dense({ units: 3, inputDim: 4 })]);
    expect(() => mlp.generate([1], { maxNewTokens: 2 })).toThrow('wasmnn: generate needs a language model with one int32 input [batch, t] and logits [batch, t, vocab]');
    for (const m of [model, open, mlp]) m.dispose();
  });
});
