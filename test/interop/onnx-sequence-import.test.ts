// fromOnnx of sequence models: toOnnx of the two GPTs of tools/golden/wasmnn_gpt.mjs and of
// multi-head attention models read back op by op (embedding, positionalEmbedding,
// layerNormalization and dense layers, the attention op for the MatMul..Softmax..MatMul run,
// Gather/Split as boxes, Reshape and Transpose), predict on the same ids within 1e-5 of the
// original's, export again to what ONNX Runtime runs the same, and a training step on the import (loss finite, weights move). PyTorch's own export
// of nanoGPT (tools/golden/torch_gpt.py: Split, Where(mask, -inf, s), Add(bias, x), fixed-batch
// Reshapes) against its float64 logits; the clear errors of what is not read.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { init, Model, layers, optimizers, type Matrix } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
import { gptModels } from '../../tools/golden/wasmnn_gpt.mjs';
import { relErr } from '../helpers/compare.js';
import { attentionModel } from '../helpers/attention-model.js';
import { golden } from '../helpers/fixtures.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

const ids = (n: number, t: number, vocab: number, seed: number) => Float32Array.from({ length: n * t }, (_, i) => (i * 7 + seed * 5 + ((i * i) % 11)) % vocab);
const opsOf = (m: Model) => m.layers.map((l) => l.kind);

describe('fromOnnx(toOnnx(gpt))', () => {
  for (const k of ['a', 'b'] as const) {
    it(`GPT ${k}: predict within 1e-5 of the original, and one training step`, async () => {
      const m = gptModels()[k];
      const t = m.inputs[0].shape[1], vocab = m.layers[0].paramSpecs()[0].shape[0];
      const x = { data: ids(5, t, vocab, k === 'a' ? 1 : 2), shape: [5, t] };
      const ours = (m.predict(x) as Matrix).data;
      const back = await Model.fromOnnx(toOnnx(m));
      const kinds = opsOf(back);
      expect(kinds.filter((c) => c === 'layerNormalization')).toHaveLength(5); // 2 per block and ln_f
      expect(kinds).toContain('embedding');
      expect(kinds).toContain('positionalEmbedding');
      const theirs = (back.predict(x) as Matrix).data;
      expect(relErr(theirs, ours)).toBeLessThan(1e-5);
      // The import exports again (its attention op, boxes and reshapes), and ONNX Runtime agrees.
      const s = await ort.InferenceSession.create(toOnnx(back));
      const again = await s.run({ [s.inputNames[0]]: new ort.Tensor('int32', Int32Array.from(x.data), x.shape) });
      expect(relErr(again[s.outputNames[0]].data as Float32Array, ours)).toBeLessThan(1e-5);
      // Every parameter came back as one (the same count and numbers), so the import trains as the original.
      expect(back.parameters().reduce((s, p) => s + p.value.length, 0)).toBe(m.parameters().reduce((s, p) => s + p.value.length, 0));
      back.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr: 1e-2 }) });
      const before = back.getWeights().map((w) => Float32Array.from(w));
      const loss = back.trainOnBatch(x, { data: ids(5, t, vocab, 3), shape: [5, t] });
      expect(Number.isFinite(loss)).toBe(true);
      expect(back.getWeights().some((w, i) => relErr(w, before[i]) > 1e-4)).toBe(true);
      m.dispose();
      back.dispose();
    });
  }
});

describe('fromOnnx(toOnnx(multi-head attention))', () => {
  it('causal self-attention with biases and cross-attention without: predict within 1e-5', async () => {
    const { m, feeds } = attentionModel();
    const ours = (m.predict(feeds) as Matrix[]).map((p) => p.data);
    const back = await Model.fromOnnx(toOnnx(m));
    const theirs = (back.predict(feeds) as Matrix[]).map((p) => p.data);
    theirs.forEach((t, i) => expect(relErr(t, ours[i]), `output ${i}`).toBeLessThan(1e-5));
    m.dispose();
    back.dispose();
  });
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));

