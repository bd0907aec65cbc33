// ONNX import of 1-D convolutions: a Conv with a filter [cout, cin/groups, kw] on [batch, c, width]
// comes in as layers.conv1d. What torch.onnx.export wrote for a PyTorch Conv1d net
// (tools/golden/torch_conv1d.py, NCW input) becomes a channels-last Sequential that predicts
// PyTorch's outputs within 1e-5 (as does ONNX Runtime on the same file), and toOnnx's own conv1d
// chains (causal, grouped, dilated, explicit pads; 1-D pools between) come back predicting the
// same and running the same in ONNX Runtime.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { init, layers, optimizers, Sequential, Model } from 'wasmnn';
import { toOnnx, fromOnnx } from 'wasmnn/onnx';
import onnxProto from 'onnx-proto';
import { randn } from '../helpers/wasm.js';
import { relErr } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

type Batch = { data: Float32Array; shape: number[] };
const seqs = (n: number, w: number, c: number, seed: number): Batch => ({ data: Float32Array.from(randn(n * w * c, seed, 1.2)), shape: [n, w, c] });
const kinds = (m: { layers: readonly { kind: string; getConfig(): Record<string, unknown> }[] }) => m.layers.map((l) => l.kind);
async function ortRun(bytes: Uint8Array, x: Batch): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  return (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) }))[s.outputNames[0]].data as Float32Array;
}

describe('fromOnnx of a PyTorch Conv1d net (PyTorch 1.13, opset 17)', () => {
  const ref = JSON.parse(readFileSync(new URL('../fixtures/torch_conv1d.json', import.meta.url), 'utf8')) as { x: number[][][]; y: number[][] };
  /** PyTorch's NCW batch as our [n, w, c]. */
  const nwc = (x: number[][][]): Batch => {
    const [n, c, w] = [x.length, x[0].length, x[0][0].length];
    const data = new Float32Array(n * w * c);
    for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < w; j++) data[(a * w + j) * c + ch] = x[a][ch][j];
    return { data, shape: [n, w, c] };
  };

  it("a channels-last Sequential ([batch, 11, 3] input) that predicts PyTorch's outputs within 1e-5, exports again and fine-tunes", async () => {
    const bytes = readFileSync(new URL('../fixtures/torch_conv1d.onnx', import.meta.url));
    const m = fromOnnx(bytes);
    expect(m).toBeInstanceOf(Sequential);
    expect(kinds(m)).toEqual(['conv1d', 'conv1d', 'conv1d', 'flatten', 'dense']);
    expect(m.layers.map((l) => { const c = l.getConfig(); return [c.kernelSize, c.strides, c.dilationRate, c.groups, c.padding, c.activation]; }).slice(0, 3)).toEqual([
      [3, 2, 1, 1, [1, 1], 'relu'], [2, 1, 2, 2, [1, 1], 'tanh'], [1, 1, 1, 1, 'valid', 'linear'],
    ]);
    expect(m.inputs[0].shape).toEqual([-1, 11, 3]);
    const x = nwc(ref.x), y = ref.y.flat();
    expect(relErr(m.predict(x).data, y)).toBeLessThan(1e-5);
    const s = await ort.InferenceSession.create(bytes);
    const theirs = (await s.run({ input: new ort.Tensor('float32', Float32Array.from(ref.x.flat(2)), [5, 3, 11]) })).output.data as Float32Array;
    expect(relErr(theirs, y)).toBeLessThan(1e-5);
    expect(relErr(await ortRun(toOnnx(m), x), y)).toBeLessThan(1e-5);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const xt = seqs(16, 11, 3, 7), yt = Array.from({ length: 16 }, (_, r) => Array.from(randn(3, 50 + r)));
    const before = m.evaluate(xt, yt).loss;
    await m.fit(xt, yt, { epochs: 10, batchSize: 8 });
    expect(m.evaluate(xt, yt).loss).toBeLessThan(0.9 * before);
  });
});

describe('toOnnx then fromOnnx of conv1d chains', () => {
  it('causal, grouped, dilated, explicit pads, flatten, dense: predictions the same, ONNX Runtime within 1e-5', async () => {
    const m = new Sequential([
      layers.conv1d({ inputShape: [12, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.conv1d({ filters: 6, kernelSize: 2, dilationRate: 3, padding: 'causal', groups: 2, activation: 'tanh' }),
      layers.conv1d({ filters: 2, kernelSize: 3, padding: [2, 1], useBias: false }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ], { seed: 11 });
    const x = seqs(5, 12, 3, 1);
    const bytes = toOnnx(m);
    const back = fromOnnx(bytes);
    expect(kinds(back)).toEqual(['conv1d', 'conv1d', 'conv1d', 'flatten', 'dense']);
    expect(back.layers[1].getConfig()).toMatchObject({ padding: [3, 0], dilationRate: 3, groups: 2, activation: 'tanh' });
    expect(relErr(back.predict(x).data, m.predict(x).data)).toBeLessThan(1e-6);
    expect(relErr(await ortRun(bytes, x), m.predict(x).data)).toBeLessThan(1e-5);
  });

  it('a functional model whose output is a sequence comes back [batch, width, c]', async () => {
    const m = new Sequential([layers.conv1d({ inputShape: [9, 2], filters: 3, kernelSize: 4, padding: 'same' })], { seed: 12 });
    const back = fromOnnx(toOnnx(m));
    const x = seqs(3, 9, 2, 5);
    const y = back.predict(x);
    expect(y.shape).toEqual([3, 9, 3]);
    expect(relErr(y.data, m.predict(x).data)).toBeLessThan(1e-6);
    expect(back instanceof Model || back instanceof Sequential).toBe(true);
  });

  it('refuses 2-D pads or kernel_shape on a 1-D filter, naming the node', () => {
    const m = new Sequential([layers.conv1d({ inputShape: [9, 2], filters: 3, kernelSize: 4 })], { seed: 12 });
    const edit = (name: string, ints: number[]) => {
      const g = onnx.ModelProto.decode(toOnnx(m));
      const conv = g.graph!.node.find((n) => n.opType === 'Conv')!;
      conv.attribute!.find((a) => a.name === name)!.ints = ints;
      return onnx.ModelProto.encode(g).finish();
    };
    expect(() => fromOnnx(edit('pads', [0, 0, 0, 0]))).toThrow(/node 'conv1d_0\/Conv'.*pads \[0,0,0,0\] are not those of a 1-D sequence/);
    expect(() => fromOnnx(edit('kernel_shape', [1, 4]))).toThrow(/node 'conv1d_0\/Conv'.*kernel_shape \[1,4\] does not match the filter's \[4\]/);
  });
});
