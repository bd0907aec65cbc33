// GEMM GFLOP/s (2*M*N*K / time), single thread: wasm plain and relaxed SIMD builds against
// the pure-TS reference and TensorFlow.js (wasm and cpu backends), all in one run, with the
// contenders interleaved by tinybench and the ratio printed per row. Not part of npm test.
import { readFileSync } from 'node:fs';
import { Bench } from 'tinybench';
import { loadKernels } from './kernels.js';
import { gemmNNBlocked } from '../dist/reference/gemm.js';
import { rand } from './data.js';

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


export async function benchGemm({ time = 300 } = {}) {
  const plain = loadKernels('build/wasmnn.wasm');
  const relaxed = loadKernels('build/wasmnn-relaxed.wasm');
  const rows = [];
  for (const [m, n, k] of SIZES) {
    for (const v of VARIANTS) {
      const bench = new Bench({ time, warmupTime: 100, warmupIterations: 5 });
      const flops = 2 * m * n * k;
      for (const [label, w] of [['wasmnn plain', plain], ['wasmnn relaxed', relaxed]]) {
        if (!w) continue;
        const a = w.put(rand(m * k)), b = w.put(rand(k * n)), c = w.put(new Float32Array(m * n));
        const fn = w.k[`gemm_${v}_f32`];
        bench.add(label, () => fn(c, a, b, m, n, k, 1, 0));
      }
      if (v === 'nn' && m * n * k <= 256 * 784 * 256) {
        const A = rand(m * k), B = rand(k * n), C = new Float32Array(m * n);
        bench.add('pure TS (blocked)', () => gemmNNBlocked(C, A, B, m, n, k));
      }
      for (const backend of ['wasm', 'cpu']) {
        if (backend === 'cpu' && m * n * k > 256 * 784 * 256) continue;
        const tf = await tfBackend(backend);
        const A = tf.tensor2d(rand(m * k), v === 'tn' ? [k, m] : [m, k]);
        const B = tf.tensor2d(rand(k * n), v === 'nt' ? [n, k] : [k, n]);
        bench.add(`tfjs-${backend}`, async () => {
          tf.setBackend(backend);
          const C = tf.matMul(A, B, v === 'tn', v === 'nt');
          await C.data();
          C.dispose();
        });
      }
      await bench.run();
      const gflops = Object.fromEntries(bench.tasks.map((t) => [t.name, flops / (t.result.latency.p50 * 1e6)]));
      rows.push({ shape: `${m}x${n}x${k}`, variant: v.toUpperCase(), ...gflops });
      const base = gflops['wasmnn plain'];
      console.log(`${m}x${n}x${k} ${v.toUpperCase()}: ` + Object.entries(gflops).map(([name, g]) => `${name} ${g.toFixed(1)} GFLOP/s (${(base / g).toFixed(1)}x)`).join(', '));
    }
  }
  return rows;
}
