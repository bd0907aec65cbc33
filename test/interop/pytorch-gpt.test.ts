// GPTs in PyTorch: two seeded GPTs (tools/golden/wasmnn_gpt.mjs) export the committed safetensors
// ('pytorch' layout: nanoGPT's state_dict names, Linear weights [out, in]) and nanoGPT-style
// module source byte for byte, and PyTorch 1.13 loading those files (tools/golden/wasmnn_gpt_check.py,
// strict load_state_dict, float32) recorded logits that predict() reproduces within 1e-5; the
// files load back; a GPT-like chain in another arrangement is refused.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, Sequential, layers, toSafetensors, fromSafetensors, readSafetensors, toPytorchModule } from 'wasmnn';
import { gptModels } from '../../tools/golden/wasmnn_gpt.mjs';
import { relErr, bits } from '../helpers/compare.js';

beforeAll(async () => {
  await init();
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
type Case = { parameters: number; x: number[][]; y: number[][][] };
const ref = JSON.parse(fixture('wasmnn_gpt.json').toString('utf8')) as { torch: string } & Record<'a' | 'b', Case>;

const ids = (x: number[][]) => ({ data: Float32Array.from(x.flat()), shape: [x.length, x[0].length] });
const tensor = (m: Sequential, name: string) => {
  const t = readSafetensors(toSafetensors(m, { layout: 'pytorch' })).tensors.find((e) => e.name === name)!;
  return { shape: t.shape, data: new Float32Array(t.bytes.slice().buffer) };
};

describe(`toSafetensors pytorch layout and toPytorchModule of GPTs, checked by PyTorch ${ref.torch}`, () => {
  for (const k of ['a', 'b'] as const) {
    it(`model ${k}: the committed files byte for byte; PyTorch's logits within 1e-5 of predict`, () => {
      const m = gptModels()[k];
      expect(Buffer.from(toSafetensors(m, { layout: 'pytorch' })).equals(fixture(`wasmnn_gpt_${k}.safetensors`))).toBe(true);
      expect(toPytorchModule(m) + '\n').toBe(fixture(`wasmnn_gpt_${k}.py`).toString('utf8'));
      expect(ref[k].parameters).toBe(m.parameters().length);
      const err = relErr(m.predict(ids(ref[k].x)).data, ref[k].y.flat(2));
      expect(err).toBeLessThan(1e-5);
      m.dispose();
    });
  }

  it("nanoGPT's names and layouts: tables as they are, c_attn [3 hk, E] = our kernel transposed, lm_head [vocab, E]", () => {
    const m = gptModels().a;
    const names = readSafetensors(toSafetensors(m, { layout: 'pytorch' })).tensors.map((t) => t.name).sort();
    const block = (i: number) => ['ln_1', 'attn.c_attn', 'attn.c_proj', 'ln_2', 'mlp.c_fc', 'mlp.c_proj'].flatMap((p) => [`transformer.h.${i}.${p}.weight`, `transformer.h.${i}.${p}.bias`]);
    expect(names).toEqual(['lm_head.weight', 'transformer.ln_f.weight', 'transformer.ln_f.bias', 'transformer.wpe.weight', 'transformer.wte.weight', ...block(0), ...block(1)].sort());
    const ws = m.getWeights(), at = (n: string) => ws[m.parameters().findIndex((p) => p.name === n)];
    const c = tensor(m, 'transformer.h.1.attn.c_attn.weight'), ours = at('transformer_block_3/attn/c_attn/kernel'); // ours [16, 48]
    expect(c.shape).toEqual([48, 16]);
    for (const [o, i] of [[0, 0], [47, 15], [17, 3], [33, 9]]) expect(c.data[o * 16 + i]).toBe(ours[i * 48 + o]);
    expect(tensor(m, 'lm_head.weight').shape).toEqual([12, 16]);
    expect(bits(tensor(m, 'transformer.wte.weight').data)).toEqual(bits(at('embedding_0/embeddings')));
    expect(tensor(m, 'transformer.h.0.mlp.c_fc.weight').shape).toEqual([64, 16]);
    const b = gptModels().b; // 3 heads of 5: c_attn [45, 12], c_proj [12, 15]; the lm_head's bias
    expect([tensor(b, 'transformer.h.0.attn.c_attn.weight').shape, tensor(b, 'transformer.h.0.attn.c_proj.weight').shape, tensor(b, 'lm_head.bias').shape]).toEqual([[45, 12], [12, 15], [7]]);
    [m, b].forEach((x) => x.dispose());
  });

  it('a transposed c_attn (our [in, out] under its name) gives other logits: the check sees the layout', () => {
    const m = gptModels().a;
    const ws = m.getWeights(), i = m.parameters().findIndex((p) => p.name === 'transformer_block_2/attn/c_attn/kernel');
    const w = ws[i], t = new Float32Array(w.length);
    // The square [16, 16] q block of c_attn read the other way round, as if the file were [in, out].
    for (let r = 0; r < 16; r++) for (let c = 0; c < 16; c++) t[r * 48 + c] = w[c * 48 + r];
    for (let r = 0; r < 16; r++) for (let c = 16; c < 48; c++) t[r * 48 + c] = w[r * 48 + c];
    ws[i] = t;
    m.setWeights(ws);
    expect(relErr(m.predict(ids(ref.a.x)).data, ref.a.y.flat(2))).toBeGreaterThan(1e-2);
    m.dispose();
  });

  it('fromSafetensors reads the pytorch layout back into a GPT: every weight bit for bit, the same predictions', () => {
    for (const k of ['a', 'b'] as const) {
      const want = gptModels()[k], m = gptModels()[k];
      m.setWeights(m.getWeights().map((w) => new Float32Array(w.length)));
      fromSafetensors(fixture(`wasmnn_gpt_${k}.safetensors`), m);
      expect(m.getWeights().map(bits)).toEqual(want.getWeights().map(bits));
      expect(bits(m.predict(ids(ref[k].x)).data)).toEqual(bits(want.predict(ids(ref[k].x)).data));
      [m, want].forEach((x) => x.dispose());
    }
  });

  it('sequence layers in another arrangement, or an lm_head with an activation, are refused naming what is written', () => {
    const noPositions = new Sequential([layers.embedding({ inputDim: 5, outputDim: 8, inputShape: [4] }), layers.transformerBlock({ numHeads: 2 }), layers.layerNormalization(), layers.dense({ units: 5 })]);
    expect(() => toPytorchModule(noPositions)).toThrow(/sequence layers \[embedding, transformerBlock, layerNormalization, dense\] has no PyTorch equivalent here: the one written is nanoGPT's GPT/);
    expect(() => toSafetensors(noPositions, { layout: 'pytorch' })).toThrow(/nanoGPT's GPT/);
    expect(toSafetensors(noPositions).length).toBeGreaterThan(0); // the wasmnn layout has no such limit
    const softmaxHead = new Sequential([layers.embedding({ inputDim: 5, outputDim: 8, inputShape: [4] }), layers.positionalEmbedding({ maxLength: 4, outputDim: 8 }), layers.layerNormalization(), layers.dense({ units: 5, activation: 'softmax' })]);
    expect(() => toPytorchModule(softmaxHead)).toThrow(/layer 3 \(dense_3\): the GPT's lm_head is a Linear; its activation 'softmax'/);
  });
});
