// The threaded runtime against itself on one thread, in interleaved rounds (bench/rounds.js): the
// threaded build on 2 threads (BENCH_THREADS) vs the same build on 1 thread, for GEMM 1024^3
// NN/NT/TN, the 784-256-128-10 Adam MLP and the seed's 2-20-3-1 net, each through a trainOnBatch loop
// and through fit (then, for the trainOnBatch rows, tfjs-layers on wasm
// against the 1-thread run in rounds of their own, for the ratio of each to it); then the cost of one split
// call (publish, wake, wait) and, by work, where splitting starts to pay (the threshold in
// src/threads/split.ts). GEMM: two runtimes side by side (the idle one's workers sleep); training:
// one runtime on 2 threads whose calls go to 1 or 2 of them by round (Runtime.useThreads), since
// a model's optimizer steps on the current runtime.
import { readFileSync } from 'node:fs';
import { init, Sequential, layers, optimizers } from '../dist/node.js';
import { startThreads } from '../dist/threads/pool.js';
import { MIN_WORK } from '../dist/threads/split.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';
import { tfjsTrainTask } from './training.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);

export function gemmTask(parts, name, m, n, k, v) {
  const K = parts.kernels;
  const put = (values) => {
    const p = parts.arena.alloc(values.length * 4 + 16);
    new Float32Array(K.memory.buffer, p, values.length).set(values);
    return p;
  };
  const a = put(rand(m * k)), b = put(rand(k * n, 1)), c = put(new Float32Array(m * n));
  const fn = K[`gemm_${v}_f32`];
  return { name, fn: () => fn(c, a, b, m, n, k, 1, 0), result: () => new Float32Array(K.memory.buffer, c, m * n).slice() };
}

// The model of `sizes` (relu between, Adam and softmax cross-entropy for classes, SGD and a logistic
// loss for one output) and `rows` rows of data with their labels.
function model(sizes, batch, rows = batch) {
  const [inp, ...rest] = sizes;
  const out = rest.at(-1);
  const multi = out > 1;
  const m = new Sequential(rest.map((u, i) => layers.dense({ inputDim: i === 0 ? inp : undefined, units: u, activation: i < rest.length - 1 ? 'relu' : 'linear' })), { seed: 0 });
  m.compile({ loss: multi ? 'softmaxCrossEntropy' : 'bceWithLogits', optimizer: multi ? optimizers.adam({ lr: 1e-3 }) : optimizers.sgd({ lr: 0.2 }), batchSize: batch });
  const xs = { data: rand(rows * inp, 1), shape: [rows, inp] };
  const ys = { data: Float32Array.from({ length: rows }, (_, i) => (multi ? i % out : i % 2)), shape: [rows, 1] };
  return { m, xs, ys };
}

// A trainOnBatch loop's step.
function stepTask(sizes, batch) {
  const { m, xs, ys } = model(sizes, batch);
  return () => m.trainOnBatch(xs, ys);
}

// One call of `fit`: `epochs` shuffled epochs over `rows` rows, so the data's copy into wasm, the
// shuffle and the gather of each batch's rows are timed with the steps, as a user's fit runs them.
function fitTask(sizes, batch, rows, epochs) {
  const { m, xs, ys } = model(sizes, batch, rows);
  return () => m.fit(xs, ys, { epochs, batchSize: batch });
}

// CPU time (all threads of the process) per call over `calls` calls, after the timed rounds: with
// other processes on the machine the wall-clock ratio shows how much CPU we got; this shows how
// much work the split adds (B packed by each thread, the wake-ups).
// `fit` returns a promise (it yields to the event loop between epochs): each call is awaited.
async function cpuPerCall(fn, calls, before) {
  before?.();
  await fn();
  const u = process.cpuUsage();
  for (let i = 0; i < calls; i++) await fn();
  const d = process.cpuUsage(u);
  return (d.user + d.system) / 1000 / calls;
}

const one = '1 thread';
const many = `${THREADS} threads`;

