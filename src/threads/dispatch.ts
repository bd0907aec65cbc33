// The pool as the calling thread runs it: a split call published in the control block, its own
// share run, the shares no worker has taken claimed and run here, contended windows of calls backed
// off to one thread, and a worker that took its share and never finished it given up on.
import type { Split } from './split.js';
import { layout, callWith, makeRunner } from './runner.js';
import { hasWorkerThreads, type WorkerHandle } from './workers.js';
import { STALL_RATE, GRACE_US, CONTENTION_WINDOW, BACKOFF_CALLS, QUIET_WAIT_MS } from './pool-options.js';

const L = layout();

export function checkUse(n: number, threads: number): void {
  if (!Number.isInteger(n) || n < 1 || n > threads) throw new RangeError(`wasmnn: useThreads takes an integer from 1 to the ${threads} thread(s) started, got ${n}`);
}

/** How many Atomics.load of a shared slot this thread does in a microsecond (measured over ~1 ms, the fastest of 3). */
function loadsPerMicrosecond(ctl: Int32Array): number {
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    let x = 0;
    for (let i = 0; i < 100_000; i++) x |= Atomics.load(ctl, L.PENDING);
    const us = (performance.now() - t0) * 1000 + x;
    best = Math.max(best, 100_000 / Math.max(us, 1));
  }
  return best;
}

/**
 * Copying a float into the packed panels against a multiply-add, at the 4x8 kernel's rate on
 * one thread: 0.07 ns a float (bench/simulate.js measures it) against ~0.04 ns a multiply-add.
 */
const COPY = 2;

/** The largest block of m x n split pr x pc (blocks rounded up to the alignments), per step of k: its multiply-adds plus COPY a copied float. */
export function blockCost(m: number, n: number, pr: number, pc: number, rowAlign: number, colAlign: number): number {
  const rows = Math.min(m, Math.ceil(m / pr / rowAlign) * rowAlign), cols = Math.min(n, Math.ceil(n / pc / colAlign) * colAlign);
  return rows * cols + COPY * (rows + cols);
}

/**
 * How many column blocks a product of m rows and n columns goes in on p threads (p / that many
 * row blocks): the grid whose largest block costs least (blockCost), rows winning ties, a column
 * block at least colAlign wide. Blocks are rounded up to the alignments, so a product of 9 rows
 * goes 8 + 1 by rows, and by columns instead when it has 16 or more.
 */
export function gridColumns(m: number, n: number, p: number, rowAlign: number, colAlign: number): number {
  let pc = 1, best = blockCost(m, n, p, 1, rowAlign, colAlign);
  for (let q = 2; q <= p; q++) {
    if (p % q !== 0 || n < q * colAlign) continue;
    const cost = blockCost(m, n, p / q, q, rowAlign, colAlign);
    if (cost < best) {
      best = cost;
      pc = q;
    }
  }
  return pc;
}

export class Pool {
  private readonly ctl: Int32Array;
  readonly args: Float64Array;
  private readonly message: Uint8Array;
  private readonly runners: (() => void)[];
  private readonly canWait: boolean;
  private readonly spinLoads: number;
  private readonly graceLoads: number;
  private live = true;
  private active: number;
  splits = 0;
  /** Split calls that went by columns as well as (or instead of) rows. */
  grids = 0;
  // Contention (see call): split calls in the current window, those in which the caller had to run
  // a worker's share, and how many calls are left to run on one thread.
  private window = 0;
  private contended = 0;
  private backoff = 0;
  stolen = 0;
  /** Shares taken from a worker that was not asleep: one that had no core (the contention count's). */
  awakeStolen = 0;

  constructor(
    memory: WebAssembly.Memory,
    control: number,
    private readonly threads: number,
    spinUs: number,
    private readonly answerTimeoutMs: number,
    /** Work (GEMM multiply-adds) below which a call stays on the calling thread: the calibrated threshold (calibrate.ts), or PoolOptions.minWork. */
    public minWork: number,
    /** Work from which a product may split by columns too (Split.cols): the packed path's 2^23 multiply-adds, or PoolOptions.gridWork. */
    private readonly gridWork: number,
    private readonly backoffOn: boolean,
    private readonly stealOn: boolean,
    private readonly fns: Function[],
    spec: Int32Array,
    private readonly workers: WorkerHandle[],
  ) {
    // A shared buffer never moves, so these views stay valid when memory grows.
    this.ctl = new Int32Array(memory.buffer, control, L.BYTES / 4);
    this.args = new Float64Array(memory.buffer, control + L.ARGS_BYTE, L.MAX_ARGS);
    this.message = new Uint8Array(memory.buffer, control + L.MESSAGE_BYTE, L.MESSAGE_MAX);
    // Thread t's share as run here: thread 0's, and a worker's that the caller takes over.
    this.runners = Array.from({ length: threads }, (_, t) => makeRunner(fns, spec, this.ctl, this.args, t));
    const perUs = loadsPerMicrosecond(this.ctl);
    this.spinLoads = Math.round(spinUs * perUs);
    this.graceLoads = Math.round(Math.min(GRACE_US, spinUs) * perUs);
    this.active = threads;
    // A browser's main thread may not block: there the caller spins.
    this.canWait = hasWorkerThreads || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined';
  }

