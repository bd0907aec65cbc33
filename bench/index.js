// npm run bench: every suite, printed as ratios against baselines measured in the same run.
import { benchGemm } from './gemm.js';
import { benchTraining, benchResidual } from './training.js';
import { benchThreads } from './threads.js';
import { benchLayers } from './layers.js';
import { benchRss } from './rss.js';
import { benchCnn } from './cnn.js';
import { benchGpt } from './gpt.js';
import { gflopsChart } from './chart.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const only = process.argv[2];
if (!only || only === 'gemm') {
  console.log('GEMM, single thread, median GFLOP/s; (Nx) = how many times faster wasmnn plain is than that contender\n');
  const rows = await benchGemm();
  // Outputs go under out/ (untracked), never over a tracked file.
  const out = new URL('../out/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('gflops.svg', out), gflopsChart(rows));
  console.log('chart: out/gflops.svg');
}
if (!only || only === 'training') {
  console.log('\nTraining throughput, median; (Nx) = wasmnn / contender\n');
  await benchTraining();
  await benchResidual();
}
// In the whole run, the sections on 2 threads run in a fresh process each: the garbage of the
// sections before (tfjs', jax-js') had V8's collector threads take the second core from our
// worker (GEMM 1024^3 TN rounds at 1.25x there, 1.95x alone).
const fresh = (name) => execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), name], { stdio: 'inherit' });
if (!only) {
  fresh('threads');
  fresh('layers');
  fresh('cnn');
  fresh('gpt');
}
if (only === 'threads') {
  console.log('\nThreads: the threaded build on 2 threads against itself on 1, median; (Nx) = speed-up; the per-round ratios show the spread\n');
  await benchThreads();
}
if (only === 'layers') {
  console.log('\nThe MLP\'s products (784-256-128-10, batch 128) on 1 and 2 threads: wasmnn\'s threaded build, onnxruntime-web wasm, tfjs-wasm (one thread), median GFLOP/s and same-run ratios\n');
  await benchLayers();
}
if (only === 'cnn') {
  console.log('\nThe tfjs MNIST CNN (conv 16-pool-conv 32-pool-conv 32-dense 64-10, batch 128, Adam): training and forward samples/s against tfjs-layers, jax-js, onnxruntime-web and PyTorch CPU\n');
  await benchCnn();
}
if (only === 'gpt') {
  console.log('\nnanoGPT small (4 layers, 4 heads, n_embd 128, block 64, batch 12, AdamW, clip 1): training tokens/s against PyTorch CPU and jax-js\n');
  await benchGpt();
}
if (!only || only === 'rss') {
  console.log('\nPeak RSS of the MLP training benchmark (300 steps), wasmnn on 1 and 2 threads and tfjs-layers on wasm\n');
  benchRss();
}
// ORT's and the threaded runtimes' workers keep the event loop alive.
process.exit(0);
