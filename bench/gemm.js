// GEMM GFLOP/s (2*M*N*K / time), single thread: wasm plain and relaxed SIMD builds against
// the pure-TS reference and TensorFlow.js (wasm and cpu backends), all in one run, in interleaved
// rounds (bench/rounds.js), and the ratio printed per row. Not part of npm test.
import { loadKernels } from './kernels.js';
import { gemmNNBlocked } from '../dist/reference/gemm.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';

const SIZES = (process.env.BENCH_SIZES ?? '64x64x64,256x256x256,256x784x256,1024x1024x1024').split(',').map((s) => s.split('x').map(Number));
const VARIANTS = ['nn', 'nt', 'tn'];

export async function tfBackend(name) {
  const tf = await import('@tensorflow/tfjs-core');
  if (name === 'wasm') {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname;
    wasm.setWasmPaths(dir);
  } else await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend(name);
  await tf.ready();
  return tf;
}


// Shapes the layers of a network produce, each with the product backprop or inference runs on it
// (m x n x k; NN forward, TN weight gradient, NT input gradient): thin, wide and one-unit layers
// take other paths than the square grid above. wasmnn against tfjs-wasm only.
const LAYERS = [
  ['batch 32 into 1024 units (forward)', 32, 1024, 128, 'nn'],
  ['small batch through a 1024x1024 layer', 16, 1024, 1024, 'nn'],
  ['weight gradient, 1024 -> 32, batch 128', 1024, 32, 128, 'tn'],
  ['10-unit output, batch 1000 (forward)', 1000, 10, 1000, 'nn'],
  ['its weight gradient', 1000, 10, 1000, 'tn'],
  ['its input gradient', 1000, 1000, 10, 'nt'],
  ['3-unit output, 1000 inputs, batch 784: weight gradient', 1000, 3, 784, 'tn'],
  ['1-unit output, batch 1024 (forward)', 1024, 1, 256, 'nn'],
  ['its weight gradient', 256, 1, 1024, 'tn'],
];

// TensorFlow.js' matMul of op(A) op(B) as timed tasks: `tfjs-<backend>` with matMul's transpose
// flags, and for NT/TN `tfjs-<backend> transpose+NN`, an explicit tf.transpose then an NN matMul
// (tfjs-wasm's flagged product falls to a scalar loop, ~1 GFLOP/s; this is its strongest path).
// A and B: the operands in op-less layout (default: the same data as the wasmnn rows).
export async function tfjsTasks(tf, backend, m, n, k, v, A = rand(m * k), B = rand(k * n)) {
  await tf.setBackend(backend);
  const a = tf.tensor2d(A, v === 'tn' ? [k, m] : [m, k]);
  const b = tf.tensor2d(B, v === 'nt' ? [n, k] : [k, n]);
  // The backend is selected before the timed calls (selecting it re-runs every kernel's setup:
  // ~0.3 ms, more than a 64^3 product takes), and the result read synchronously.
  const task = (name, product) => ({
    name,
    before: () => tf.setBackend(backend),
    fn: () => {
      const c = product();
      c.dataSync();
      c.dispose();
    },
  });
  const tasks = [task(`tfjs-${backend}`, () => tf.matMul(a, b, v === 'tn', v === 'nt'))];
  if (v !== 'nn') tasks.push(task(`tfjs-${backend} transpose+NN`, () => tf.tidy(() => tf.matMul(v === 'tn' ? tf.transpose(a) : a, v === 'nt' ? tf.transpose(b) : b))));
  return tasks;
}

async function gemmRow(m, n, k, v, { plain, relaxed, tfs, pureTS, cpu, time }) {
  const tasks = [];
  const flops = 2 * m * n * k;
  for (const [name, w] of [['wasmnn plain', plain], ['wasmnn relaxed', relaxed]]) {
    if (!w) continue;
    const a = w.put(rand(m * k)), b = w.put(rand(k * n)), c = w.put(new Float32Array(m * n));
    const fn = w.k[`gemm_${v}_f32`];
    tasks.push({ name, fn: () => fn(c, a, b, m, n, k, 1, 0) });
  }
  if (pureTS) {
    const A = rand(m * k), B = rand(k * n), C = new Float32Array(m * n);
    tasks.push({ name: 'pure TS (blocked)', fn: () => gemmNNBlocked(C, A, B, m, n, k) });
  }
  for (const backend of cpu ? ['wasm', 'cpu'] : ['wasm']) tasks.push(...(await tfjsTasks(tfs[backend], backend, m, n, k, v)));
  const result = await interleaved(tasks, { time });
  const gflops = Object.fromEntries(tasks.map((t) => [t.name, flops / (result[t.name].ms * 1e6)]));
  const line = tasks.map((t) => `${t.name} ${gflops[t.name].toFixed(1)} GFLOP/s (${speedup(result, 'wasmnn plain', t.name).toFixed(1)}x)`).join(', ');
  return { gflops, line };
}

export async function benchGemm({ time = 200 } = {}) {
  const plain = loadKernels('build/wasmnn.wasm');
  const relaxed = loadKernels('build/wasmnn-relaxed.wasm');
  const tfs = { wasm: await tfBackend('wasm'), cpu: await tfBackend('cpu') };
  const rows = [];
  for (const [m, n, k] of SIZES) {
    for (const v of VARIANTS) {
      const small = m * n * k <= 256 * 784 * 256;
      const { gflops, line } = await gemmRow(m, n, k, v, { plain, relaxed, tfs, pureTS: v === 'nn' && small, cpu: small, time });
      rows.push({ shape: `${m}x${n}x${k}`, variant: v.toUpperCase(), ...gflops });
      console.log(`${m}x${n}x${k} ${v.toUpperCase()}: ${line}`);
    }
  }
  if (process.env.BENCH_LAYERS !== '0') {
    console.log('\nLayer shapes (m x n x k):');
    for (const [label, m, n, k, v] of LAYERS) {
      const { line } = await gemmRow(m, n, k, v, { plain, relaxed, tfs, time });
      console.log(`${label}, ${m}x${n}x${k} ${v.toUpperCase()}: ${line}`);
    }
  }
  return rows;
}