describe("fromOnnx of torch.onnx.export's nanoGPT (opset 17)", () => {
  const g = golden<{ x: { shape: number[]; data: number[] }; logits: { shape: number[]; data: number[] } }>('torch_gpt.json');
  const x = { data: Float32Array.from(g.x.data), shape: g.x.shape };

  it("a fixed batch: predict within 1e-5 of PyTorch's float64 logits, on any batch, and trains", async () => {
    const m = await Model.fromOnnx(fixture('torch_gpt.onnx'));
    expect(opsOf(m).filter((c) => c === 'layerNormalization')).toHaveLength(5);
    expect(relErr((m.predict(x) as Matrix).data, g.logits.data)).toBeLessThan(1e-5);
    // The batch of 3 fixed in the file is the model's symbolic batch: two windows give their rows.
    const two = { data: x.data.slice(0, 16), shape: [2, 8] };
    expect(relErr((m.predict(two) as Matrix).data, g.logits.data.slice(0, 2 * 8 * 12))).toBeLessThan(1e-5);
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr: 1e-2 }) });
    const first = m.trainOnBatch(x, { data: Float32Array.from(g.x.data, (v) => (v + 1) % 12), shape: g.x.shape });
    expect(Number.isFinite(first)).toBe(true);
    expect(m.trainOnBatch(x, { data: Float32Array.from(g.x.data, (v) => (v + 1) % 12), shape: g.x.shape })).toBeLessThan(first);
    m.dispose();
  });

  it('a dynamic batch: its shape arithmetic is refused, naming the op and the node', async () => {
    await expect(Model.fromOnnx(fixture('torch_gpt_dynamic.onnx'))).rejects.toThrow(/node '\/Shape' \(Shape\): op 'Shape' is not supported/);
  });
});

describe('fromOnnx of sequence graphs: clear errors', () => {
  const edited = (edit: (g: ReturnType<typeof onnx.ModelProto.decode>['graph'] & object) => void) => {
    const m = onnx.ModelProto.decode(toOnnx(gptModels().a));
    edit(m.graph!);
    return onnx.ModelProto.encode(m).finish();
  };

  it('a causal condition that is not the lower triangle', async () => {
    const bytes = edited((g) => {
      const c = g.initializer.find((t) => t.name!.endsWith('causal'))!;
      c.rawData = c.rawData!.map(() => 1);
    });
    await expect(Model.fromOnnx(bytes)).rejects.toThrow(/\(Where\): the condition is not the causal lower triangle/);
  });

  it('a masked branch that is not -inf', async () => {
    const bytes = edited((g) => {
      const c = g.initializer.find((t) => t.name!.endsWith('minus_inf'))!;
      new DataView(c.rawData!.buffer, c.rawData!.byteOffset).setFloat32(0, -1e9, true);
    });
    await expect(Model.fromOnnx(bytes)).rejects.toThrow(/\(Where\): the masked branch must be -inf/);
  });

  it('a Gather whose table is computed', async () => {
    const bytes = edited((g) => {
      const n = g.node.find((v) => v.opType === 'Gather')!;
      n.input = [n.input[1], n.input[1]];
    });
    await expect(Model.fromOnnx(bytes)).rejects.toThrow(/\(Gather\): a Gather of computed indices from a computed tensor is not supported \(the table must be a constant/);
  });

  it('a LayerNormalization over another axis than the last', async () => {
    const bytes = edited((g) => {
      const n = g.node.find((v) => v.opType === 'LayerNormalization')!;
      n.attribute.find((a) => a.name === 'axis')!.i = 1 as never;
    });
    await expect(Model.fromOnnx(bytes)).rejects.toThrow(/\(LayerNormalization\): LayerNormalization from axis 1 of a rank-3 tensor is not supported/);
  });
});
