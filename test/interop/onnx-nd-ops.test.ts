// ONNX export of the N-d graph ops of functional models, checked by ONNX Runtime: reductions over
// axes, softmax along an axis, concat, slices and pads of boxes along any axes, batched matmul,
// gather, oneHot, where, layerNorm and rmsNorm, dotProductAttention (causal, masked), max and min
// over axes (one run, two runs through a transpose, every axis); each output
// within 1e-5 (relative, floor 1) of predict(). What has no export is refused naming the op.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { init, Model, input, ops, type Matrix } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});


describe('toOnnx of N-d graph ops, run in ONNX Runtime', () => {
  it('every N-d op, one output each, within 1e-5', async () => {
    const x = input([4, 5], { name: 'x' }), idx = input({ shape: [4], dtype: 'int32', name: 'ids' });
    const table = ops.constant(randn(18, 7, 1), [6, 3]);
    const gamma = ops.constant(Float32Array.from({ length: 5 }, (_, i) => 0.5 + 0.25 * i), [5]), beta = ops.constant(Float32Array.from({ length: 5 }, (_, i) => 0.1 * i - 0.2), [5]);
    const q = ops.reshape(x, [-1, 1, 4, 5]);
    const keep = Array.from({ length: 16 }, (_, i) => i !== 4 && i !== 14); // two (query, key) pairs left out
    const outs = {
      sum12: ops.sum(x, [1, 2]), mean1: ops.mean(x, 1), sum2keep: ops.sum(x, 2, true), meanAll: ops.mean(x), sumMiddle: ops.sum(ops.reshape(x, [-1, 2, 2, 5]), [1, 2], true),
      softmax1: ops.softmax(x, 1), logSoftmax2: ops.logSoftmax(x, 2), concat1: ops.concat([x, ops.mul(x, 2)], 1), concat2: ops.concat([x, ops.neg(x)]),
      crop: ops.slice(x, [0, 1, 2], [-1, 2, 3]), pad: ops.pad(x, [[0, 0], [1, 2], [0, 1]], 0.5), bmm: ops.matmul(x, ops.transpose(x, [0, 2, 1])),
      gather: ops.gather(table, idx), oneHot: ops.oneHot(idx, 6), where: ops.where(ops.constant(Array.from({ length: 20 }, (_, i) => i % 3), [4, 5]), x, -1.5),
      layerNorm: ops.layerNorm(x, gamma, beta, { epsilon: 1e-3 }), rmsNorm: ops.rmsNorm(x, gamma), causal: ops.dotProductAttention(q, q, q, { causal: true }),
      masked: ops.dotProductAttention(q, q, q, { mask: keep, scale: 0.7 }), expandSqueeze: ops.squeeze(ops.expandDims(x, 1), 1),
      max2: ops.max(x, 2), min1keep: ops.min(x, 1, true), maxOuter: ops.max(ops.reshape(x, [-1, 2, 2, 5]), [1, 3]), minAll: ops.min(x),
    };
    const names = Object.keys(outs);
    const m = new Model({ inputs: [x, idx], outputs: Object.values(outs) }, { seed: 3 });
    const xs = { data: Float32Array.from(randn(3 * 20, 11, 1.2)), shape: [3, 4, 5] };
    const ids = Int32Array.from([0, 5, 2, 2, 1, 3, 4, 0, 5, 5, 1, 2]);
    const ours = (m.predict([xs, { data: Float32Array.from(ids), shape: [3, 4] }]) as Matrix[]).map((p) => p.data);
    const bytes = toOnnx(m, { outputNames: names });
    const types = new Set(onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType));
    for (const t of ['ReduceSum', 'ReduceMean', 'Softmax', 'LogSoftmax', 'Concat', 'Slice', 'Pad', 'MatMul', 'Gather', 'OneHot', 'Where', 'Cast', 'LayerNormalization', 'Sqrt', 'ReduceMax', 'ReduceMin']) expect(types, t).toContain(t);
    const dims = (name: string) => onnx.ModelProto.decode(bytes).graph!.output.find((o) => o.name === name)!.type!.tensorType!.shape!.dim.map((d) => d.dimParam || Number(d.dimValue));
    expect([dims('meanAll'), dims('sum12'), dims('crop'), dims('pad')]).toEqual([[1, 1], ['batch'], ['batch', 2, 3], ['batch', 7, 6]]);
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ x: new ort.Tensor('float32', xs.data, xs.shape), ids: new ort.Tensor('int32', ids, [3, 4]) });
    names.forEach((n, i) => {
      const theirs = out[n].data as Float32Array;
      expect(relErr(theirs, ours[i].subarray(0, theirs.length)), n).toBeLessThan(1e-5);
    });
    m.dispose();
  });

  it('an op with no export is refused naming it', () => {
    const x = input([3]), y = input([3]);
    const m = new Model({ inputs: [x, y], outputs: ops.mse(x, y) });
    expect(() => toOnnx(m)).toThrow(/the graph applies the op 'loss', which has no ONNX export/);
    m.dispose();
  });
});
