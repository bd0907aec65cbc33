// Two builds of wasmnn side by side, in interleaved rounds of one process: this checkout's dist/
// against another's (for example a worktree of the commit before a change), on the training
// cases of bench/training.js (trainOnBatch; BENCH_FIT=1 times an epoch of fit over 8 batches instead).
// Prints each build's rate and the ratio this / other.
//   node bench/compare.mjs /path/to/other/checkout
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';

const other = process.argv[2];
if (!other) throw new Error('usage: node bench/compare.mjs OTHER_CHECKOUT');
const builds = {
  this: await import(new URL('../dist/node.js', import.meta.url).href),
  other: await import(`${other.replace(/\/$/, '')}/dist/node.js`),
};
const cases = [
  { name: 'MLP 784-256-128-10, batch 128, Adam', sizes: [784, 256, 128, 10], batch: 128, unit: 'samples/s' },
  { name: 'seed net 2-20-3-1, full batch 200, SGD', sizes: [2, 20, 3, 1], batch: 200, unit: 'steps/s' },
];
for (const c of cases) {
  const [inp, ...rest] = c.sizes;
  const out = rest.at(-1);
  const multi = out > 1;
  const x = { data: rand(c.batch * inp, 1), shape: [c.batch, inp] };
  const y = { data: Float32Array.from({ length: c.batch }, (_, i) => (multi ? i % out : i % 2)), shape: [c.batch, 1] };
  const tasks = [];
  for (const [name, w] of Object.entries(builds)) {
    await w.init(undefined, { simd: 'plain', threads: 1 }); // the older checkout has no threads option and one thread
    const m = new w.Sequential(rest.map((u, i) => w.layers.dense({ inputDim: i === 0 ? inp : undefined, units: u, activation: i < rest.length - 1 ? 'relu' : 'linear' })), { seed: 0 });
    m.compile({ loss: multi ? 'softmaxCrossEntropy' : 'bceWithLogits', optimizer: multi ? w.optimizers.adam({ lr: 1e-3 }) : w.optimizers.sgd({ lr: 0.2 }), batchSize: c.batch });
    // BENCH_FIT=1: one epoch of fit over 8 batches (shuffled, gathered) instead of trainOnBatch.
    if (process.env.BENCH_FIT === '1') {
      const xs = { data: rand(8 * c.batch * inp, 2), shape: [8 * c.batch, inp] };
      const ys = { data: Float32Array.from({ length: 8 * c.batch }, (_, i) => (multi ? i % out : i % 2)), shape: [8 * c.batch, 1] };
      tasks.push({ name, fn: () => m.fit(xs, ys, { epochs: 1, batchSize: c.batch }), async: true });
    } else tasks.push({ name, fn: () => m.trainOnBatch(x, y) });
  }
  const r = await interleaved(tasks, { time: 300, rounds: Number(process.env.BENCH_ROUNDS ?? 9) });
  const rate = (n) => (c.unit === 'samples/s' ? c.batch : 1) * (process.env.BENCH_FIT === '1' ? 8 : 1) * (1000 / r[n].ms);
  console.log(`${c.name}: this ${rate('this').toFixed(0)}, other ${rate('other').toFixed(0)} ${c.unit}; this/other ${speedup(r, 'this', 'other').toFixed(3)}x (median of per-round ratios)`);
}
