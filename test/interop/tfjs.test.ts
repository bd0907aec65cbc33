// The tfjs layers format, checked by tfjs itself (tfjs-layers on the CPU backend): a wasmnn model
// loaded by tf.loadLayersModel predicts what wasmnn predicts, and a model trained and saved by
// tfjs predicts the same in wasmnn and keeps training there.
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

const X = Array.from({ length: 32 }, (_, r) => Array.from(randn(6, 500 + r)));
const Y = X.map((r) => [Math.tanh(r[0] - r[1]), r[2] * r[3] > 0 ? 1 : 0]);

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

async function tfjsPredict(artifacts: TfjsArtifacts, x: number[][]) {
  const m = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as never));
  const out = m.predict(tf.tensor2d(x)) as tf.Tensor;
  return out.dataSync();
}

async function saveTfjs(m: tfl.LayersModel): Promise<TfjsArtifacts> {
  let saved: TfjsArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => {
    saved = a as TfjsArtifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return saved!;
}

/** As a file would travel: the topology through JSON, the weights as a fresh buffer. */
const viaJson = (a: TfjsArtifacts): TfjsArtifacts => ({ ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)), weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)), weightData: (a.weightData as ArrayBuffer).slice(0) });

describe('wasmnn -> tfjs', () => {
  const acts = ['relu', 'sigmoid', 'tanh', { name: 'leakyRelu', alpha: 0.15 }, 'elu', 'gelu', 'softplus', 'silu'] as const;
  for (const act of acts) {
    it(`dense with ${JSON.stringify(act)}: tfjs predicts the same within 1e-5`, async () => {
      const m = new Sequential([layers.dense({ inputDim: 6, units: 7, activation: act as never }), layers.dense({ units: 3, activation: 'softmax' })], { seed: 2 });
      const a = toTfjs(m);
      expect(maxDiff(await tfjsPredict(viaJson(a), X), m.predict(X).data)).toBeLessThan(1e-5);
    });
  }

  it('batch norm after training, dropout, an activation layer and a dense layer without bias', async () => {
    const m = new Sequential([
      layers.dense({ inputDim: 6, units: 8, activation: 'relu', kernelRegularizer: regularizers.l2(1e-3) }),
      layers.batchNorm({ momentum: 0.2 }),
      layers.dropout({ rate: 0.3 }),
      layers.activation({ activation: { name: 'leakyRelu', alpha: 0.1 } }),
      layers.dense({ units: 4, useBias: false }),
      layers.activation({ activation: 'tanh' }),
      layers.dense({ units: 2 }),
    ], { seed: 3 });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.02 }) });
    await m.fit(X, Y, { epochs: 4, batchSize: 8 });
    const a = toTfjs(m);
    const bn = (a.modelTopology as any).config.layers[1];
    expect(bn.class_name).toBe('BatchNormalization');
    expect(bn.config.momentum).toBe(0.8); // Keras' momentum is 1 - PyTorch's
    expect(a.weightSpecs.map((s) => s.name)).toContain('batch_norm_1/moving_variance');
    expect(maxDiff(await tfjsPredict(viaJson(a), X), m.predict(X).data)).toBeLessThan(1e-5);
  });

  it('what tfjs cannot load is refused on export: geluTanh, elu with alpha != 1', () => {
    const m = (activation: never) => new Sequential([layers.dense({ inputDim: 2, units: 2, activation })]);
    expect(() => toTfjs(m('geluTanh' as never))).toThrow(/dense_0: activation 'geluTanh' has no tfjs equivalent/);
    expect(() => toTfjs(m({ name: 'elu', alpha: 0.5 } as never))).toThrow(/elu with alpha 0.5 has no tfjs equivalent/);
  });
});