  /** Runs op (its arguments already in `args`) on this thread alone or split across all; returns the kernel's result (summed over the threads for Split.sum, else undefined when split). */
  call(op: number, s: Split): unknown {
    const a = this.args;
    let work = s.weight;
    for (let i = 0; i < s.work.length; i++) work *= a[s.work[i]];
    const units = a[s.count];
    if (work < this.minWork || units < 2 * s.align || this.active === 1 || !this.live || (s.serial !== undefined && s.serial(a))) return callWith(this.fns[op], s.arity, a);
    if (this.backoff > 0) {
      this.backoff--;
      return callWith(this.fns[op], s.arity, a);
    }
    const ctl = this.ctl;
    const t = this.threads;
    // A grid of pr row blocks x pc column blocks (thread r * pc + c), for a product that may go by
    // columns too (Split.cols) and is big enough to take the packed path, where each thread copies
    // its rows of A and its columns of B into panels (gridColumns).
    const cols = s.cols;
    const n = cols === undefined ? 0 : a[cols.count];
    const pc = cols !== undefined && work >= this.gridWork ? gridColumns(units, n, this.active, s.align, cols.align) : 1;
    const pr = this.active / pc;
    if (pc > 1) this.grids++;
    const chunk = Math.ceil(units / pr / s.align) * s.align;
    const chunk2 = cols === undefined ? 0 : Math.ceil(n / pc / cols.align) * cols.align;
    for (let i = 0; i < t; i++) {
      const r = i < pr * pc ? Math.floor(i / pc) : pr;
      const lo = Math.min(r * chunk, units);
      ctl[L.RANGES + 2 * i] = lo;
      ctl[L.RANGES + 2 * i + 1] = Math.min(lo + chunk, units);
      if (cols === undefined) continue;
      const lo2 = Math.min((i % pc) * chunk2, n);
      ctl[L.RANGES2 + 2 * i] = lo2;
      ctl[L.RANGES2 + 2 * i + 1] = Math.min(lo2 + chunk2, n);
    }
    ctl[L.OP] = op;
    ctl[L.FAILED] = 0;
    this.splits++;
    Atomics.store(ctl, L.PENDING, t - 1);
    const gen = (Atomics.add(ctl, L.GEN, 1) + 1) | 0;
    Atomics.notify(ctl, L.GEN);
    let failure: unknown;
    try {
      this.runners[0]();
    } catch (e) {
      failure = e;
    }
    // Watch by a count of loads, not the clock (a clock read costs more than the load). After
    // GRACE_US, a share no worker has taken yet (its worker without a core, or asleep) runs here:
    // two threads never wait for a core to run slower than one.
    let p = Atomics.load(ctl, L.PENDING);
    let i = 0;
    for (; p !== 0 && i < this.graceLoads; i++) p = Atomics.load(ctl, L.PENDING);
    if (p !== 0 && this.stealOn) {
      const before = this.awakeStolen;
      failure = this.steal(gen, failure);
      if (this.awakeStolen !== before) this.contended++;
      p = Atomics.load(ctl, L.PENDING);
    }
    for (; p !== 0 && i < this.spinLoads; i++) p = Atomics.load(ctl, L.PENDING);
    if (p !== 0) this.waitForShares(work / this.active, s);
    // Other processes holding the cores: when the caller had to run the share of a worker that was
    // awake (so had no core) in over half of a window's calls, the next BACKOFF_CALLS run on one
    // thread (a worker that must share a core with another process makes a split call slower than
    // one thread), then it tries again. A share taken from a sleeping worker (ASLEEP) is not
    // counted: that is its wake-up's cost after an idle gap, over once it watches again, and
    // counting it backed off after every pause and again after each back-off, which the worker
    // slept through (bench threads' MLP fit rows at 1.02x on 2 threads; 1.7-1.8x without).
    // (A worker that took its share and ends it after the caller is not counted: with shares of
    // milliseconds that is most calls, by a fraction of a share.)
    if (++this.window === CONTENTION_WINDOW) {
      if (this.contended * 2 > CONTENTION_WINDOW && this.backoffOn) this.backoff = BACKOFF_CALLS;
      this.window = this.contended = 0;
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(ctl, L.FAILED) !== 0) {
      const text = new TextDecoder().decode(this.message.slice(0, Atomics.load(ctl, L.MESSAGE_LENGTH)));
      throw new Error(`wasmnn: ${s.name ?? s.run} failed on worker thread ${Atomics.load(ctl, L.FAILED_TID)}: ${text}`);
    }
    if (!s.sum) return undefined;
    let total = 0;
    for (let i = 0; i < t; i++) total += ctl[L.RESULT + i];
    return total;
  }

