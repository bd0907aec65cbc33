// What the pool would do with more threads than this machine has, on paper: one training step
// of each model is recorded on one thread (every kernel call: its arguments and its time), then
// each call is replayed in arithmetic for p threads by the pool's own rules (src/threads/split.ts
// and dispatch.ts): a call whose work reaches the threshold and that has at least 2 aligned blocks
// of units is split into p ranges of ceil(units / p / align) * align units, so it takes the time
// of its largest range plus the cost of a split call, c(p) = C0 + C1 (p - 1): the caller's store
// and each worker's decrement of one shared counter, a cache line passed between cores (C0 0.3 us
// measured here on 2 threads, bench/README "Threads"; C1 0.15 us a thread on paper). Every other
// call keeps its one-thread time.
// What it leaves out, and so where a real machine does worse: memory bandwidth shared by the
// cores (the optimizer and element-wise kernels stream, and would not scale like this), each
// thread packing its own B for a GEMM split by rows, wake-ups of sleeping workers, other processes.
// `node bench/simulate.js [mlp|seed|cnn ...]`; BENCH_STEPS steps are recorded (the median call time).
import { init } from '../dist/node.js';
import { SPLITS, MIN_WORK } from '../dist/threads/split.js';
import { nets, wrapKernels } from './profile.js';

const C0 = 0.3e-3, C1 = 0.15e-3; // ms
const THREADS = [1, 2, 4, 8, 16];
const STEPS = Number(process.env.BENCH_STEPS ?? 30);

function record(net) {
  let log = null;
  const restore = wrapKernels((name, args, ms) => log?.push({ name, args, ms }));
  const { m, xs, ys } = nets[net]();
  for (let i = 0; i < 5; i++) m.trainOnBatch(xs, ys);
  const steps = [];
  for (let i = 0; i < STEPS; i++) {
    log = [];
    const t0 = performance.now();
    m.trainOnBatch(xs, ys);
    steps.push({ calls: log, wall: performance.now() - t0 });
  }
  restore();
  // The median step by wall time; its host time (JS between calls) stays serial too.
  steps.sort((a, b) => a.wall - b.wall);
  return steps[steps.length >> 1];
}

/** One call's time on p threads by the pool's rules. */
function onThreads(call, p) {
  const s = SPLITS[call.name];
  if (!s || p === 1) return call.ms;
  const a = call.args;
  let work = s.weight;
  for (const i of s.work) work *= a[i];
  const units = a[s.count];
  if (work < MIN_WORK || units < 2 * s.align || (s.serial && s.serial(Float64Array.from(a)))) return call.ms;
  const chunk = Math.ceil(units / p / s.align) * s.align;
  return (call.ms * Math.min(chunk, units)) / units + C0 + C1 * (p - 1);
}

await init(undefined, { simd: 'plain', threads: 1 });
for (const net of process.argv.slice(2).length ? process.argv.slice(2) : ['mlp', 'seed', 'cnn']) {
  const step = record(net);
  const kernels = step.calls.reduce((t, c) => t + c.ms, 0);
  const host = step.wall - kernels;
  const serial = step.calls.filter((c) => onThreads(c, 2) === c.ms).reduce((t, c) => t + c.ms, 0);
  console.log(`\n${net}: a step ${step.wall.toFixed(3)} ms on 1 thread, ${step.calls.length} kernel calls; host (JS) ${host.toFixed(3)} ms and unsplit kernels ${serial.toFixed(3)} ms stay serial`);
  console.log('| threads | step ms | speed-up | limit with no split cost and perfect balance |');
  console.log('|---:|---:|---:|---:|');
  for (const p of THREADS) {
    const t = host + step.calls.reduce((s, c) => s + onThreads(c, p), 0);
    const ideal = host + serial + (kernels - serial) / p;
    console.log(`| ${p} | ${t.toFixed(3)} | ${(step.wall / t).toFixed(2)}x | ${(step.wall / ideal).toFixed(2)}x |`);
  }
}
process.exit(0);