describe('tfjs -> wasmnn', () => {
  async function trainedTfjs() {
    const m = tfl.sequential({ layers: [
      tfl.layers.dense({ inputShape: [6], units: 10, activation: 'relu', kernelRegularizer: tfl.regularizers.l2({ l2: 1e-3 }) }),
      tfl.layers.batchNormalization(),
      tfl.layers.dropout({ rate: 0.2 }),
      tfl.layers.dense({ units: 8 }),
      tfl.layers.leakyReLU(),
      tfl.layers.activation({ activation: 'tanh' }),
      tfl.layers.dense({ units: 6, activation: 'swish', useBias: false }),
      tfl.layers.dense({ units: 2 }),
    ] });
    m.compile({ loss: 'meanSquaredError', optimizer: tf.train.adam(0.02) });
    await m.fit(tf.tensor2d(X), tf.tensor2d(Y), { epochs: 5, batchSize: 8, verbose: 0 });
    return m;
  }

  it('a trained tfjs model predicts the same in wasmnn within 1e-5 and keeps training', async () => {
    const t = await trainedTfjs();
    const saved = await saveTfjs(t);
    const m = fromTfjs(viaJson(saved));
    expect(m.layers.map((l) => l.kind)).toEqual(['dense', 'batchNorm', 'dropout', 'dense', 'activation', 'activation', 'dense', 'dense']);
    const bn = m.layers[1] as InstanceType<typeof layers.BatchNorm>;
    expect(bn.momentum).toBe(0.01); // Keras 0.99
    expect(bn.eps).toBe(1e-3); // Keras' default, kept
    expect(Array.from(bn.runningVar.data).some((v) => Math.abs(v - 1) > 1e-3)).toBe(true); // tfjs training moved them
    const theirs = (t.predict(tf.tensor2d(X)) as tf.Tensor).dataSync();
    expect(maxDiff(m.predict(X).data, theirs)).toBeLessThan(1e-5);

    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const before = m.evaluate(X, Y).loss;
    await m.fit(X, Y, { epochs: 20, batchSize: 8 });
    expect(m.evaluate(X, Y).loss).toBeLessThan(0.8 * before);
  });

  it('import then export round-trips: the same weights, and tfjs loads the result', async () => {
    const saved = await saveTfjs(await trainedTfjs());
    const back = toTfjs(fromTfjs(saved));
    const names = (a: TfjsArtifacts) => a.weightSpecs.map((s) => s.name).sort();
    expect(names(back)).toEqual(names(saved));
    const read = (a: TfjsArtifacts) => {
      const out: Record<string, number[]> = {};
      let o = 0;
      for (const s of a.weightSpecs) {
        const n = s.shape.reduce((x, y) => x * y, 1);
        out[s.name] = Array.from(new Float32Array((a.weightData as ArrayBuffer).slice(o, (o += 4 * n))));
      }
      return out;
    };
    expect(read(back)).toEqual(read(saved));
    const original = await tfjsPredict(saved, X);
    expect(maxDiff(await tfjsPredict(back, X), original)).toBeLessThan(1e-6);
  });
});

describe('what cannot be imported is refused by name', () => {
  const base = (): TfjsArtifacts => toTfjs(new Sequential([layers.dense({ inputDim: 3, units: 2, activation: 'relu' }), layers.dense({ units: 1 })], { seed: 1 }));
  const layer = (a: TfjsArtifacts, i: number) => (a.modelTopology as any).config.layers[i];
  const cases: [string, (a: TfjsArtifacts) => void, RegExp][] = [
    ['an unsupported activation', (a) => { layer(a, 0).config.activation = 'selu'; }, /layer 0 \(dense_0, Dense\): activation "selu" is not supported/],
    ['an unsupported layer class', (a) => { layer(a, 1).class_name = 'SimpleRNN'; }, /layer 1 \(dense_1, SimpleRNN\): layer class 'SimpleRNN' is not supported/],
    ['a functional model', (a) => { (a.modelTopology as any).class_name = 'Model'; }, /only Sequential models are supported, got 'Model'/],
    ['a frozen layer', (a) => { layer(a, 1).config.trainable = false; }, /frozen layers/],
    ['a kernel constraint', (a) => { layer(a, 0).config.kernel_constraint = { class_name: 'MaxNorm', config: {} }; }, /kernel_constraint .* is not supported/],
    ['a quantized weight', (a) => { a.weightSpecs[0].quantization = { dtype: 'uint8', scale: 1, min: 0 }; }, /weight 'dense_0\/kernel' is quantized/],
    ['a short buffer', (a) => { a.weightData = (a.weightData as ArrayBuffer).slice(0, 20); }, /runs past the end of weightData/],
    ['a missing weight', (a) => { a.weightSpecs[3].name = 'other/bias'; }, /weight 'dense_1\/bias' is missing/],
    ['a wrong shape', (a) => { a.weightSpecs[0].shape = [2, 3]; }, /weight 'dense_0\/kernel' has shape \[2,3\], the layer needs \[3,2\]/],
    ['an image input', (a) => { layer(a, 0).config.batch_input_shape = [null, 3, 3]; }, /input shape \[null,3,3\] is not \[batch, features\]/],
  ];
  for (const [what, damage, message] of cases) {
    it(what, () => {
      const a = base();
      damage(a);
      expect(() => fromTfjs(a)).toThrow(message);
    });
  }
});
