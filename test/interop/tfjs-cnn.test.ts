// CNNs in the tfjs layers format, checked by tfjs itself (tfjs-layers on the CPU backend): an
// exported wasmnn CNN loaded by tf.loadLayersModel predicts what wasmnn predicts, a CNN trained and
// saved by tfjs predicts the same in wasmnn, and what tfjs cannot express is refused by layer.
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { init, Sequential, layers, optimizers, regularizers, toTfjs, fromTfjs, type TfjsArtifacts } from 'wasmnn';
import { randn } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
  await tf.setBackend('cpu');
});

type Images = { data: Float32Array; shape: number[] };
const images = (n: number, h: number, w: number, c: number, seed: number): Images => ({ data: Float32Array.from(randn(n * h * w * c, seed, 1.2)), shape: [n, h, w, c] });
const X = images(16, 9, 8, 3, 21);
const Y = Array.from({ length: 16 }, (_, r) => [Math.sin(r), r % 2, -0.5]);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
};
const tfIn = (x: Images) => tf.tensor(x.data, x.shape);
async function tfjsPredict(artifacts: TfjsArtifacts, x: Images) {
  const m = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as never));
  return (m.predict(tfIn(x)) as tf.Tensor).dataSync();
}
async function saveTfjs(m: tfl.LayersModel): Promise<TfjsArtifacts> {
  let saved: TfjsArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a as TfjsArtifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}
const viaJson = (a: TfjsArtifacts): TfjsArtifacts => ({ ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)), weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)), weightData: (a.weightData as ArrayBuffer).slice(0) });
const classes = (a: TfjsArtifacts) => ((a.modelTopology as any).config.layers as { class_name: string }[]).map((l) => l.class_name);
const kinds = (m: Sequential) => m.layers.map((l) => l.kind);

describe('wasmnn CNN -> tfjs', () => {
  it('conv stride 2 same, trained batch norm, depthwise same, max pool same, dilated conv with explicit pads (ZeroPadding2D), avg pool same, flatten, dense: tfjs within 1e-5', async () => {
    const m = new Sequential([
      layers.conv2d({ inputShape: [9, 8, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelRegularizer: regularizers.l2(1e-3) }),
      layers.batchNorm({ momentum: 0.2 }),
      layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: { name: 'leakyRelu', alpha: 0.2 } }),
      layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      layers.conv2d({ filters: 4, kernelSize: [2, 3], dilationRate: 2, padding: [[1, 0], [0, 2]], activation: 'tanh' }),
      layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      layers.flatten(),
      layers.dense({ units: 3 }),
    ], { seed: 4 });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    await m.fit(X, Y, { epochs: 3, batchSize: 8 });
    const a = toTfjs(m);
    expect(classes(a)).toEqual(['Conv2D', 'BatchNormalization', 'DepthwiseConv2D', 'LeakyReLU', 'MaxPooling2D', 'ZeroPadding2D', 'Conv2D', 'AveragePooling2D', 'Flatten', 'Dense']);
    expect(a.weightSpecs.map((s) => `${s.name}:${s.shape}`)).toContain('depthwiseConv2d_2/depthwise_kernel:3,3,6,2');
    expect(maxDiff(await tfjsPredict(viaJson(a), X), m.predict(X).data)).toBeLessThan(1e-5);
    // And back: the same layers (the explicit pads of the ZeroPadding2D in the convolution), the same predictions.
    const back = fromTfjs(viaJson(a));
    expect(kinds(back)).toEqual(['conv2d', 'batchNorm', 'depthwiseConv2d', 'activation', 'maxPooling2d', 'conv2d', 'averagePooling2d', 'flatten', 'dense']);
    expect((back.layers[5] as InstanceType<typeof layers.Conv2D>).options.padding).toEqual([[1, 0], [0, 2]]);
    expect(maxDiff(back.predict(X).data, m.predict(X).data)).toBe(0);
  });

  it('reshape of rows to images, valid conv, avg pool valid, global average pool, dense softmax: tfjs within 1e-5', async () => {
    const m = new Sequential([
      layers.reshape({ inputShape: [48], targetShape: [6, -1, 2] }),
      layers.conv2d({ filters: 5, kernelSize: 2, activation: 'elu', useBias: false }),
      layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 3, activation: 'softmax' }),
    ], { seed: 5 });
    const a = toTfjs(m);
    expect(classes(a)).toEqual(['Reshape', 'Conv2D', 'AveragePooling2D', 'GlobalAveragePooling2D', 'Dense']);
    const x = { data: Float32Array.from(randn(7 * 48, 6)), shape: [7, 48] };
    expect(maxDiff(await tfjsPredict(viaJson(a), x), m.predict(x).data)).toBeLessThan(1e-5);
  });

  it('what tfjs cannot express is refused naming the layer: groups, a dilated depthwise conv, pooling with other pads than same', () => {
    const seq = (l: InstanceType<typeof layers.Layer>) => new Sequential([layers.conv2d({ inputShape: [6, 6, 4], filters: 4, kernelSize: 1 }), l]);
    expect(() => toTfjs(seq(layers.conv2d({ filters: 4, kernelSize: 3, groups: 2 })))).toThrow(/tfjs: layer 1 \(conv2d_1\): conv2d with groups 2 has no tfjs equivalent/);
    expect(() => toTfjs(seq(layers.depthwiseConv2d({ kernelSize: 3, dilationRate: 2 })))).toThrow(/tfjs: layer 1 \(depthwiseConv2d_1\): depthwiseConv2d with dilationRate \[2,2\] has no tfjs equivalent/);
    expect(() => toTfjs(seq(layers.maxPooling2d({ padding: [[1, 0], [0, 0]] })))).toThrow(/tfjs: layer 1 \(maxPooling2d_1\): maxPooling2d with pads \[\[1,0\],\[0,0\]\] has no tfjs equivalent/);
  });
});

