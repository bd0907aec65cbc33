// npm run bench: every suite, printed as ratios against baselines measured in the same run.
import { benchGemm } from './gemm.js';
import { benchTraining, benchResidual } from './training.js';
import { benchThreads } from './threads.js';
import { benchLayers } from './layers.js';
import { benchRss } from './rss.js';
import { gflopsChart } from './chart.js';
import { mkdirSync, writeFileSync } from 'node:fs';

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
if (!only || only === 'threads') {
  console.log('\nThreads: the threaded build on 2 threads against itself on 1, median; (Nx) = speed-up; the per-round ratios show the spread\n');
  await benchThreads();
}
if (!only || only === 'layers') {
  console.log('\nThe MLP\'s products (784-256-128-10, batch 128) on 1 and 2 threads: wasmnn\'s threaded build, onnxruntime-web wasm, tfjs-wasm (one thread), median GFLOP/s and same-run ratios\n');
  await benchLayers();
}
if (!only || only === 'rss') {
  console.log('\nPeak RSS of the MLP training benchmark (300 steps), wasmnn on 1 and 2 threads and tfjs-layers on wasm\n');
  benchRss();
}
// ORT's and the threaded runtimes' workers keep the event loop alive.
process.exit(0);