  /**
   * The slow end of a call: sleep until the workers are done with the shares they took. A worker
   * that took its share (`share` units of work) and has not finished it answerTimeoutMs plus
   * share / STALL_RATE ms later has died in it, or may as well have: its part of the output is
   * lost, so the call throws and the runtime drops to one thread, its workers stopped.
   */
  private waitForShares(share: number, s: Split): void {
    const ctl = this.ctl;
    let p = Atomics.load(ctl, L.PENDING);
    // First a sleep that reads no clock (performance.now() allocates a boxed double): a worker
    // that was only descheduled ends it, with no garbage made.
    if (this.canWait) {
      for (let r: string = ''; p !== 0 && r !== 'timed-out'; p = Atomics.load(ctl, L.PENDING)) r = Atomics.wait(ctl, L.PENDING, p, QUIET_WAIT_MS);
      if (p === 0) return;
    }
    const limit = this.answerTimeoutMs + share / STALL_RATE;
    const deadline = performance.now() + limit;
    while (p !== 0) {
      const left = deadline - performance.now();
      if (left <= 0) {
        this.lose(`${p} worker thread(s) took their share of ${s.name ?? s.run} and did not finish it`);
        throw new Error(`wasmnn: ${s.name ?? s.run}: ${p} worker thread(s) took their share and did not finish it within ${Math.round(limit)} ms (a worker that died during the call?); the call's output is incomplete, and the kernels run on the calling thread from now on`);
      }
      if (this.canWait) Atomics.wait(ctl, L.PENDING, p, left);
      p = Atomics.load(ctl, L.PENDING);
    }
  }

  /**
   * Runs here the share of every worker that has not taken its share of call `gen` yet, claiming
   * it first (CLAIM, by compareExchange), so that a worker that comes late skips it. Returns the
   * call's failure: `failure`, or the first error of a share run here.
   */
  private steal(gen: number, failure: unknown): unknown {
    const ctl = this.ctl;
    for (let t = 1; t < this.threads; t++) {
      const last = Atomics.load(ctl, L.CLAIM + t);
      if (last === gen || Atomics.compareExchange(ctl, L.CLAIM + t, last, gen) !== last) continue;
      this.stolen++;
      if (Atomics.load(ctl, L.ASLEEP + t) === 0) this.awakeStolen++;
      try {
        this.runners[t]();
      } catch (e) {
        failure ??= e;
      }
      Atomics.sub(ctl, L.PENDING, 1);
    }
    return failure;
  }

  /** Forgets the counts (splits, stolen shares, the contention window): after the calibration's calls. */
  resetCounts(): void {
    this.splits = this.grids = this.stolen = this.awakeStolen = this.window = this.contended = this.backoff = 0;
  }

  /** After a worker is lost: the kernels run on the calling thread from now on, with a warning. */
  lose(why: string): void {
    if (!this.live) return;
    console.warn(`wasmnn: ${why}; running on one thread`);
    this.close();
  }

  /** Splits across the first n threads (the others are woken with empty ranges). */
  use(n: number): void {
    checkUse(n, this.threads);
    this.active = n;
  }

  /** Stops the workers; the kernels then run on the calling thread. */
  close(): void {
    if (!this.live) return;
    this.live = false;
    Atomics.store(this.ctl, L.OP, -1);
    Atomics.add(this.ctl, L.GEN, 1);
    Atomics.notify(this.ctl, L.GEN);
    for (const w of this.workers) w.terminate();
  }
}
