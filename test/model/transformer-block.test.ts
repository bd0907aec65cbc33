// layers.positionalEmbedding and layers.transformerBlock as layers: shapes, nanoGPT's weight names,
// causality (an output at position i does not move when a later token changes), Sequential =
// functional bit for bit, save/load bit for bit, summary parameters and MACs, and the refusals.
// Their numerics against PyTorch are test/model/tiny-gpt.test.ts's.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, optimizers, Sequential, type Layer } from 'wasmnn';
import { collect } from '../../src/graph/symbolic.js';

const V = 12, T = 8, E = 16;
const gpt = (t = T, o: { causal?: boolean } = {}): Layer[] => [
  layers.embedding({ inputDim: V, outputDim: E, inputShape: [t] }),
  layers.positionalEmbedding({ maxLength: T, outputDim: E }),
  layers.transformerBlock({ numHeads: 2, ...o }),
  layers.layerNormalization(),
  layers.dense({ units: V, useBias: false }),
];
const ids = (rows: number, t = T, shift = 0) => ({ data: Float32Array.from({ length: rows * t }, (_, i) => (i * 5 + shift) % V), shape: [rows, t] });
const next = (x: { data: Float32Array; shape: number[] }) => ({ data: x.data.map((v) => (v + 1) % V), shape: x.shape });

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

