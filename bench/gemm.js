// GEMM GFLOP/s (2*M*N*K / time), single thread: wasm plain and relaxed SIMD builds against
// the pure-TS reference and TensorFlow.js (wasm and cpu backends), all in one run, in interleaved
// rounds (bench/rounds.js), and the ratio printed per row. Not part of npm test.
import { loadKernels } from './kernels.js';
import { gemmNNBlocked } from '../dist/reference/gemm.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';

const SIZES = (process.env.BENCH_SIZES ?? '64x64x64,256x256x256,256x784x256,1024x1024x1024').split(',').map((s) => s.split('x').map(Number));
const VARIANTS = ['nn', 'nt', 'tn'];

async function tfBackend(name) {
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


export async function benchGemm({ time = 200 } = {}) {
  const plain = loadKernels('build/wasmnn.wasm');
  const relaxed = loadKernels('build/wasmnn-relaxed.wasm');
  const tfs = { wasm: await tfBackend('wasm'), cpu: await tfBackend('cpu') };
  const rows = [];
  for (const [m, n, k] of SIZES) {
    for (const v of VARIANTS) {
      const tasks = [];
      const flops = 2 * m * n * k;
      for (const [name, w] of [['wasmnn plain', plain], ['wasmnn relaxed', relaxed]]) {
        if (!w) continue;
        const a = w.put(rand(m * k)), b = w.put(rand(k * n)), c = w.put(new Float32Array(m * n));
        const fn = w.k[`gemm_${v}_f32`];
        tasks.push({ name, fn: () => fn(c, a, b, m, n, k, 1, 0) });
      }
      if (v === 'nn' && m * n * k <= 256 * 784 * 256) {
        const A = rand(m * k), B = rand(k * n), C = new Float32Array(m * n);
        tasks.push({ name: 'pure TS (blocked)', fn: () => gemmNNBlocked(C, A, B, m, n, k) });
      }
      for (const backend of ['wasm', 'cpu']) {
        if (backend === 'cpu' && m * n * k > 256 * 784 * 256) continue;
        const tf = tfs[backend];
        await tf.setBackend(backend);
        const A = tf.tensor2d(rand(m * k), v === 'tn' ? [k, m] : [m, k]);
        const B = tf.tensor2d(rand(k * n), v === 'nt' ? [n, k] : [k, n]);
        // The backend is selected before the timed calls (selecting it re-runs every kernel's
        // setup: ~0.3 ms, more than a 64^3 product takes), and the result read synchronously.
        tasks.push({
          name: `tfjs-${backend}`,
          before: () => tf.setBackend(backend),
          fn: () => {
            const C = tf.matMul(A, B, v === 'tn', v === 'nt');
            C.dataSync();
            C.dispose();
          },
        });
      }
      const result = await interleaved(tasks, { time });
      const gflops = Object.fromEntries(tasks.map((t) => [t.name, flops / (result[t.name].ms * 1e6)]));
      const ratios = Object.fromEntries(tasks.map((t) => [t.name, speedup(result, 'wasmnn plain', t.name)]));
      rows.push({ shape: `${m}x${n}x${k}`, variant: v.toUpperCase(), ...gflops });
      console.log(`${m}x${n}x${k} ${v.toUpperCase()}: ` + tasks.map((t) => `${t.name} ${gflops[t.name].toFixed(1)} GFLOP/s (${ratios[t.name].toFixed(1)}x)`).join(', '));
    }
  }
  return rows;
}
