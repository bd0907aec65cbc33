// Peak resident memory of the MLP training benchmark (784-256-128-10, batch 128, Adam, 300 steps),
// each contender in a fresh process: `node bench/rss.js wasmnn|tfjs-wasm`. Prints MiB.
import { rand } from './data.js';

const who = process.argv[2] ?? 'wasmnn';
let peak = 0;
const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
const timer = setInterval(sample, 5);
const x = rand(128 * 784, 1);
const y = Float32Array.from({ length: 128 }, (_, i) => i % 10);
if (who === 'wasmnn') {
  const { init, Sequential, layers, optimizers } = await import('../dist/node.js');
  await init(undefined, { simd: 'plain' });
  const m = new Sequential([layers.dense({ inputDim: 784, units: 256, activation: 'relu' }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10 })], { seed: 0 });
  m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam(), batchSize: 128 });
  for (let i = 0; i < 300; i++) {
    m.trainOnBatch({ data: x, shape: [128, 784] }, { data: y, shape: [128, 1] });
    sample();
  }
} else {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  await tf.setBackend('wasm');
  const tfl = await import('@tensorflow/tfjs-layers');
  const m = tfl.sequential();
  m.add(tfl.layers.dense({ units: 256, inputShape: [784], activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 128, activation: 'relu' }));
  m.add(tfl.layers.dense({ units: 10, activation: 'softmax' }));
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const tx = tf.tensor2d(x, [128, 784]);
  const ty = tf.tensor2d(y, [128, 1]);
  for (let i = 0; i < 300; i++) {
    await m.trainOnBatch(tx, ty);
    sample();
  }
}
clearInterval(timer);
console.log(JSON.stringify({ who, peakRssMiB: +(peak / 2 ** 20).toFixed(1) }));
