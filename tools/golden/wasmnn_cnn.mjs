// The wasmnn half of the PyTorch check of the image layers (see test/fixtures/README.md): two
// seeded CNNs, a 1-D one, one with zero padding, one with batch norm of sequences and two with 1-D pools, exported as toSafetensors(m, { layout: 'pytorch' }) and
// toPytorchModule(m) to test/fixtures/wasmnn_cnn_{a,...,g}.safetensors and .py. tools/golden/wasmnn_cnn_check.py loads them in
// PyTorch and records its outputs; test/interop/pytorch-cnn.test.ts rebuilds the same models and
// checks the files and the outputs. Run from the repository root after `npm run build`:
//   node tools/golden/wasmnn_cnn.mjs
import { writeFileSync } from 'node:fs';
import { init, Sequential, layers, toSafetensors, toPytorchModule } from 'wasmnn';

/** Batch norm's weights and running statistics set by formula (no training: the bytes stay the same whatever the kernels round). */
function setNorm(m) {
  const ws = m.getWeights();
  m.layers.forEach((l, i) => {
    if (l.kind !== 'batchNorm') return;
    const at = m.layers.slice(0, i).reduce((n, p) => n + p.paramSpecs().length, 0);
    const c = l.inputUnits;
    ws[at] = Float32Array.from({ length: c }, (_, k) => 0.75 + 0.125 * k);
    ws[at + 1] = Float32Array.from({ length: c }, (_, k) => 0.25 - 0.0625 * k);
    l.runningMean.data.set(Float32Array.from({ length: c }, (_, k) => 0.5 - 0.1875 * k));
    l.runningVar.data.set(Float32Array.from({ length: c }, (_, k) => 0.5 + 0.25 * k));
  });
  m.setWeights(ws);
  return m;
}

/** a: [9, 8, 3] images; b: rows of 48 reshaped to [6, 4, 2]; c: sequences [11, 3] (conv1d); d: [5, 4, 2] images, zero padded; e: rows of 12 as [4, 3] sequences; f, g: 1-D pools of sequences [13, 3], [10, 2]. */
export function cnnModels() {
  const a = new Sequential([
    layers.conv2d({ inputShape: [9, 8, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), // pads [1, 1] x [0, 1]: ZeroPad2d
    layers.batchNorm(),
    layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 2, depthMultiplier: 2 }), // pads 2 each side: padding=(2, 2)
    layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }), // pads [0, 1]: ConstantPad2d(-inf)
    layers.conv2d({ filters: 4, kernelSize: [2, 3], groups: 2, padding: [[1, 0], [0, 2]], activation: 'tanh' }),
    layers.averagePooling2d({ poolSize: 2, strides: 2, padding: 'same' }), // uneven: AvgPool2dSame
    layers.flatten(),
    layers.dense({ units: 5, activation: 'relu' }),
    layers.dense({ units: 4 }),
  ], { seed: 7 });
  const b = new Sequential([
    layers.reshape({ inputShape: [48], targetShape: [6, 4, 2] }),
    layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', useBias: false }), // padding=(1, 1)
    layers.activation({ activation: 'softmax' }), // over the channels: dim=1
    layers.averagePooling2d({ poolSize: 3, strides: 1, padding: [[1, 1], [1, 1]] }),
    layers.maxPooling2d({ poolSize: 3, strides: 1, padding: [[2, 2], [2, 2]] }), // more than half the window: ConstantPad2d
    layers.batchNorm({ eps: 1e-3 }),
    layers.globalAveragePooling2d(),
    layers.dense({ units: 3, activation: 'softmax' }),
  ], { seed: 8 });
  // c: sequences [11, 3]; in PyTorch channels first [n, 3, 11] from the input on (nn.Conv1d).
  const c = new Sequential([
    layers.conv1d({ inputShape: [11, 3], filters: 4, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), // pads [1, 1]: padding=1
    layers.conv1d({ filters: 4, kernelSize: 2, dilationRate: 2, padding: 'causal', groups: 2, activation: 'tanh' }), // pads [2, 0]: ConstantPad1d
    layers.activation({ activation: 'softmax' }), // over the channels: dim=1
    layers.dense({ units: 3 }), // on the last axis: ChannelsLast before
    layers.conv1d({ filters: 2, kernelSize: 3, padding: [1, 1], useBias: false }), // ChannelsFirst before
    layers.flatten(), // ChannelsLast before
    layers.dense({ units: 2 }),
  ], { seed: 9 });
  // d: zero padding (nn.ZeroPad2d) in Keras' forms around a conv and before a pool.
  const d = new Sequential([
    layers.zeroPadding2d({ inputShape: [5, 4, 2], padding: [[1, 2], [0, 3]] }),
    layers.conv2d({ filters: 3, kernelSize: 3, activation: 'relu' }),
    layers.zeroPadding2d({ padding: [2, 1] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.zeroPadding2d(),
    layers.flatten(),
    layers.dense({ units: 2 }),
  ], { seed: 10 });
  // e: batch norm of sequences (BatchNorm1d on [n, c, width]) between a Linear and a conv1d.
  const e = new Sequential([
    layers.reshape({ inputShape: [12], targetShape: [4, 3] }),
    layers.batchNorm(), // ChannelsFirst before
    layers.dense({ units: 2, activation: 'tanh' }), // ChannelsLast before
    layers.conv1d({ filters: 3, kernelSize: 2 }), // ChannelsFirst before
    layers.batchNorm({ eps: 1e-3 }), // stays channels first
    layers.flatten(), // ChannelsLast before
    layers.dense({ units: 1 }),
  ], { seed: 11 });
  // f: 1-D pools, channels first [n, 3, 13] from the input on; g: average pools around a Linear.
  const f = new Sequential([
    layers.conv1d({ inputShape: [13, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }), // 13 -> 7, pads [1, 1]: padding=1
    layers.averagePooling1d({ padding: 'same' }), // 7 -> 4, pads [0, 1]: AvgPool1dSame
    layers.conv1d({ filters: 3, kernelSize: 2 }), // 4 -> 3
    layers.maxPooling1d({ poolSize: 2, strides: 1, padding: 'same' }), // pads [0, 1]: ConstantPad1d(-inf)
    layers.globalMaxPooling1d(), // AdaptiveMaxPool1d(1), Flatten
    layers.dense({ units: 2 }),
  ], { seed: 12 });
  const g = new Sequential([
    layers.averagePooling1d({ inputShape: [10, 2], poolSize: 3, strides: 1, padding: 'same' }), // pads [1, 1]: padding=1, count_include_pad=False
    layers.dense({ units: 3, activation: 'tanh' }), // on the last axis: ChannelsLast before
    layers.globalAveragePooling1d(), // ChannelsFirst before, AdaptiveAvgPool1d(1), Flatten
    layers.dense({ units: 2 }),
  ], { seed: 13 });
  return { a: setNorm(a), b: setNorm(b), c, d, e: setNorm(e), f, g };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await init();
  for (const [k, m] of Object.entries(cnnModels())) {
    writeFileSync(`test/fixtures/wasmnn_cnn_${k}.safetensors`, toSafetensors(m, { layout: 'pytorch' }));
    writeFileSync(`test/fixtures/wasmnn_cnn_${k}.py`, toPytorchModule(m) + '\n');
  }
}
