// conv1d in ONNX and tfjs, checked by the engines themselves: ONNX Runtime runs toOnnx's 1-D Conv
// (on [batch, c, width], Transposes around the run) and tfjs-layers on the CPU backend loads
// toTfjs' Conv1D, each within 1e-5 (relative, floor 1) of predict; tfjs' own trained Conv1D comes
// in and predicts the same; what either cannot express is refused naming the layer. (PyTorch:
// model c of test/interop/pytorch-cnn.test.ts.)
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, input, layers, Model, optimizers, Sequential, toTfjs, fromTfjs, type TfjsArtifacts } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
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

describe('toOnnx of conv1d, run in ONNX Runtime', () => {
  it('stride 2 same relu, dilated causal grouped tanh, explicit pads without bias, softmax over channels, flatten, dense: within 1e-5', async () => {
    const m = new Sequential([
      layers.conv1d({ inputShape: [12, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.conv1d({ filters: 6, kernelSize: 2, dilationRate: 3, padding: 'causal', groups: 2, activation: 'tanh' }),
      layers.conv1d({ filters: 2, kernelSize: 3, padding: [2, 1], useBias: false }),
      layers.activation({ activation: 'softmax' }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ], { seed: 11 });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const x = seqs(8, 12, 3, 1);
    await m.fit(x, Array.from({ length: 8 }, (_, r) => [r % 2, 0.5, -r / 8]), { epochs: 2, batchSize: 4 });
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Transpose', 'Conv', 'Relu', 'Conv', 'Tanh', 'Conv', 'Softmax', 'Transpose', 'Flatten', 'Gemm']);
    const g = onnx.ModelProto.decode(bytes).graph!;
    const attr = (n: number, name: string) => g.node[n].attribute!.find((a) => a.name === name)!.ints!.map(Number);
    expect(Number(g.node[0].attribute![0].ints!.length)).toBe(3); // perm [0, 2, 1]
    expect([attr(1, 'pads'), attr(1, 'strides'), attr(3, 'pads'), attr(3, 'dilations'), attr(5, 'pads')]).toEqual([[0, 1], [2], [3, 0], [3], [2, 1]]);
    expect(g.initializer.find((t) => t.name === 'conv1d_1/kernel')!.dims!.map(Number)).toEqual([6, 2, 2]);
    for (const n of [1, 5]) {
      const xs = seqs(n, 12, 3, 20 + n);
      const s = await ort.InferenceSession.create(bytes);
      const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) });
      expect(relErr(out[s.outputNames[0]].data as Float32Array, m.predict(xs).data)).toBeLessThan(1e-5);
    }
  });

  it('a functional model whose output is a conv1d: the sequence comes back [batch, width, c]', async () => {
    const x = input({ shape: [9, 2] });
    const y = layers.conv1d({ filters: 3, kernelSize: 4, padding: 'same' }).apply(x);
    const m = new Model({ inputs: x, outputs: y }, { seed: 12 });
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Transpose', 'Conv', 'Transpose']);
    const xs = seqs(3, 9, 2, 5);
    const s = await ort.InferenceSession.create(bytes);
    const out = (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) }))[s.outputNames[0]];
    expect(out.dims).toEqual([3, 9, 3]);
    expect(relErr(out.data as Float32Array, m.predict(xs).data)).toBeLessThan(1e-5);
  });
});

describe('batch norm of sequences [batch, width, c] in ONNX', () => {
  it('BatchNormalization on [batch, c, width] (trained statistics) around a dense on the last axis and a conv1d: ONNX Runtime within 1e-5', async () => {
    const m = new Sequential([
      layers.reshape({ inputShape: [12], targetShape: [4, 3] }),
      layers.batchNorm({ momentum: 0.3 }),
      layers.dense({ units: 2, activation: 'tanh' }),
      layers.conv1d({ filters: 3, kernelSize: 2 }),
      layers.batchNorm({ eps: 1e-3, momentum: 0.3 }),
      layers.flatten(),
      layers.dense({ units: 1 }),
    ], { seed: 15 });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const x = { data: Float32Array.from(randn(16 * 12, 9, 2)), shape: [16, 12] };
    await m.fit(x, Array.from({ length: 16 }, (_, r) => [r / 16]), { epochs: 3, batchSize: 8 });
    const norm = m.layers[1] as InstanceType<typeof layers.BatchNorm>;
    expect(Array.from(norm.runningVar.data).some((v) => Math.abs(v - 1) > 0.05)).toBe(true);
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Reshape', 'Transpose', 'BatchNormalization', 'Transpose', 'MatMul', 'Add', 'Tanh', 'Transpose', 'Conv', 'BatchNormalization', 'Transpose', 'Flatten', 'Gemm']);
    const s = await ort.InferenceSession.create(bytes);
    const xs = { data: Float32Array.from(randn(5 * 12, 10, 2)), shape: [5, 12] };
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) });
    expect(relErr(out[s.outputNames[0]].data as Float32Array, m.predict(xs).data)).toBeLessThan(1e-5);
  });
});

