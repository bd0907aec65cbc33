// Run with --expose-gc --max-semi-space-size=1. Counts minor garbage collections (scavenges)
// during calls split across 2 threads: 100 000 calls of the kinds the threaded runtime splits
// (GEMM NN/NT/TN, bias + ReLU, Adam), every one split (threshold 0), then 3 000 trainOnBatch
// steps of a 64-256-10 model on 2 threads through init(), whose GEMMs split at the default
// threshold. With a young generation of 1 MiB, a dispatch that allocated 16 bytes (one boxed double) would fill it
// within the 100 000 calls. Prints the counts as JSON.
import { scavengesDuring } from '../helpers/scavenges.mjs';
import { readFileSync } from 'node:fs';
import { init, Sequential, layers, optimizers } from 'wasmnn';
import { startThreads } from '../../dist/threads/pool.js';

const calls = Number(process.argv[2] ?? 100_000);

const p = await startThreads(new WebAssembly.Module(readFileSync('build/wasmnn-threads.wasm')), 2, { minWork: 0, backoff: false, spinUs: 100 });
const k = p.kernels;
const n = 16;
const [a, b, c, w, g, m, v] = [0, 1, 2, 3, 4, 5, 6].map(() => p.arena.alloc(n * n * 4));
const hyper = p.arena.alloc(56, 8); // adam_f32's scalars: stepSize, beta1, beta2, eps, invSqrtBc2, wd, keep
new Float64Array(k.memory.buffer, hyper, 7).set([0.001, 0.9, 0.999, 1e-8, 1, 0, 1]);
function loop(count) {
  for (let i = 0; i < count; i += 5) {
    k.gemm_nn_f32(c, a, b, n, n, n, 1, 0);
    k.gemm_nt_f32(c, a, b, n, n, n, 1, 0);
    k.gemm_tn_f32(c, a, b, n, n, n, 1, 0);
    k.bias_relu_f32(c, c, b, n, n);
    k.adam_f32(w, g, m, v, 0, 0, n * n, hyper);
  }
}
loop(20_000); // warm-up: JIT tiers
// The least of up to three runs, as for the steps below: a dispatch that allocates fills the young
// generation in every run, while one collection after a late tier-up on a loaded CI machine
// (seen once) does not repeat. `split` counts the calls of the first run.
const before = p.splitCalls();
let kernels = await scavengesDuring(() => loop(calls));
const split = p.splitCalls() - before;
for (let run = 1; run < 3 && kernels > 0; run++) kernels = Math.min(kernels, await scavengesDuring(() => loop(calls)));
p.close();

const rt = await init({ threads: 2, simd: 'plain', minWork: 2 ** 16 }); // the threshold the bounds in zero-garbage.test.ts count with, not the one measured on this machine
const rows = 128;
const xb = { data: new Float32Array(rows * 64).map((_, i) => Math.sin(i)), shape: [rows, 64] };
const yb = { data: new Float32Array(rows).map((_, i) => i % 10), shape: [rows, 1] };
const model = new Sequential([layers.dense({ inputDim: 64, units: 256, activation: 'relu' }), layers.dense({ units: 10 })], { seed: 0 });
model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
const sum = new Float64Array(1);
function steps(count) {
  for (let s = 0; s < count; s++) {
    xb.data[s % xb.data.length] += 1e-3;
    sum[0] += model.trainOnBatch(xb, yb);
  }
}
steps(1_000); // warm-up
// The least of up to three runs: a step that allocates does so in every run, while a collection
// after a deoptimisation on a loaded machine (seen once, with a 1 MiB young generation) does not repeat.
const stepsBefore = rt.splitCalls();
let trainOnBatch = Infinity, runs = 0;
for (; runs < 3 && trainOnBatch > 0; runs++) trainOnBatch = Math.min(trainOnBatch, await scavengesDuring(() => steps(3_000)));
console.log(JSON.stringify({ kernels, split, trainOnBatch, stepSplits: (rt.splitCalls() - stepsBefore) / runs, finite: Number.isFinite(sum[0]) }));
rt.close();
