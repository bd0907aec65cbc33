// ONNX export of sequence models, checked by ONNX Runtime (onnxruntime-node, CPU): the two GPTs of
// tools/golden/wasmnn_gpt.mjs (Gather, LayerNormalization, MatMul, a causal Where, Softmax, Erf)
// with int32 and int64 ids, and multi-head attention models, each within 1e-5 of predict();
// without the causal Where the GPT's logits move by far more, so the check sees the mask.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { init, Model, type Matrix } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
import { gptModels } from '../../tools/golden/wasmnn_gpt.mjs';
import { relErr } from '../helpers/compare.js';
import { attentionModel } from '../helpers/attention-model.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

type Feed = { data: Float32Array | Int32Array | BigInt64Array; shape: number[] };
async function ortRun(bytes: Uint8Array, feeds: Feed[]): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes);
  const type = (d: Feed['data']) => (d instanceof Int32Array ? 'int32' : d instanceof BigInt64Array ? 'int64' : 'float32');
  const out = await s.run(Object.fromEntries(s.inputNames.map((n, i) => [n, new ort.Tensor(type(feeds[i].data), feeds[i].data, feeds[i].shape)])));
  return s.outputNames.map((n) => out[n].data as Float32Array);
}
const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType!);
/** The model without its Where nodes (each replaced by its 'true' branch: the scores unmasked). */
function withoutWhere(bytes: Uint8Array): Uint8Array {
  const m = onnx.ModelProto.decode(bytes), g = m.graph!;
  for (const w of g.node.filter((n) => n.opType === 'Where')) {
    for (const n of g.node) n.input = n.input.map((v) => (v === w.output[0] ? w.input[1] : v));
  }
  const dropped = new Set(g.node.filter((n) => n.opType === 'Where').flatMap((n) => [n.input[0], n.input[2]]));
  g.node = g.node.filter((n) => n.opType !== 'Where');
  g.initializer = g.initializer.filter((t) => !dropped.has(t.name!));
  return onnx.ModelProto.encode(m).finish();
}
const ids = (n: number, t: number, vocab: number, seed: number) => Int32Array.from({ length: n * t }, (_, i) => (i * 7 + seed * 5 + ((i * i) % 11)) % vocab);

describe('toOnnx of GPTs, run in ONNX Runtime', () => {
  for (const k of ['a', 'b'] as const) {
    it(`GPT ${k}: the logits within 1e-5 of predict, ids int32 and int64`, async () => {
      const m = gptModels()[k];
      const t = m.inputs[0].shape[1], vocab = m.layers[0].paramSpecs()[0].shape[0];
      const x = ids(5, t, vocab, k === 'a' ? 1 : 2);
      const ours = (m.predict({ data: Float32Array.from(x), shape: [5, t] }) as Matrix).data;
      const bytes = toOnnx(m);
      const types = opTypes(bytes);
      for (const op of ['Gather', 'LayerNormalization', 'MatMul', 'Softmax', 'Erf', 'Transpose', 'Reshape']) expect(types, op).toContain(op);
      expect(types.filter((o) => o === 'Where')).toHaveLength(k === 'a' ? 2 : 1); // b's first block is not causal
      if (k === 'b') expect(types).toContain('Slice'); // 5 of the 6 positions' rows
      const g = onnx.ModelProto.decode(bytes).graph!;
      expect(g.input[0].type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.INT32);
      expect(relErr((await ortRun(bytes, [{ data: x, shape: [5, t] }]))[0], ours)).toBeLessThan(1e-5); // 3e-7 (a), 2e-7 (b)
      const as64 = toOnnx(m, { indexDtype: 'int64' });
      expect(onnx.ModelProto.decode(as64).graph!.input[0].type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.INT64);
      expect(relErr((await ortRun(as64, [{ data: BigInt64Array.from(x, BigInt), shape: [5, t] }]))[0], ours)).toBeLessThan(1e-5);
      m.dispose();
    });
  }

  it('without the causal Where the logits are another model\'s: the check above sees the mask', async () => {
    const m = gptModels().a;
    const x = ids(5, 8, 12, 1);
    const ours = (m.predict({ data: Float32Array.from(x), shape: [5, 8] }) as Matrix).data;
    const theirs = (await ortRun(withoutWhere(toOnnx(m)), [{ data: x, shape: [5, 8] }]))[0];
    expect(relErr(theirs, ours)).toBeGreaterThan(1e-2); // 0.65
    m.dispose();
  });

  it('a bad indexDtype is refused', () => {
    const m = gptModels().a;
    expect(() => toOnnx(m, { indexDtype: 'int16' as never })).toThrow(/indexDtype must be 'int32' or 'int64', got "int16"/);
    m.dispose();
  });
});

describe('toOnnx of multi-head attention, run in ONNX Runtime', () => {
  it('causal self-attention with biases, and cross-attention (query, value, key) without, within 1e-5', async () => {
    const { m, feeds } = attentionModel();
    const ours = (m.predict(feeds) as Matrix[]).map((p) => p.data);
    const bytes = toOnnx(m);
    expect(opTypes(bytes).filter((o) => o === 'Where')).toHaveLength(1);
    const theirs = await ortRun(bytes, feeds);
    theirs.forEach((t, i) => expect(relErr(t, ours[i]), `output ${i}`).toBeLessThan(1e-5));
    const unmasked = await ortRun(withoutWhere(bytes), feeds);
    expect(relErr(unmasked[0], ours[0])).toBeGreaterThan(1e-2);
    m.dispose();
  });
});