describe('conv1d <-> tfjs Conv1D', () => {
  const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
    expect(a.length).toBe(b.length);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
    return Number.isNaN(d) ? Infinity : d;
  };
  const viaJson = (a: TfjsArtifacts): TfjsArtifacts => ({ ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)), weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)), weightData: (a.weightData as ArrayBuffer).slice(0) });
  const X = seqs(6, 12, 3, 7);
  const tfIn = (x: Batch) => tf.tensor(x.data, x.shape);
  const classNames = (a: TfjsArtifacts) => ((a.modelTopology as any).config.layers as { class_name: string }[]).map((l) => l.class_name);

  it('stride 2 same relu, dilation 2 valid, without bias, flatten, dense: tfjs within 1e-5, and back bit for bit', async () => {
    const m = new Sequential([
      layers.conv1d({ inputShape: [12, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
      layers.conv1d({ filters: 5, kernelSize: 2, dilationRate: 2, useBias: false, activation: 'tanh' }),
      layers.flatten(),
      layers.dense({ units: 2 }),
    ], { seed: 13 });
    const a = toTfjs(m);
    expect(classNames(a)).toEqual(['Conv1D', 'Conv1D', 'Flatten', 'Dense']);
    expect((a.modelTopology as any).config.layers[1].config).toMatchObject({ kernel_size: [2], strides: [1], dilation_rate: [2], padding: 'valid', use_bias: false });
    expect(a.weightSpecs.map((s) => `${s.name}:${s.shape}`)).toEqual(['conv1d_0/kernel:3,3,4', 'conv1d_0/bias:4', 'conv1d_1/kernel:2,4,5', 'dense_3/kernel:20,2', 'dense_3/bias:2']);
    const t = await tfl.loadLayersModel(tf.io.fromMemory(viaJson(a) as never));
    expect(maxDiff((t.predict(tfIn(X)) as tf.Tensor).dataSync(), m.predict(X).data)).toBeLessThan(1e-5);
    const back = fromTfjs(viaJson(a));
    expect(back.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    expect(maxDiff(back.predict(X).data, m.predict(X).data)).toBe(0);
  });

  it('a Conv1D model trained by tfjs predicts the same in wasmnn within 1e-5; Keras\' causal padding is read', async () => {
    const t = tfl.sequential({ layers: [
      tfl.layers.conv1d({ inputShape: [12, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
      tfl.layers.conv1d({ filters: 2, kernelSize: 2, strides: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 2 }),
    ] });
    t.compile({ loss: 'meanSquaredError', optimizer: tf.train.adam(0.02) });
    await t.fit(tfIn(X), tf.tensor2d(Array.from({ length: 6 }, (_, r) => [r % 2, -1])), { epochs: 3, verbose: 0 });
    let saved: TfjsArtifacts | undefined;
    await t.save(tf.io.withSaveHandler(async (s) => {
      saved = s as TfjsArtifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));
    const m = fromTfjs(viaJson(saved!));
    expect(m.layers.map((l) => l.kind)).toEqual(['conv1d', 'conv1d', 'flatten', 'dense']);
    expect(maxDiff(m.predict(X).data, (t.predict(tfIn(X)) as tf.Tensor).dataSync())).toBeLessThan(1e-5);
    const causal = viaJson(saved!);
    (causal.modelTopology as any).config.layers[1].config.padding = 'causal';
    expect(fromTfjs(causal).layers[1].getConfig()).toMatchObject({ padding: 'causal' });
  });

  it('what tfjs cannot express is refused naming the layer: groups, causal and explicit pads', () => {
    const seq = (l: InstanceType<typeof layers.Layer>) => new Sequential([layers.conv1d({ inputShape: [8, 4], filters: 4, kernelSize: 1 }), l]);
    expect(() => toTfjs(seq(layers.conv1d({ filters: 4, kernelSize: 3, groups: 2 })))).toThrow(/tfjs: layer 1 \(conv1d_1\): conv1d with groups 2 has no tfjs equivalent \(tfjs' Conv1D has no groups\)/);
    expect(() => toTfjs(seq(layers.conv1d({ filters: 4, kernelSize: 3, padding: 'causal' })))).toThrow(/layer 1 \(conv1d_1\): conv1d with pads \[2, 0\] has no tfjs equivalent/);
    expect(() => toTfjs(seq(layers.conv1d({ filters: 4, kernelSize: 3, padding: [1, 2] })))).toThrow(/conv1d with pads \[1, 2\] has no tfjs equivalent/);
    expect(classNames(toTfjs(seq(layers.conv1d({ filters: 4, kernelSize: 3, padding: [1, 1] }))))).toEqual(['Conv1D', 'Conv1D']); // [1, 1] is 'same' here
  });
});