describe('tfjs CNN -> wasmnn', () => {
  const seeded = (seed: number) => tfl.initializers.glorotUniform({ seed });
  async function trainedTfjs() {
    const m = tfl.sequential({ layers: [
      tfl.layers.conv2d({ inputShape: [9, 8, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: seeded(1) }),
      tfl.layers.batchNormalization(),
      tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', depthwiseRegularizer: tfl.regularizers.l2({ l2: 1e-3 }), depthwiseInitializer: seeded(2) }),
      tfl.layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
      tfl.layers.zeroPadding2d({ padding: [[1, 0], [0, 2]] }),
      tfl.layers.conv2d({ filters: 4, kernelSize: [2, 3], activation: 'tanh', kernelInitializer: seeded(3) }), // tfjs cannot train a dilated one
      tfl.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
      tfl.layers.conv2d({ filters: 5, kernelSize: 1, useBias: false, kernelInitializer: seeded(4) }),
      tfl.layers.globalAveragePooling2d({}),
      tfl.layers.dense({ units: 3, kernelInitializer: seeded(5) }),
    ] });
    m.compile({ loss: 'meanSquaredError', optimizer: tf.train.adam(0.02) });
    // Seeded weights and no shuffling: the same tfjs model every run, so the loss check below is not left to chance.
    await m.fit(tfIn(X), tf.tensor2d(Y), { epochs: 4, batchSize: 8, verbose: 0, shuffle: false });
    return m;
  }

  it('a CNN trained and saved by tfjs predicts the same in wasmnn within 1e-5, keeps training, and exports the same weights', async () => {
    const t = await trainedTfjs();
    const saved = await saveTfjs(t);
    const m = fromTfjs(viaJson(saved));
    expect(kinds(m)).toEqual(['conv2d', 'batchNorm', 'depthwiseConv2d', 'maxPooling2d', 'conv2d', 'averagePooling2d', 'conv2d', 'globalAveragePooling2d', 'dense']);
    expect(Array.from((m.layers[1] as InstanceType<typeof layers.BatchNorm>).runningVar.data).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true);
    const theirs = (t.predict(tfIn(X)) as tf.Tensor).dataSync();
    expect(maxDiff(m.predict(X).data, theirs)).toBeLessThan(1e-5);
    const back = toTfjs(m);
    const read = (a: TfjsArtifacts) => {
      const out: Record<string, number[]> = {};
      let o = 0;
      for (const s of a.weightSpecs) out[`${s.name}:${s.shape}`] = Array.from(new Float32Array((a.weightData as ArrayBuffer).slice(o, (o += 4 * s.shape.reduce((x, y) => x * y, 1)))));
      return out;
    };
    expect(read(back)).toEqual(read(saved));
    expect(maxDiff(await tfjsPredict(back, X), theirs)).toBeLessThan(1e-5);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const before = m.evaluate(X, Y).loss;
    await m.fit(X, Y, { epochs: 10, batchSize: 8 });
    expect(m.evaluate(X, Y).loss).toBeLessThan(0.9 * before);
  });

  it('what tfjs files hold that wasmnn cannot express is refused by layer', async () => {
    const saved = viaJson(await saveTfjs(tfl.sequential({ layers: [tfl.layers.conv2d({ inputShape: [4, 4, 2], filters: 2, kernelSize: 3, padding: 'same' })] })));
    const conv = (saved.modelTopology as any).config.layers[0].config;
    conv.padding = 'causal';
    expect(() => fromTfjs(saved)).toThrow(/layer 0 \(conv2d_\w+, Conv2D\): padding "causal" is not supported/);
    conv.padding = 'same';
    conv.data_format = 'channels_first';
    expect(() => fromTfjs(saved)).toThrow(/data_format "channels_first" is not supported \(wasmnn is channels-last\)/);
  });
});
