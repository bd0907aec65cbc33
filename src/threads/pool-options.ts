// The pool's options, and the timings behind their defaults and the pool's own choices (how
// long a thread watches before it sleeps, when a share is taken over, when a worker counts as dead).
/**
 * The default spin (microseconds): a little more than a futex wake-up costs on this machine's
 * virtual cores (~25 us each way, so ~55 us a split call when both sides sleep) and more than the
 * gaps between the split calls of a training step; see bench/README.md, "Threads".
 */
export const SPIN_US = 100;
/**
 * Work (GEMM multiply-adds, as split.ts weighs it) a millisecond below which a worker that took its
 * share is taken for dead: a hundredth of the slowest kernel path here (~1 GFLOP/s), so a 1024^3
 * product's share on 2 threads has 54 s (plus answerTimeoutMs). A clock read per call would
 * allocate (performance.now() returns a boxed double), so the limit comes from the work.
 */
export const STALL_RATE = 1e4;
/**
 * How long (us) the caller, done with its share, waits for a worker to take its own before it runs
 * it itself: a worker watching the counters takes its share within a few microseconds (one of
 * 1-2 us is often done before the worker looks, and taking it then would count as contention).
 */
export const GRACE_US = 20;
/** Split calls per contention window, and how many calls run on one thread after a contended window (Pool.call). */
export const CONTENTION_WINDOW = 256;
export const BACKOFF_CALLS = 2048;
/** How long (ms) a caller sleeps for its workers' shares before it reads the clock and counts answerTimeoutMs. */
export const QUIET_WAIT_MS = 50;

/**
 * Work from which a product may split in a grid of row and column blocks rather than by rows
 * alone (dispatch.ts): the GEMM's packed path starts at 2^23 multiply-adds (assembly/gemm.ts),
 * and there each thread copies its rows of A and all its columns of B, so columns pay where B is
 * the larger copy. Below it the unpacked path copies nothing, and rows alone read least.
 */
export const GRID_WORK = 1 << 23;

export interface PoolOptions {
  /** How long (microseconds) a waiting thread watches for the next call or its end before it sleeps (default SPIN_US). */
  spinUs?: number;
  /**
   * How long the caller waits for a worker to finish a share it took (default 5 s, plus a
   * millisecond per STALL_RATE of the share's work) before the call throws and the runtime drops
   * to one thread, with a warning. A share no worker has taken when the caller is done with its own
   * runs on the caller GRACE_US later.
   */
  answerTimeoutMs?: number;
  /** How long a worker may take to start (default 10 s) before the runtime falls back to one thread. */
  startTimeoutMs?: number;
  /** Work (GEMM multiply-adds) below which a call stays on the calling thread; without it, measured at start (src/threads/calibrate.ts). Tests pass 0. */
  minWork?: number;
  /** Work (GEMM multiply-adds) from which a product may split by columns as well as rows (default GRID_WORK; tests pass 0). */
  gridWork?: number;
  /** Whether contended windows of calls fall back to one thread for a while (default true; tests of the split itself pass false). */
  backoff?: boolean;
  /** Whether the caller runs a share no worker has taken GRACE_US after its own (default true; tests of a worker's faults pass false, so that the worker's share stays its own). */
  steal?: boolean;
  /** For tests: the boot line a Node worker runs instead of the real one (to make a start fail). */
  nodeBoot?: string;
}
