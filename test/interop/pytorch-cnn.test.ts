// The image layers in PyTorch: two seeded CNNs, a 1-D one, a zero-padded one, one with batch norm of sequences and two with 1-D pools (tools/golden/wasmnn_cnn.mjs) export the committed
// safetensors ('pytorch' layout, OIHW kernels) and nn.Sequential source byte for byte, and
// PyTorch 1.13 loading those files (tools/golden/wasmnn_cnn_check.py, strict load_state_dict)
// recorded outputs that predict() reproduces within 1e-5; the pytorch layout loads back.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, Sequential, layers, toSafetensors, fromSafetensors, readSafetensors, toPytorchModule } from 'wasmnn';
import { cnnModels } from '../../tools/golden/wasmnn_cnn.mjs';
import { relErr, bits } from '../helpers/compare.js';

beforeAll(async () => {
  await init();
});

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url));
const ref = JSON.parse(fixture('wasmnn_cnn.json').toString('utf8')) as Record<'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g', { modules: number; x: number[][] | number[][][] | number[][][][]; y: number[][] }>;

/** PyTorch's NCHW batch as our NHWC images. */
function nhwc(x: number[][][][]) {
  const [n, c, h, w] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
  const data = new Float32Array(n * h * w * c);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[((a * h + i) * w + j) * c + ch] = x[a][ch][i][j];
  return { data, shape: [n, h, w, c] };
}
/** PyTorch's NCW sequences as our [n, w, c]. */
function nwc(x: number[][][]) {
  const [n, c, w] = [x.length, x[0].length, x[0][0].length];
  const data = new Float32Array(n * w * c);
  for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let j = 0; j < w; j++) data[(a * w + j) * c + ch] = x[a][ch][j];
  return { data, shape: [n, w, c] };
}
const inputOf = (k: keyof typeof ref) => (k === 'a' || k === 'd' ? nhwc(ref[k].x as number[][][][]) : k === 'c' || k === 'f' || k === 'g' ? nwc(ref[k].x as number[][][]) : (ref[k].x as number[][]));

describe('toSafetensors pytorch layout and toPytorchModule of CNNs, checked by PyTorch', () => {
  for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const) {
    it(`model ${k}: the committed files byte for byte; PyTorch's outputs within 1e-5 of predict`, () => {
      const m = cnnModels()[k];
      expect(Buffer.from(toSafetensors(m, { layout: 'pytorch' })).equals(fixture(`wasmnn_cnn_${k}.safetensors`))).toBe(true);
      const src = toPytorchModule(m);
      expect(src + '\n').toBe(fixture(`wasmnn_cnn_${k}.py`).toString('utf8'));
      expect(src.match(/# \d+$/gm)!.length).toBe(ref[k].modules);
      expect(relErr(m.predict(inputOf(k)).data, ref[k].y.flat())).toBeLessThan(1e-5);
    });
  }

  it('kernels are OIHW in the file: [cout, cin/groups, kh, kw], element (o, c, p, q) = ours (p, q, c, o)', () => {
    const m = cnnModels().a;
    const t = readSafetensors(toSafetensors(m, { layout: 'pytorch' })).tensors.find((x) => x.name === '8.weight')!; // the grouped conv
    expect(t.shape).toEqual([4, 6, 2, 3]);
    const file = new Float32Array(t.bytes.slice().buffer);
    const W = m.getWeights()[6]; // conv2d_4's kernel [2, 3, 6, 4] (after conv, batch norm and depthwise: 2 weights each)
    for (const [o, c, p, q] of [[0, 0, 0, 0], [3, 5, 1, 2], [2, 1, 0, 2], [1, 4, 1, 0]]) expect(file[((o * 6 + c) * 2 + p) * 3 + q]).toBe(W[((p * 3 + q) * 6 + c) * 4 + o]);
    // conv1d: [cout, cin/groups, kw] in the file, element (o, c, q) = ours [kw, cin/groups, cout] (q, c, o).
    const mc = cnnModels().c;
    const t1 = readSafetensors(toSafetensors(mc, { layout: 'pytorch' })).tensors.find((x) => x.name === '3.weight')!; // the grouped, dilated conv1d
    expect(t1.shape).toEqual([4, 2, 2]);
    const f1 = new Float32Array(t1.bytes.slice().buffer), W1 = mc.getWeights()[2];
    for (const [o, c, q] of [[0, 0, 0], [3, 1, 1], [2, 0, 1], [1, 1, 0]]) expect(f1[(o * 2 + c) * 2 + q]).toBe(W1[(q * 2 + c) * 4 + o]);
  });

  it('fromSafetensors reads the pytorch layout back into a CNN: kernels, biases, batch norm statistics, predictions', () => {
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g'] as const) {
      const want = cnnModels()[k];
      const m = cnnModels()[k];
      m.setWeights(m.getWeights().map((w) => new Float32Array(w.length)));
      fromSafetensors(fixture(`wasmnn_cnn_${k}.safetensors`), m);
      expect(m.getWeights().map(bits)).toEqual(want.getWeights().map(bits));
      const norm = (x: Sequential) => x.layers.find((l) => l.kind === 'batchNorm') as InstanceType<typeof layers.BatchNorm> | undefined;
      if (norm(want)) expect(bits(norm(m)!.runningVar.data)).toEqual(bits(norm(want)!.runningVar.data));
      expect(bits(m.predict(inputOf(k)).data)).toEqual(bits(want.predict(inputOf(k)).data));
    }
  });

  it('what has no PyTorch equivalent here is refused naming the layer: dense on images, batch norm of a rank-5 input', () => {
    const onImages = new Sequential([layers.conv2d({ inputShape: [4, 4, 1], filters: 2, kernelSize: 3 }), layers.dense({ units: 2 })]);
    expect(() => toPytorchModule(onImages)).toThrow(/layer 1 \(dense_1\) of kind 'dense' on images \[batch, h, w, c\] has no PyTorch equivalent/);
    expect(() => toSafetensors(onImages, { layout: 'pytorch' })).toThrow(/has no PyTorch equivalent/);
    const seq = new Sequential([layers.reshape({ inputShape: [24], targetShape: [2, 2, 2, 3] }), layers.batchNorm()]);
    expect(() => toPytorchModule(seq)).toThrow(/layer 1 \(batch_norm_1\) of kind 'batchNorm' on a rank-5 input has no PyTorch equivalent/);
  });
});