export async function benchThreads({ time = 300 } = {}) {
  const module = new WebAssembly.Module(readFileSync(new URL('../build/wasmnn-threads.wasm', import.meta.url)));
  const serial = await startThreads(module, 1);
  const pool = await startThreads(module, THREADS);
  const lines = [];
  const report = (label, result, unit, scale, [cpuOne, cpuMany], tail = '') => {
    const line = `${label}: ${one} ${scale(result[one].ms).toFixed(1)} ${unit}, ${many} ${scale(result[many].ms).toFixed(1)} ${unit} (${speedup(result, many, one).toFixed(2)}x; per round ${result[one].perRound.map((t, i) => (t / result[many].perRound[i]).toFixed(2)).join(' ')}); CPU per call ${cpuOne.toFixed(3)} vs ${cpuMany.toFixed(3)} ms (${((cpuMany / cpuOne - 1) * 100).toFixed(0)}% more work)${tail}`;
    console.log(line);
    lines.push(line);
  };
  for (const v of ['nn', 'nt', 'tn']) {
    const n = 1024;
    // 1 s a contender a round: a product takes 40-120 ms here, so 300 ms would give a median of 3-7 calls.
    const tasks = [gemmTask(serial, one, n, n, n, v), gemmTask(pool, many, n, n, n, v)];
    const result = await interleaved(tasks, { time: 1000 });
    report(`GEMM 1024^3 ${v.toUpperCase()}`, result, 'GFLOP/s', (ms) => (2 * n ** 3) / (ms * 1e6), [await cpuPerCall(tasks[0].fn, 5), await cpuPerCall(tasks[1].fn, 5)]);
  }
  const MLP = [784, 256, 128, 10], SEED = [2, 20, 3, 1];
  for (const [label, sizes, batch, unit, perCall, fitting] of [
    ['MLP 784-256-128-10, batch 128, Adam, trainOnBatch', MLP, 128, 'samples/s', 128],
    ['MLP 784-256-128-10, batch 128, Adam, fit (1 epoch of 4096 rows)', MLP, 128, 'samples/s', 4096, { rows: 4096, epochs: 1 }],
    ['seed net 2-20-3-1, full batch 200, SGD, trainOnBatch', SEED, 200, 'steps/s', 1],
    ['seed net 2-20-3-1, full batch 200, SGD, fit (50 epochs of 200 rows)', SEED, 200, 'steps/s', 50, { rows: 200, epochs: 50 }],
  ]) {
    const rt = await init({ threads: THREADS, simd: 'plain' });
    const make = () => (fitting ? fitTask(sizes, batch, fitting.rows, fitting.epochs) : stepTask(sizes, batch));
    const a = make();
    const b = make();
    const tasks = [
      { name: one, fn: a, before: () => rt.useThreads(1), async: !!fitting },
      { name: many, fn: b, before: () => rt.useThreads(THREADS), async: !!fitting },
    ];
    const result = await interleaved(tasks, { time });
    // tfjs-layers on the wasm backend (one thread) in rounds of its own against wasmnn on one
    // thread: in the rounds above its garbage collection (V8's helper threads) takes the second
    // core from our worker (the MLP's 2 threads / 1 fell from 1.85x to 1.48x with tfjs among
    // them). wasmnn 2 threads / tfjs is then the product of the two same-round ratios.
    const tfjs = 'tfjs-layers wasm';
    let peer = '';
    if (!fitting) try {
      const against = await interleaved([tasks[0], await tfjsTrainTask(sizes, batch, rand(batch * sizes[0], 1), Float32Array.from({ length: batch }, (_, i) => i % Math.max(sizes.at(-1), 2)), 'wasm')], { time });
      const oneVsTfjs = speedup(against, one, tfjs);
      peer = `; against ${tfjs} (${((perCall * 1000) / against[tfjs].ms).toFixed(1)} ${unit}, its own rounds): ${one} ${oneVsTfjs.toFixed(2)}x, ${many} ${(oneVsTfjs * speedup(result, many, one)).toFixed(2)}x`;
    } catch (e) {
      peer = `; ${tfjs}: not run (${e.message})`;
    }
    const calls = fitting ? 10 : perCall > 1 ? 50 : 2000;
    report(label, result, unit, (ms) => (perCall * 1000) / ms, [await cpuPerCall(tasks[0].fn, calls, tasks[0].before), await cpuPerCall(tasks[1].fn, calls, tasks[1].before)], peer);
    rt.close();
  }

  // One split call's cost: a product too small to gain from a second thread, split anyway.
  const forced = await startThreads(module, THREADS, { minWork: 0 });
  const tiny = await interleaved([gemmTask(serial, one, 8, 8, 8, 'nn'), gemmTask(forced, many, 8, 8, 8, 'nn')], { time });
  const cost = (tiny[many].ms - tiny[one].ms) * 1000;
  console.log(`one split call (8x8x8 NN split across ${THREADS} threads, minus the product alone): ${cost.toFixed(1)} us`);
  // Where splitting pays: NN products of growing work, serial vs split; the threshold is MIN_WORK.
  const crossings = [];
  for (const s of [16, 24, 32, 40, 48, 64, 96, 128]) {
    const r = await interleaved([gemmTask(serial, one, s, s, s, 'nn'), gemmTask(forced, many, s, s, s, 'nn')], { time: time / 2 });
    crossings.push(`${s}^3 (${(s ** 3 / 2 ** 20).toFixed(2)} Mi MAC) ${speedup(r, many, one).toFixed(2)}x`);
  }
  const cal = pool.calibration;
  console.log(`split vs one thread by size: ${crossings.join(', ')}; the threshold measured at start: ${cal ? `${(cal.minWork / 2 ** 20).toFixed(3)} Mi multiply-adds (${Math.round(Math.cbrt(cal.minWork))}^3; gains ${cal.gains.map((g) => g.toFixed(2)).join(' ')}; ${cal.ms.toFixed(1)} ms)` : 'none'}; before calibration ${MIN_WORK / 2 ** 20} Mi`);
  forced.close();
  pool.close();
  return lines;
}
