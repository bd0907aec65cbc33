// The split threshold, measured on the machine the pool starts on instead of a constant tuned on
// another: NN products of growing cubes, each timed on the calling thread alone and split across
// the pool, best of 3 batches each; the first cube at which the split runs GAIN times faster than
// one thread sets the threshold (its multiply-adds). A faster core, or a dearer wake-up of another
// core, moves the crossing, and the threshold with it. The cubes take 6-25 ms, once per process and
// thread count: the result is cached, so a second runtime does not measure again.
// Before them, split calls run until their time settles: just after start the workers' and the
// caller's code is still being tiered up (V8 compiles on background threads, which on 2 cores take
// the worker's core), and a split 48^3 call took 40-190 us instead of 4 us for its first 30-50 ms
// (2026-12-08): every cube lost and the threshold was the largest cube's in 4 of 4 starts. The
// warm-up takes 45-150 ms here (WARM_MS at most), time in which that tiering would slow the
// first steps anyway; after it the crossing was 24^3-40^3 in 6 of 8 starts, and 96^3 in the two
// whose gains rose evenly to 1.03x at 96^3 (the other core busy at that moment).
// Calls are weighed against a GEMM multiply-add (split.ts's weights), so the crossing of a product
// stands for every kernel. On a machine whose other cores are busy at that moment no cube gains:
// the threshold is then the largest cube's work, and the pool's contention back-off (dispatch.ts)
// handles the calls above it.
import type { Arena } from '../memory/arena.js';
import type { Kernels } from '../wasm/exports.js';
import type { Pool } from './dispatch.js';

/** The cubes tried, smallest first (16^3 = 4 Ki multiply-adds, 96^3 = 864 Ki). */
const CUBES = [16, 24, 32, 40, 48, 64, 96];
/** How much faster the split must be to count as a gain: a threshold at the bare break-even would split calls that gain nothing. */
const GAIN = 1.15;
/** Each batch of calls lasts about this long (ms). */
const BATCH_MS = 0.4;
/** Each pass over the cubes stops past this (ms; the second at twice it), keeping the largest cube's threshold: a machine that slow to answer is busy. */
const BUDGET_MS = 25;
/**
 * The warm-up: split calls of this cube, in batches of BATCH_MS, until the batches of the last
 * SETTLED_MS were each within SETTLE of the best one, or WARM_MS have passed. (The cold phase had
 * fast stretches of up to 5 ms between slow ones.)
 */
const WARM_CUBE = 48;
const SETTLED_MS = 10;
const SETTLE = 1.5;
const WARM_MS = 150;

export interface Calibration {
  /** The threshold: work (GEMM multiply-adds) from which a call is split. */
  readonly minWork: number;
  /** The single-thread rate of the products timed, multiply-adds a microsecond (the fastest cube). */
  readonly macPerUs: number;
  /** One thread / split, per cube tried, in CUBES order (only up to the crossing). */
  readonly gains: readonly number[];
  /** How long the calibration took (ms), warm-up included. */
  readonly ms: number;
  /** How long the warm-up took (ms), until the split calls' time settled (or WARM_MS). */
  readonly warmMs: number;
}

const cache = new Map<number, Calibration>();

/** The calibration of a pool of `threads` threads: measured the first time, then the cached one. */
export function calibrated(threads: number, measure: () => Calibration): Calibration {
  let c = cache.get(threads);
  if (!c) cache.set(threads, (c = measure()));
  return c;
}

/** Best time (ms) a call over 3 batches of `reps` calls each. */
function best(fn: () => void, reps: number): number {
  let t = Infinity;
  for (let b = 0; b < 3; b++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    t = Math.min(t, (performance.now() - t0) / reps);
  }
  return t;
}

/** Runs `fn` in batches until those of the last SETTLED_MS each took at most SETTLE times the best batch's time a call, or WARM_MS pass; returns the ms taken. */
function warm(fn: () => void): number {
  const t0 = performance.now();
  let reps = 1;
  let bestCall = Infinity;
  for (let settled = 0; settled < SETTLED_MS && performance.now() - t0 < WARM_MS; ) {
    const b0 = performance.now();
    for (let i = 0; i < reps; i++) fn();
    const batch = performance.now() - b0;
    const perCall = batch / reps;
    // A batch counts when it and the best before it are within SETTLE of each other (the first never does).
    settled = Math.max(perCall, bestCall) <= SETTLE * Math.min(perCall, bestCall) ? settled + batch : 0;
    bestCall = Math.min(bestCall, perCall);
    reps = Math.max(1, Math.ceil(BATCH_MS / Math.max(perCall, 1e-4)));
  }
  return performance.now() - t0;
}

/**
 * Measures the crossing on `pool` (its threshold set to 0 for the split runs and restored after):
 * `serial` is the product on this thread, `split` the pool's wrapper of it; past `budgetMs` it stops.
 */
export function measureCrossing(pool: Pool, serial: Kernels['gemm_nn_f32'], split: Kernels['gemm_nn_f32'], arena: Arena, budgetMs = BUDGET_MS): Calibration {
  const t0 = performance.now();
  const top = CUBES[CUBES.length - 1];
  const bytes = top * top * 4;
  const a = arena.alloc(bytes), b = arena.alloc(bytes), c = arena.alloc(bytes);
  const before = pool.minWork;
  const gains: number[] = [];
  let minWork = top ** 3;
  let macPerUs = 0;
  let warmMs = 0;
  try {
    // Any values do: the products' speed does not depend on them (no NaN or denormal paths).
    serial(a, a, a, top, top, top, 0, 0);
    // Wakes the workers (the first call after a sleep pays the wake-ups), so that they watch, and
    // runs split calls until their time settles (the code tiered up on every thread).
    pool.minWork = 0;
    warmMs = warm(() => split(c, a, b, WARM_CUBE, WARM_CUBE, WARM_CUBE, 1, 0));
    pool.minWork = before;
    const t1 = performance.now();
    const gainAt = (s: number): number => {
      const one = () => serial(c, a, b, s, s, s, 1, 0);
      const many = () => split(c, a, b, s, s, s, 1, 0);
      one();
      const guess = best(one, 4);
      pool.minWork = 0;
      many();
      const reps = Math.max(4, Math.ceil(BATCH_MS / Math.max(guess, best(many, 4), 1e-4)));
      const tMany = best(many, reps);
      pool.minWork = before;
      const tOne = best(one, reps);
      macPerUs = Math.max(macPerUs, s ** 3 / (tOne * 1000));
      return tOne / tMany;
    };
    // Other processes (or V8's background compiles) only make the split slower, so a cube that lost
    // is measured once more and keeps its better gain: a single slow stretch moved the crossing from
    // 32^3 to 96^3 in 1 of 6 runs here. The second pass stops at the first pass's crossing, which it
    // may lower.
    let found = -1;
    for (let pass = 0; pass < 2; pass++) {
      const end = pass === 0 ? CUBES.length : found < 0 ? gains.length : found;
      for (let i = 0; i < end && performance.now() - t1 <= (pass + 1) * budgetMs; i++) {
        const gain = gainAt(CUBES[i]);
        gains[i] = pass === 0 ? gain : Math.max(gains[i], gain);
        if (gains[i] >= GAIN) {
          found = i;
          gains.length = i + 1;
          break;
        }
      }
    }
    if (found >= 0) minWork = CUBES[found] ** 3;
  } finally {
    pool.minWork = before;
    arena.release(a);
    arena.release(b);
    arena.release(c);
  }
  return { minWork, macPerUs, gains, ms: performance.now() - t0, warmMs };
}
