// Where a training step's time goes, by kernel family, on 1 and on N threads (BENCH_THREADS, 2 by
// default): every kernel of the runtime is wrapped with a clock read before and after, and the
// step's wall time is split among the families (the rest -- JS between the calls -- is "host").
// The clock reads cost ~0.1 us a call, so a family of many tiny calls reads a little high.
// Models: the MLP 784-256-128-10 (Adam, batch 128), the seed net 2-20-3-1 (SGD, batch 200) and
// the CNN of bench/cnn.js (Adam, batch 128), nanoGPT small of bench/gpt.js (AdamW, batch 12 x 64).
// `node bench/profile.js [mlp|seed|cnn|gpt ...]`.
// The N-thread run uses one runtime on N threads; the 1-thread run the same build on 1 thread.
import { fileURLToPath } from 'node:url';
import { init, Sequential, layers, optimizers } from '../dist/node.js';
import { runtime } from '../dist/wasm/init.js';
import { rand } from './data.js';
import { mnistCnn } from './cnn.js';
import { gptModel, benchTokens, SMALL } from './gpt.js';

const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const STEPS = Number(process.env.BENCH_STEPS ?? 60);

// A kernel's family: what a reader of a profile wants to see together.
export function family(name) {
  if (name.startsWith('gemm')) return 'gemm';
  if (name.startsWith('attention')) return 'attention';
  if (/^(im2col|col2im)/.test(name)) return 'im2col/col2im';
  if (/pool/.test(name)) return 'pooling';
  if (/^(sgd|adam|adagrad|rmsprop|adamax|nadam|adadelta)/.test(name)) return 'optimizer';
  if (/softmax|cross|mse|mae|huber|bce|loss/.test(name)) return 'softmax/loss';
  if (/^(bias|col_sum|sum|mean|reduce)/.test(name)) return 'bias/reductions';
  if (/batch_norm|norm/.test(name)) return 'norm';
  if (/gather|permute|copy|fill|count_non_finite/.test(name)) return 'data/copies';
  if (/_backward_f32$|^(identity|sigmoid|tanh|relu|leaky|elu|gelu|softplus|silu)/.test(name)) return 'activations';
  return 'elementwise';
}

export const nets = {
  mlp: () => {
    const m = new Sequential([layers.dense({ inputDim: 784, units: 256, activation: 'relu' }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10 })], { seed: 0 });
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 128 });
    return { m, xs: { data: rand(128 * 784, 1), shape: [128, 784] }, ys: { data: Float32Array.from({ length: 128 }, (_, i) => i % 10), shape: [128, 1] } };
  },
  seed: () => {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 20, activation: 'relu' }), layers.dense({ units: 3, activation: 'relu' }), layers.dense({ units: 1 })], { seed: 0 });
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.2 }), batchSize: 200 });
    return { m, xs: { data: rand(200 * 2, 1), shape: [200, 2] }, ys: { data: Float32Array.from({ length: 200 }, (_, i) => i % 2), shape: [200, 1] } };
  },
  gpt: () => {
    const { x, y } = benchTokens(SMALL);
    return { m: gptModel(SMALL), xs: x, ys: y };
  },
  cnn: () => {
    const m = mnistCnn();
    return { m, xs: { data: rand(128 * 784, 1), shape: [128, 28, 28, 1] }, ys: { data: Float32Array.from({ length: 128 }, (_, i) => i % 10), shape: [128, 1] } };
  },
};

/**
 * Wraps every kernel of the current runtime so that each call reports (name, args, ms) to onCall;
 * returns restore(). Models built after it see the wrapped kernels (bench/simulate.js uses it too).
 */
export function wrapKernels(onCall) {
  const rt = runtime();
  const raw = rt.kernels;
  const wrapped = { memory: raw.memory };
  for (const name of Object.keys(raw)) {
    const fn = raw[name];
    if (typeof fn !== 'function') { wrapped[name] = fn; continue; }
    wrapped[name] = (...args) => {
      const t0 = performance.now();
      const r = fn(...args);
      onCall(name, args, performance.now() - t0);
      return r;
    };
  }
  rt.kernels = wrapped;
  return () => { rt.kernels = raw; };
}

/** The per-kernel totals (ms, calls) of the current runtime's calls from now on. */
function instrument() {
  const totals = new Map();
  const restore = wrapKernels((name, _args, ms) => {
    let t = totals.get(name);
    if (!t) totals.set(name, (t = { ms: 0, calls: 0 }));
    t.ms += ms;
    t.calls++;
  });
  return { totals, restore };
}

async function profile(net, threads) {
  await init(undefined, { simd: 'plain', threads });
  const { totals, restore } = instrument();
  const { m, xs, ys } = nets[net]();
  for (let i = 0; i < 5; i++) m.trainOnBatch(xs, ys);
  for (const t of totals.values()) t.ms = t.calls = 0;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) m.trainOnBatch(xs, ys);
  const wall = (performance.now() - t0) / STEPS;
  restore();
  const fam = new Map();
  for (const [name, t] of totals) {
    if (!t.calls) continue;
    const f = fam.get(family(name)) ?? { ms: 0, calls: 0, kernels: new Set() };
    f.ms += t.ms / STEPS;
    f.calls += t.calls / STEPS;
    f.kernels.add(name);
    fam.set(family(name), f);
  }
  const kern = [...fam.values()].reduce((s, f) => s + f.ms, 0);
  fam.set('host (JS between calls)', { ms: wall - kern, calls: 0, kernels: new Set() });
  return { wall, fam, top: [...totals].filter(([, t]) => t.calls).sort((a, b) => b[1].ms - a[1].ms).slice(0, 8).map(([n, t]) => [n, t.ms / STEPS, t.calls / STEPS]) };
}

const pct = (x, w) => `${((100 * x) / w).toFixed(1)}%`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const net of process.argv.slice(2).length ? process.argv.slice(2) : ['mlp', 'seed', 'cnn']) {
    const one = await profile(net, 1);
    const many = await profile(net, THREADS);
    console.log(`\n${net}: a step ${one.wall.toFixed(3)} ms on 1 thread, ${many.wall.toFixed(3)} ms on ${THREADS} (${(one.wall / many.wall).toFixed(2)}x)`);
    console.log(`| family | calls/step | 1 thread ms | share | ${THREADS} threads ms | share | speed-up |`);
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    const names = [...new Set([...one.fam.keys(), ...many.fam.keys()])].sort((a, b) => (one.fam.get(b)?.ms ?? 0) - (one.fam.get(a)?.ms ?? 0));
    for (const f of names) {
      const a = one.fam.get(f) ?? { ms: 0, calls: 0 }, b = many.fam.get(f) ?? { ms: 0, calls: 0 };
      console.log(`| ${f} | ${Math.round(a.calls)} | ${a.ms.toFixed(3)} | ${pct(a.ms, one.wall)} | ${b.ms.toFixed(3)} | ${pct(b.ms, many.wall)} | ${b.ms > 0 ? (a.ms / b.ms).toFixed(2) + 'x' : '-'} |`);
    }
    console.log(`top kernels, ${THREADS} threads: ${many.top.map(([n, ms, c]) => `${n} ${ms.toFixed(3)} ms/${Math.round(c)}`).join('; ')}`);
    console.log(`top kernels, 1 thread: ${one.top.map(([n, ms, c]) => `${n} ${ms.toFixed(3)} ms/${Math.round(c)}`).join('; ')}`);
  }
  process.exit(0);
}
