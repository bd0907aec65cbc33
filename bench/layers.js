// The MLP's products (784-256-128-10, batch 128) on 1 and 2 threads: wasmnn's threaded build
// (bench/threads.js' gemmTask: one runtime started on 1 thread, one on 2) against onnxruntime-web's
// wasm MatMul on 1 and 2 threads (bench/ort.js) and tfjs-wasm on one thread, both its flagged
// matMul and an explicit transpose then an NN matMul (bench/gemm.js' tfjsTasks), in interleaved
// rounds (bench/rounds.js). m x n x k: the forward products (NN), their weight gradients
// (TN: X^T dY) and input gradients (NT: dY W^T; the first layer's, 128x784x256, is not computed in
// training). Every contender multiplies the same operands; ORT's result is checked against wasmnn's.
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { startThreads } from '../dist/threads/pool.js';
import { gemmTask } from './threads.js';
import { tfBackend, tfjsTasks } from './gemm.js';
import { ortRuntime } from './ort.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';

// [label, m, n, k, variant] for each product backprop runs on a dense chain `sizes` at `batch`.
export function denseProducts(sizes, batch) {
  const layers = sizes.slice(1).map((out, i) => [sizes[i], out]);
  const name = ([inp, out]) => `${inp} -> ${out}`;
  return [
    ...layers.map((l) => [`forward ${name(l)}`, batch, l[1], l[0], 'nn']),
    ...layers.map((l) => [`weight gradient ${name(l)}`, l[0], l[1], batch, 'tn']),
    ...layers.slice(1).map((l) => [`input gradient ${name(l)}`, batch, l[0], l[1], 'nt']),
  ];
}
export const MLP_PRODUCTS = denseProducts([784, 256, 128, 10], 128);

const W1 = 'wasmnn 1 thread', W2 = 'wasmnn 2 threads', O1 = 'ort-web 1 thread', O2 = 'ort-web 2 threads';

export async function benchLayers({ time = 200 } = {}) {
  const module = new WebAssembly.Module(readFileSync(new URL('../build/wasmnn-threads.wasm', import.meta.url)));
  const serial = await startThreads(module, 1);
  const pool = await startThreads(module, 2);
  const orts = { [O1]: await ortRuntime(1), [O2]: await ortRuntime(2) };
  let tf;
  try {
    tf = await tfBackend('wasm');
  } catch (e) {
    tf = { error: e.message };
  }
  const notes = [];
  for (const [name, o] of Object.entries(orts)) if (o.error) notes.push(`${name}: not run (${o.error})`);
  if (tf.error) notes.push(`tfjs-wasm: not run (${tf.error})`);
  if (notes.length) console.log(notes.join('\n'));
  const rows = [];
  for (const [label, m, n, k, v] of MLP_PRODUCTS) {
    const A = rand(m * k), B = rand(k * n, 1); // gemmTask's operands
    const w1 = gemmTask(serial, W1, m, n, k, v);
    const tasks = [w1, gemmTask(pool, W2, m, n, k, v)];
    w1.fn();
    const want = w1.result();
    const skipped = [];
    for (const [name, o] of Object.entries(orts)) {
      if (o.error) continue;
      const run = await o.matmul(m, n, k, v, A, B);
      const got = (await run()).C.data;
      const err = want.reduce((e, x, i) => Math.max(e, Math.abs(x - got[i]) / (1 + Math.abs(x))), 0);
      if (!(err < 1e-3)) skipped.push(`${name}: wrong product (max relative difference ${err.toExponential(1)})`);
      else tasks.push({ name, fn: run, async: true });
    }
    if (!tf.error) tasks.push(...(await tfjsTasks(tf, 'wasm', m, n, k, v, A, B)));
    const result = await interleaved(tasks, { time });
    const flops = 2 * m * n * k;
    const gflops = Object.fromEntries(tasks.map((t) => [t.name, flops / (result[t.name].ms * 1e6)]));
    const ratio = (a, b) => (b && result[a] && result[b] ? `${speedup(result, a, b).toFixed(2)}x` : 'n/a');
    const tfBest = tasks.filter((t) => t.name.startsWith('tfjs')).sort((a, b) => result[a.name].ms - result[b.name].ms)[0]?.name;
    const line =
      `${label}, ${m}x${n}x${k} ${v.toUpperCase()}: ` +
      tasks.map((t) => `${t.name} ${gflops[t.name].toFixed(1)}`).join(', ') +
      ` GFLOP/s; wasmnn 2t / 1t ${ratio(W2, W1)}, 2t / ort 2t ${ratio(W2, O2)}, 1t / ort 1t ${ratio(W1, O1)}, 2t / ${tfBest ?? 'tfjs'} ${ratio(W2, tfBest)}, 1t / ${tfBest ?? 'tfjs'} ${ratio(W1, tfBest)}` +
      (skipped.length ? `; ${skipped.join('; ')}` : '');
    console.log(line);
    rows.push({ label, shape: `${m}x${n}x${k}`, variant: v.toUpperCase(), gflops, perRound: Object.fromEntries(Object.entries(result).map(([t, r]) => [t, r.perRound])), skipped });
  }
  // A call's fixed cost: a 4x4x4 product, which is nothing but the call (for ORT: the run's copies,
  // its session and thread pool; for wasmnn a kernel call, below the split threshold).
  const tiny = [gemmTask(serial, W1, 4, 4, 4, 'nn')];
  for (const [name, o] of Object.entries(orts)) if (!o.error) tiny.push({ name, fn: await o.matmul(4, 4, 4, 'nn', rand(16), rand(16, 1)), async: true });
  const fixed = await interleaved(tiny, { time });
  console.log(`a call's fixed cost (4x4x4 NN): ${tiny.map((t) => `${t.name} ${(fixed[t.name].ms * 1000).toFixed(1)} us`).join(', ')}`);
  serial.close();
  pool.close();
  const out = new URL('../out/', import.meta.url);
  mkdirSync(out, { recursive: true });
  writeFileSync(new URL('layers.json', out), JSON.stringify({ date: new Date().toISOString(), notes, rows }, null, 1));
  console.log('per-round times: out/layers.json');
  return rows;
}
