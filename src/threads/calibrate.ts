// The split threshold, measured on the machine the pool starts on instead of a constant tuned on
// another: NN products of growing cubes, each timed on the calling thread alone and split across
// the pool, best of 3 batches each; the first cube at which the split runs GAIN times faster than
// one thread sets the threshold (its multiply-adds). A faster core, or a dearer wake-up of another
// core, moves the crossing, and the threshold with it. It takes a few milliseconds (6-12 here) once
// per process and thread count: the result is cached, so a second runtime does not measure again.
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
/** The calibration stops past this (ms), keeping the largest cube's threshold: a machine that slow to answer is busy. */
const BUDGET_MS = 25;

export interface Calibration {
  /** The threshold: work (GEMM multiply-adds) from which a call is split. */
  readonly minWork: number;
  /** The single-thread rate of the products timed, multiply-adds a microsecond (the fastest cube). */
  readonly macPerUs: number;
  /** One thread / split, per cube tried, in CUBES order (only up to the crossing). */
  readonly gains: readonly number[];
  /** How long the calibration took (ms). */
  readonly ms: number;
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
  try {
    // Any values do: the products' speed does not depend on them (no NaN or denormal paths).
    serial(a, a, a, top, top, top, 0, 0);
    // Wakes the workers (the first call after a sleep pays the wake-ups), so that they watch.
    pool.minWork = 0;
    for (let i = 0; i < 8; i++) split(c, a, b, 32, 32, 32, 1, 0);
    pool.minWork = before;
    for (const s of CUBES) {
      if (performance.now() - t0 > budgetMs) break;
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
      gains.push(tOne / tMany);
      if (tOne / tMany >= GAIN) {
        minWork = s ** 3;
        break;
      }
    }
  } finally {
    pool.minWork = before;
    arena.release(a);
    arena.release(b);
    arena.release(c);
  }
  return { minWork, macPerUs, gains, ms: performance.now() - t0 };
}
