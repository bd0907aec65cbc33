// The 1-D pools in ONNX and tfjs, checked by the engines themselves: ONNX Runtime runs toOnnx's
// 1-D MaxPool / AveragePool / GlobalMaxPool / GlobalAveragePool (on [batch, c, steps]) and
// tfjs-layers on the CPU backend loads toTfjs' MaxPooling1D / AveragePooling1D /
// GlobalMaxPooling1D / GlobalAveragePooling1D, each within 1e-5 (relative, floor 1) of predict;
// tfjs' own pools come in and predict the same; fromOnnx reads the ONNX back as the same layers.
// (PyTorch: models f and g of
// test/interop/pytorch-cnn.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, layers, Sequential, toTfjs, fromTfjs, type TfjsArtifacts } from 'wasmnn';
import { toOnnx, fromOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

type Batch = { data: Float32Array; shape: number[] };
const seqs = (n: number, w: number, c: number, seed: number): Batch => ({ data: Float32Array.from(randn(n * w * c, seed, 1.2)), shape: [n, w, c] });

const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType);
const viaJson = (a: TfjsArtifacts): TfjsArtifacts => ({ ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)), weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)), weightData: (a.weightData as ArrayBuffer).slice(0) });
const classNames = (a: TfjsArtifacts) => ((a.modelTopology as any).config.layers as { class_name: string }[]).map((l) => l.class_name);

// Uneven 'same' pads (the odd one after) in both pools, overlapping windows, a global max.
const maxChain = () => new Sequential([
  layers.conv1d({ inputShape: [13, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'tanh' }),
  layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), // 13 -> 7, pads [1, 1]
  layers.averagePooling1d({ padding: 'same' }), // 7 -> 4, pads [0, 1]
  layers.conv1d({ filters: 3, kernelSize: 2 }),
  layers.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }), // pads [0, 1]
  layers.globalMaxPooling1d(),
  layers.dense({ units: 2 }),
], { seed: 21 });
const avgChain = () => new Sequential([
  layers.averagePooling1d({ inputShape: [10, 2], poolSize: 4, strides: 2, padding: 'same' }), // 10 -> 5, pads [1, 2]
  layers.conv1d({ filters: 3, kernelSize: 2, activation: 'relu' }),
  layers.maxPooling1d({ poolSize: 2, strides: 1 }),
  layers.globalAveragePooling1d(),
  layers.dense({ units: 2 }),
], { seed: 22 });

describe('toOnnx of the 1-D pools, run in ONNX Runtime', () => {
  it('MaxPool and AveragePool with 1-D kernels and uneven pads, GlobalMaxPool, GlobalAveragePool: within 1e-5', async () => {
    const a = toOnnx(maxChain()), b = toOnnx(avgChain());
    expect(opTypes(a)).toEqual(['Transpose', 'Conv', 'Tanh', 'MaxPool', 'AveragePool', 'Conv', 'MaxPool', 'GlobalMaxPool', 'Flatten', 'Gemm']);
    expect(opTypes(b)).toEqual(['Transpose', 'AveragePool', 'Conv', 'Relu', 'MaxPool', 'GlobalAveragePool', 'Flatten', 'Gemm']);
    const g = onnx.ModelProto.decode(a).graph!;
    const attr = (n: number, name: string) => g.node[n].attribute!.find((t) => t.name === name)!;
    expect([3, 4, 6].map((n) => [attr(n, 'kernel_shape').ints!.map(Number), attr(n, 'pads').ints!.map(Number), attr(n, 'strides').ints!.map(Number)])).toEqual([[[3], [1, 1], [2]], [[2], [0, 1], [2]], [[2], [0, 1], [1]]]);
    expect(Number(attr(4, 'count_include_pad').i)).toBe(0);
    for (const [m, bytes, w, c] of [[maxChain(), a, 13, 3], [avgChain(), b, 10, 2]] as const) {
      for (const n of [1, 5]) {
        const xs = seqs(n, w, c, 30 + n);
        const s = await ort.InferenceSession.create(bytes);
        const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) });
        expect(relErr(out[s.outputNames[0]].data as Float32Array, m.predict(xs).data)).toBeLessThan(1e-5);
      }
    }
  });
});

