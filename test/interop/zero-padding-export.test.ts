// zeroPadding2d in ONNX and tfjs, checked by the engines: ONNX Runtime runs toOnnx's Pad (on NCHW,
// inside the run of image ops) and tfjs-layers on the CPU backend loads toTfjs' ZeroPadding2D,
// each within 1e-5 (relative, floor 1) of predict; fromTfjs reads ZeroPadding2D back as the layer,
// or as the pads of a 'valid' convolution right after it. (PyTorch's nn.ZeroPad2d: model d of
// test/interop/pytorch-cnn.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, layers, Sequential, toTfjs, fromTfjs, type TfjsArtifacts } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

const X = { data: Float32Array.from(randn(6 * 5 * 4 * 2, 3, 1.2)), shape: [6, 5, 4, 2] };
const viaJson = (a: TfjsArtifacts): TfjsArtifacts => ({ ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)), weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)), weightData: (a.weightData as ArrayBuffer).slice(0) });
const classes = (a: TfjsArtifacts) => ((a.modelTopology as any).config.layers as { class_name: string }[]).map((l) => l.class_name);

/** Padding first, around a 'same' conv, before a pool and at the end of the image run. */
const model = () => new Sequential([
  layers.zeroPadding2d({ inputShape: [5, 4, 2], padding: [[1, 2], [0, 3]] }),
  layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }),
  layers.zeroPadding2d({ padding: [2, 1] }),
  layers.maxPooling2d({ poolSize: 2 }),
  layers.zeroPadding2d(),
  layers.flatten(),
  layers.dense({ units: 2 }),
], { seed: 14 });

describe('zeroPadding2d -> ONNX Pad', () => {
  it('Pad with pads [0, 0, top, left, 0, 0, bottom, right] on NCHW inside the run: ONNX Runtime within 1e-5', async () => {
    const m = model();
    const bytes = toOnnx(m);
    const g = onnx.ModelProto.decode(bytes).graph!;
    expect(g.node.map((n) => n.opType)).toEqual(['Transpose', 'Pad', 'Conv', 'Relu', 'Pad', 'Max', 'MaxPool', 'Pad', 'Transpose', 'Flatten', 'Gemm']);
    const pads = g.initializer.find((t) => t.name!.startsWith('zeroPadding2d_0/pads'))!;
    const raw = pads.rawData!;
    expect(Array.from(new BigInt64Array(Uint8Array.from(raw).buffer), Number)).toEqual([0, 0, 1, 0, 0, 0, 2, 3]);
    const s = await ort.InferenceSession.create(bytes);
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', X.data, X.shape) });
    expect(relErr(out[s.outputNames[0]].data as Float32Array, m.predict(X).data)).toBeLessThan(1e-5);
  });

  it("before a max pool it survives ONNX Runtime's optimiser: windows of negative values and padding give 0, as ours", async () => {
    // ONNX Runtime folds a zero Pad read only by a MaxPool into the pool's -inf padding; the
    // export reads the Pad twice (Max(p, p)) so that it cannot. Inputs -1, -2, ...: every window
    // that holds padding has maximum 0, the others a negative one.
    const m = new Sequential([layers.zeroPadding2d({ inputShape: [4, 4, 1], padding: 1 }), layers.maxPooling2d({ poolSize: 2 })]);
    const x = { data: Float32Array.from({ length: 32 }, (_, i) => -1 - i), shape: [2, 4, 4, 1] };
    const ours = m.predict(x).data;
    expect(Array.from(ours.slice(0, 9))).toEqual([0, 0, 0, 0, -6, 0, 0, 0, 0]);
    for (const level of ['all', 'disabled'] as const) {
      const s = await ort.InferenceSession.create(toOnnx(m), { graphOptimizationLevel: level });
      const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) });
      expect(Array.from(out[s.outputNames[0]].data as Float32Array), level).toEqual(Array.from(ours));
    }
  });
});

describe('zeroPadding2d <-> tfjs ZeroPadding2D', () => {
  it('tfjs predicts the exported model within 1e-5; it comes back layer for layer, bit for bit', async () => {
    const m = model();
    const a = toTfjs(m);
    expect(classes(a)).toEqual(['ZeroPadding2D', 'Conv2D', 'ZeroPadding2D', 'MaxPooling2D', 'ZeroPadding2D', 'Flatten', 'Dense']);
    expect((a.modelTopology as any).config.layers[2].config.padding).toEqual([[2, 2], [1, 1]]);
    const t = await tfl.loadLayersModel(tf.io.fromMemory(viaJson(a) as never));
    expect(relErr((t.predict(tf.tensor(X.data, X.shape)) as tf.Tensor).dataSync(), m.predict(X).data)).toBeLessThan(1e-5);
    const back = fromTfjs(viaJson(a));
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(Array.from(back.predict(X).data)).toEqual(Array.from(m.predict(X).data));
  });

  it("tfjs' ZeroPadding2D before a pool is the layer, before a 'valid' conv the conv's pads; both predict as tfjs", async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.zeroPadding2d({ inputShape: [5, 4, 2], padding: [[0, 1], [2, 0]] }),
      tfl.layers.conv2d({ filters: 3, kernelSize: 2 }),
      tfl.layers.zeroPadding2d({ padding: 1 }),
      tfl.layers.averagePooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ] });
    let saved: TfjsArtifacts | undefined;
    await t.save(tf.io.withSaveHandler(async (s) => {
      saved = s as TfjsArtifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const m = fromTfjs(viaJson(saved!));
    expect(m.layers.map((l) => l.kind)).toEqual(['conv2d', 'zeroPadding2d', 'averagePooling2d', 'flatten', 'dense']);
    expect((m.layers[0] as InstanceType<typeof layers.Conv2D>).options.padding).toEqual([[0, 1], [2, 0]]);
    expect(m.layers[0].inputShape).toEqual([5, 4, 2]);
    expect(relErr(m.predict(X).data, (t.predict(tf.tensor(X.data, X.shape)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
  });
});