describe('positionalEmbedding and transformerBlock', () => {
  it("carry nanoGPT's module names and shapes; the block is pre-norm residual (zero linears give back x)", () => {
    const m = new Sequential(gpt(), { seed: 1 });
    expect(m.parameters().map((p) => `${p.name} [${p.shape}]`).slice(1, 14)).toEqual([
      'positional_embedding_1/embeddings [8,16]',
      'transformer_block_2/ln_1/gamma [16]', 'transformer_block_2/ln_1/beta [16]',
      'transformer_block_2/attn/c_attn/kernel [16,48]', 'transformer_block_2/attn/c_attn/bias [48]',
      'transformer_block_2/attn/c_proj/kernel [16,16]', 'transformer_block_2/attn/c_proj/bias [16]',
      'transformer_block_2/ln_2/gamma [16]', 'transformer_block_2/ln_2/beta [16]',
      'transformer_block_2/mlp/c_fc/kernel [16,64]', 'transformer_block_2/mlp/c_fc/bias [64]',
      'transformer_block_2/mlp/c_proj/kernel [64,16]', 'transformer_block_2/mlp/c_proj/bias [16]',
    ]);
    // With both output projections zero the block is the identity: the model is then tok + pos -> ln -> dense.
    const w = m.getWeights();
    for (const i of [6, 7, 12, 13]) w[i].fill(0);
    m.setWeights(w);
    const x = ids(2), out = m.predict(x).data;
    const tok = w[0], pos = w[1], gamma = w[14], beta = w[15], head = w[16];
    for (const [r, t] of [[0, 0], [1, 5], [1, 7]]) {
      const h = Array.from({ length: E }, (_, j) => tok[x.data[r * T + t] * E + j] + pos[t * E + j]);
      const mean = h.reduce((a, b) => a + b) / E, sd = Math.sqrt(h.reduce((a, b) => a + (b - mean) ** 2, 0) / E + 1e-5);
      const n = h.map((v, j) => ((v - mean) / sd) * gamma[j] + beta[j]);
      for (let c = 0; c < V; c++) expect(out[(r * T + t) * V + c]).toBeCloseTo(n.reduce((a, v, j) => a + v * head[j * V + c], 0), 4);
    }
    m.dispose();
  });

  it('causal by default: changing token 5 leaves the logits at positions 0-4; causal false does not', () => {
    for (const causal of [true, false]) {
      const m = new Sequential(gpt(T, { causal }), { seed: 2 });
      const a = ids(1), b = ids(1);
      b.data[5] = (b.data[5] + 3) % V;
      const pa = m.predict(a).data, pb = m.predict(b).data;
      const before = Array.from(pa.subarray(0, 5 * V)), changed = Array.from(pb.subarray(0, 5 * V));
      if (causal) expect(changed).toEqual(before);
      else expect(changed).not.toEqual(before);
      expect(Array.from(pb.subarray(5 * V))).not.toEqual(Array.from(pa.subarray(5 * V)));
      m.dispose();
    }
  });

  it('a sequence shorter than the table uses its first rows: the logits of a [5] model equal the first 5 of an [8] one', () => {
    const long = new Sequential(gpt(T), { seed: 3 }), short = new Sequential(gpt(5), { seed: 3 });
    short.setWeights(long.getWeights());
    const x = ids(2), x5 = { data: Float32Array.from({ length: 10 }, (_, i) => x.data[Math.floor(i / 5) * T + (i % 5)]), shape: [2, 5] };
    const pl = long.predict(x).data, ps = short.predict(x5).data;
    for (let r = 0; r < 2; r++) for (let i = 0; i < 5 * V; i++) expect(ps[r * 5 * V + i]).toBeCloseTo(pl[r * T * V + i], 5);
    long.dispose();
    short.dispose();
  });

  it('Sequential = functional Model bit for bit in training; save/load predicts the same bits; the loss falls', async () => {
    const x = ids(4), y = next(x);
    const compiled = <M extends Model>(m: M) => {
      m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr: 1e-2 }) });
      return m;
    };
    const seq = compiled(new Sequential(gpt(), { seed: 4 }));
    const tok = input({ shape: [T], dtype: 'int32' });
    const [e, p, b, n, d] = gpt();
    const fn = compiled(new Model({ inputs: tok, outputs: d.apply(n.apply(b.apply(p.apply(e.apply(tok))))) }, { seed: 4 }));
    const losses: number[] = [];
    for (let s = 0; s < 20; s++) {
      const l = seq.trainOnBatch(x, y);
      expect(fn.trainOnBatch(x, y)).toBe(l);
      losses.push(l);
    }
    expect(losses[19]).toBeLessThan(0.3 * losses[0]);
    for (const m of [seq, fn]) {
      const again = (m === seq ? Sequential.load(m.save()) : Model.load(m.save())) as Model;
      expect(again.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      expect(Array.from(again.predict(x).data)).toEqual(Array.from(m.predict(x).data));
      again.dispose();
    }
    const h = await seq.fit(x, y, { epochs: 2, batchSize: 2 });
    expect(h.loss).toHaveLength(2);
    seq.dispose();
    fn.dispose();
  });

  it("dropout is nanoGPT's config.dropout at its three places (the attention weights, both residuals), in training only", () => {
    const block = layers.transformerBlock({ numHeads: 2, dropout: 0.3 }), x = input({ shape: [T, E] });
    block.apply(x);
    const eqns = collect([block.lower(x)]);
    expect(eqns.filter((e) => e.op.name === 'dropout').map((e) => e.attrs.rate)).toEqual([0.3, 0.3]);
    expect(eqns.filter((e) => e.op.name === 'dotProductAttention').map((e) => e.attrs.rate)).toEqual([0.3]);
    const [a, b] = [0.3, 0].map((dropout) => {
      const m = new Sequential([...gpt().slice(0, 2), layers.transformerBlock({ numHeads: 2, dropout }), ...gpt().slice(3)], { seed: 6 });
      m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.sgd({ lr: 0.01 }) });
      return m;
    });
    const xs = ids(3), ys = next(xs);
    expect(Array.from(a.predict(xs).data)).toEqual(Array.from(b.predict(xs).data));
    expect(a.evaluate(xs, ys)).toEqual(b.evaluate(xs, ys));
    expect(Math.abs(a.trainOnBatch(xs, ys) - b.trainOnBatch(xs, ys))).toBeGreaterThan(1e-4);
    a.dispose();
    b.dispose();
  });

  it('summary: per-layer parameters and MACs at the input length', () => {
    const m = new Sequential([layers.embedding({ inputDim: V, outputDim: E, inputShape: [6] }), layers.positionalEmbedding({ maxLength: T, outputDim: E }), layers.transformerBlock({ numHeads: 4, mlpRatio: 2 })], { seed: 0 });
    // ln 2x32, c_attn 16x48+48, c_proj 16x16+16, c_fc 16x32+32, c_proj 32x16+16.
    const params = 64 + 816 + 272 + 544 + 528;
    // t = 6: norms 2*6*16, qkv 6*16*48, scores and values 2*36*16, c_proj 6*16*16, MLP 2*6*16*32.
    const macs = 192 + 4608 + 1152 + 1536 + 6144;
    expect(m.summary(false)).toMatch(new RegExp(`positional_embedding_1 \\(positionalEmbedding\\)\\s+\\[batch, 6, 16\\]\\s+128\\s+0`));
    expect(m.summary(false)).toMatch(new RegExp(`transformer_block_2 \\(transformerBlock\\)\\s+\\[batch, 6, 16\\]\\s+${params.toLocaleString('en-US')}\\s+${macs.toLocaleString('en-US')}`));
    m.dispose();
  });

  it('refuses bad options and shapes, naming the layer and the numbers', () => {
    expect(() => new Sequential([layers.embedding({ inputDim: V, outputDim: E, inputShape: [10] }), layers.positionalEmbedding({ maxLength: 8, outputDim: E })]))
      .toThrow('wasmnn: layer 1 (positional_embedding_1): the input has 10 positions but maxLength is 8 (the table has 8 rows)');
    expect(() => new Sequential([layers.embedding({ inputDim: V, outputDim: E, inputShape: [8] }), layers.positionalEmbedding({ maxLength: 8, outputDim: 12 })]))
      .toThrow("wasmnn: layer 1 (positional_embedding_1): the input's width is 16 but outputDim is 12 (the positions are added to it)");
    expect(() => new Sequential([layers.embedding({ inputDim: V, outputDim: E, inputShape: [8] }), layers.transformerBlock({ numHeads: 3 })]))
      .toThrow('wasmnn: layer 1 (transformer_block_1): numHeads 3 does not divide the width 16 (give keyDim, or a head count that divides 16)');
    expect(() => layers.positionalEmbedding({ maxLength: 0, outputDim: 4 })).toThrow('wasmnn: positionalEmbedding: maxLength (the longest sequence) must be a positive integer, got 0');
    expect(() => layers.positionalEmbedding({ sequenceLength: 8, outputDim: 4 } as never)).toThrow(/maxLength/);
    expect(() => layers.transformerBlock({ numHeads: 0 })).toThrow('wasmnn: transformerBlock: numHeads must be a positive integer, got 0');
    expect(() => layers.transformerBlock({ numHeads: 2, dropout: 1 })).toThrow('wasmnn: transformerBlock: dropout must be in [0, 1), got 1');
    expect(() => layers.transformerBlock({ numHeads: 2, keyDim: 129 })).toThrow('wasmnn: transformerBlock: keyDim must be an integer in [1, 128], got 129');
    expect(() => layers.transformerBlock({ numHeads: 2, n_embd: 8 } as never)).toThrow(/n_embd/);
    expect(() => layers.transformerBlock({ numHeads: 2 }).apply(input([8]))).toThrow('takes [batch, positions, width], got [batch, 8]');
    // keyDim given: any width, heads x keyDim wide inside.
    const m = new Sequential([layers.embedding({ inputDim: V, outputDim: 10, inputShape: [4] }), layers.transformerBlock({ numHeads: 3, keyDim: 4 })]);
    expect(m.parameters()[3].shape).toEqual([10, 36]);
    expect(m.predict(ids(1, 4)).shape).toEqual([1, 4, 10]);
    m.dispose();
  });
});
