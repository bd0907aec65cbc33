// Peak resident memory of the MLP training benchmark (784-256-128-10, batch 128, Adam, 300 steps),
// each contender in a fresh process: `node bench/rss.js wasmnn|wasmnn-threads|tfjs-wasm` prints one
// contender's JSON line (MiB); `node bench/rss.js` (or `bench/index.js rss`) runs all three, one
// fresh process each, and prints them. wasmnn-threads: the threaded build on 2 threads
// (init({ threads: 2 })); RSS counts the whole process, its worker threads and the shared memory.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rand } from './data.js';

export const RSS_CONTENDERS = ['wasmnn', 'wasmnn-threads', 'tfjs-wasm'];

// Each contender in its own process; a contender that fails says why instead of stopping the rest.
export function benchRss() {
  const script = fileURLToPath(import.meta.url);
  const lines = [];
  for (const who of RSS_CONTENDERS) {
    try {
      const out = execFileSync(process.execPath, [script, who], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
      const { peakRssMiB, steps } = JSON.parse(out.trim().split('\n').at(-1));
      lines.push(`${who} ${peakRssMiB} MiB (${steps} steps)`);
    } catch (e) {
      lines.push(`${who}: failed (${String(e.stderr || e.message).trim().split('\n').at(-1)})`);
    }
  }
  console.log(`peak RSS, MLP training, a fresh process each: ${lines.join(', ')}`);
  return lines;
}

const main = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (main && process.argv[2] === undefined) benchRss();
else if (main) await measure(process.argv[2]);

async function measure(who) {
  const steps = 300;
  let peak = 0;
  const sample = () => (peak = Math.max(peak, process.memoryUsage().rss));
  const timer = setInterval(sample, 5);
  const x = rand(128 * 784, 1);
  const y = Float32Array.from({ length: 128 }, (_, i) => i % 10);
  if (who === 'wasmnn' || who === 'wasmnn-threads') {
    const { init, Sequential, layers, optimizers } = await import('../dist/node.js');
    const rt = await init({ simd: 'plain', threads: who === 'wasmnn' ? 1 : 2 });
    if (rt.threads !== (who === 'wasmnn' ? 1 : 2)) throw new Error(`${who}: init gave ${rt.threads} thread(s)`);
    const m = new Sequential([layers.dense({ inputDim: 784, units: 256, activation: 'relu' }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10 })], { seed: 0 });
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam(), batchSize: 128 });
    for (let i = 0; i < steps; i++) {
      m.trainOnBatch({ data: x, shape: [128, 784] }, { data: y, shape: [128, 1] });
      sample();
    }
    rt.close();
  } else if (who === 'tfjs-wasm') {
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
    for (let i = 0; i < steps; i++) {
      await m.trainOnBatch(tx, ty);
      sample();
    }
  } else throw new Error(`bench/rss.js: unknown contender ${who}; one of ${RSS_CONTENDERS.join(', ')}`);
  clearInterval(timer);
  console.log(JSON.stringify({ who, steps, peakRssMiB: +(peak / 2 ** 20).toFixed(1) }));
}