describe('fromOnnx of the 1-D pools', () => {
  it('both chains come back as Sequentials of the same layers, predicting the same and running the same in ONNX Runtime', async () => {
    for (const [m, w, c] of [[maxChain(), 13, 3], [avgChain(), 10, 2]] as const) {
      const bytes = toOnnx(m);
      const back = fromOnnx(bytes);
      expect(back).toBeInstanceOf(Sequential);
      // (conv1d's 'same' comes back as its explicit pads, the same numbers)
      const config = (l: { kind: string; getConfig(): Record<string, unknown> }) => {
        const { name: _, padding, ...rest } = l.getConfig();
        return [l.kind, l.kind === 'conv1d' ? rest : { ...rest, padding }];
      };
      expect(back.layers.map(config)).toEqual(m.layers.map(config));
      const xs = seqs(4, w, c, 50);
      expect(relErr(back.predict(xs).data, m.predict(xs).data)).toBeLessThan(1e-6);
      const s = await ort.InferenceSession.create(toOnnx(back));
      const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) });
      expect(relErr(out[s.outputNames[0]].data as Float32Array, m.predict(xs).data)).toBeLessThan(1e-5);
    }
  });

  it("pads that are neither 'valid' nor 'same' for the width, and GlobalMaxPool of images, are refused naming the node", () => {
    const g = onnx.ModelProto.decode(toOnnx(maxChain()));
    g.graph!.node.find((n) => n.opType === 'MaxPool')!.attribute!.find((a) => a.name === 'pads')!.ints = [2, 0] as never;
    expect(() => fromOnnx(onnx.ModelProto.encode(g).finish())).toThrow(/node '.*MaxPool' \(MaxPool\): pads \[2,0\] over a width of 13 are neither 'valid' nor TensorFlow's 'same' \(\[1,1\]\)/);
    const cnn = new Sequential([layers.conv2d({ inputShape: [5, 5, 2], filters: 3, kernelSize: 3 }), layers.globalAveragePooling2d(), layers.dense({ units: 2 })], { seed: 3 });
    const h = onnx.ModelProto.decode(toOnnx(cnn));
    h.graph!.node.find((n) => n.opType === 'GlobalAveragePool')!.opType = 'GlobalMaxPool';
    expect(() => fromOnnx(onnx.ModelProto.encode(h).finish())).toThrow(/\(GlobalMaxPool\): GlobalMaxPool of images is not supported/);
  });
});

describe('the 1-D pools <-> tfjs', () => {
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(a.length).toBe(b.length);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return Number.isNaN(d) ? Infinity : d;
  };

  it('both chains: tfjs-layers within 1e-5, and back bit for bit', async () => {
    for (const [m, w, c] of [[maxChain(), 13, 3], [avgChain(), 10, 2]] as const) {
      const a = toTfjs(m);
      expect(classNames(a).filter((n) => n.includes('Pool'))).toEqual(w === 13 ? ['MaxPooling1D', 'AveragePooling1D', 'MaxPooling1D', 'GlobalMaxPooling1D'] : ['AveragePooling1D', 'MaxPooling1D', 'GlobalAveragePooling1D']);
      const X = seqs(6, w, c, 40);
      const t = await tfl.loadLayersModel(tf.io.fromMemory(viaJson(a) as never));
      expect(maxDiff((t.predict(tf.tensor(X.data, X.shape)) as tf.Tensor).dataSync(), m.predict(X).data)).toBeLessThan(1e-5);
      const back = fromTfjs(viaJson(a));
      expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
      expect(maxDiff(back.predict(X).data, m.predict(X).data)).toBe(0);
    }
  });

  it("tfjs' own 1-D pools come in and predict the same within 1e-5", async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.conv1d({ inputShape: [11, 2], filters: 3, kernelSize: 2, activation: 'relu' }),
      tfl.layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.averagePooling1d({ poolSize: 2, strides: 1, padding: 'same' }),
      tfl.layers.globalAveragePooling1d(),
      tfl.layers.dense({ units: 2 }),
    ] });
    let saved: TfjsArtifacts | undefined;
    await t.save(tf.io.withSaveHandler(async (s) => {
      saved = s as TfjsArtifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const m = fromTfjs(viaJson(saved!));
    expect(m.layers.map((l) => l.kind)).toEqual(['conv1d', 'maxPooling1d', 'averagePooling1d', 'globalAveragePooling1d', 'dense']);
    expect(m.layers[1].getConfig()).toMatchObject({ poolSize: 3, strides: 2, padding: 'same' });
    const X = seqs(4, 11, 2, 41);
    expect(maxDiff(m.predict(X).data, (t.predict(tf.tensor(X.data, X.shape)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });
});
