// What the pool would do with more threads than this machine has, on paper: one training step
// of each model is recorded on one thread (every kernel call: its arguments and its time), then
// each call is replayed in arithmetic for p threads by the pool's own rules (src/threads/split.ts
// and dispatch.ts): a call whose work reaches the threshold and that has at least 2 aligned blocks
// of units is split into p ranges of ceil(units / p / align) * align units, so it takes the time
// of its largest range plus the cost of a split call, c(p) = C0 + C1 (p - 1): the caller's store
// and each worker's decrement of one shared counter, a cache line passed between cores (C0 0.3 us
// measured here on 2 threads, bench/README "Threads"; C1 0.15 us a thread on paper). Every other
// call keeps its one-thread time.
// A product on the packed path also pays each thread's copies of its rows of A and columns of B
// (PACK_MS a float), split in the grid dispatch.ts picks; the table shows rows alone beside it.
// What it leaves out, and so where a real machine does worse: memory bandwidth shared by the
// cores (the optimizer and element-wise kernels stream, and would not scale like this), caches,
// wake-ups of sleeping workers, other processes.
// `node bench/simulate.js [mlp|seed|cnn ...]`; BENCH_STEPS steps are recorded (the median call time).
import { init } from '../dist/node.js';
import { SPLITS, MIN_WORK } from '../dist/threads/split.js';
import { GRID_WORK } from '../dist/threads/pool-options.js';
import { gridColumns } from '../dist/threads/dispatch.js';
import { runtime } from '../dist/wasm/init.js';
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

// The packed path (products from GRID_WORK multiply-adds) copies op(A) and op(B) into panels; a
// thread copies its rows of A and its columns of B. PACK_MS: ms a float copied, measured below on
// this machine's one thread from the packed NN product at 4 and 64 rows (the intercept is B's copy).
let PACK_MS = 0;
function measurePacking() {
  const k = runtime().kernels;
  const n = 512, kk = 1024;
  const a = runtime().arena.alloc(64 * kk * 4), b = runtime().arena.alloc(kk * n * 4), c = runtime().arena.alloc(64 * n * 4);
  const time = (m) => {
    const t = [];
    for (let r = 0; r < 15; r++) {
      const t0 = performance.now();
      for (let i = 0; i < 10; i++) k.gemm_packed_f32(c, a, b, m, n, kk, 1, 0, 0);
      t.push((performance.now() - t0) / 10);
    }
    return t.sort((x, y) => x - y)[7];
  };
  time(4);
  const t4 = time(4), t64 = time(64);
  PACK_MS = Math.max(0, t4 - (4 * (t64 - t4)) / 60) / (kk * n);
}

/** One call's time on p threads by the pool's rules (grids false: GEMM by rows alone, as before). */
function onThreads(call, p, grids = true) {
  const s = SPLITS[call.name];
  if (!s || p === 1) return call.ms;
  const a = call.args;
  let work = s.weight;
  for (const i of s.work) work *= a[i];
  const units = a[s.count];
  if (work < MIN_WORK || units < 2 * s.align || (s.serial && s.serial(Float64Array.from(a)))) return call.ms;
  if (!s.cols) {
    const chunk = Math.ceil(units / p / s.align) * s.align;
    return (call.ms * Math.min(chunk, units)) / units + C0 + C1 * (p - 1);
  }
  const m = units, n = a[s.cols.count], kk = a[5];
  const pc = grids && work >= GRID_WORK ? gridColumns(m, n, p, s.align, s.cols.align) : 1, pr = p / pc;
  const rows = Math.min(m, Math.ceil(m / pr / s.align) * s.align), cols = Math.min(n, Math.ceil(n / pc / s.cols.align) * s.cols.align);
  const packed = work >= GRID_WORK;
  const copy = (r, c) => (packed ? PACK_MS * kk * (r + c) : 0);
  const compute = Math.max(0, call.ms - copy(m, n));
  return (compute * rows * cols) / (m * n) + copy(rows, cols) + C0 + C1 * (p - 1);
}

await init(undefined, { simd: 'plain', threads: 1 });
measurePacking();
console.log(`copying into the packed panels: ${(PACK_MS * 1e6).toFixed(2)} ns a float (measured here, one thread)`);
for (const net of process.argv.slice(2).length ? process.argv.slice(2) : ['mlp', 'seed', 'cnn']) {
  const step = record(net);
  const kernels = step.calls.reduce((t, c) => t + c.ms, 0);
  const host = step.wall - kernels;
  const serial = step.calls.filter((c) => onThreads(c, 2) === c.ms).reduce((t, c) => t + c.ms, 0);
  console.log(`\n${net}: a step ${step.wall.toFixed(3)} ms on 1 thread, ${step.calls.length} kernel calls; host (JS) ${host.toFixed(3)} ms and unsplit kernels ${serial.toFixed(3)} ms stay serial`);
  console.log('| threads | step ms | speed-up | GEMM by rows alone | limit with no split cost, no copies and perfect balance |');
  console.log('|---:|---:|---:|---:|---:|');
  for (const p of THREADS) {
    const t = host + step.calls.reduce((s, c) => s + onThreads(c, p), 0);
    const rowsOnly = host + step.calls.reduce((s, c) => s + onThreads(c, p, false), 0);
    const ideal = host + serial + (kernels - serial) / p;
    console.log(`| ${p} | ${t.toFixed(3)} | ${(step.wall / t).toFixed(2)}x | ${(step.wall / rowsOnly).toFixed(2)}x | ${(step.wall / ideal).toFixed(2)}x |`);
  }
}
process.exit(0);
