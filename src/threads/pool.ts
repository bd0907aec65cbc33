// The threaded runtime: one instance of the threaded build per thread over one shared memory,
// and a `kernels` object with the signatures of the single-threaded one whose large calls are
// split across the threads (src/threads/split.ts says how). The calling thread is thread 0: it
// publishes a call (arguments and each thread's range in the control block), runs its own share,
// then any share no worker has taken yet (a worker without a core at that moment), then waits for
// the shares taken. Which thread runs a share does not change its bits. A call allocates nothing:
// the arguments go through preallocated slots in shared memory and the threads meet on two
// counters, each side watching the other's for a few tens of microseconds (Atomics.load) before
// it sleeps (Atomics.wait/notify).
import { KERNEL_ARITY, type KernelName, type Kernels } from '../wasm/exports.js';
import { Arena } from '../memory/arena.js';
import { SPLITS, MIN_WORK, type Split } from './split.js';
import { layout, callWith, makeRunner, workerMain, workerSource } from './runner.js';

const L = layout();
/** Pages the threaded build declares (assembly: asconfig.json's threads targets). */
export const THREADED_INITIAL_PAGES = 16;
export const THREADED_MAXIMUM_PAGES = 65536; // 4 GiB: the wasm32 limit
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
const STALL_RATE = 1e4;
/**
 * How long (us) the caller, done with its share, waits for a worker to take its own before it runs
 * it itself: a worker watching the counters takes its share within a few microseconds (one of
 * 1-2 us is often done before the worker looks, and taking it then would count as contention).
 */
const GRACE_US = 20;
/** Split calls per contention window, and how many calls run on one thread after a contended window (Pool.call). */
const CONTENTION_WINDOW = 256;
const BACKOFF_CALLS = 2048;
/** How long (ms) a caller sleeps for its workers' shares before it reads the clock and counts answerTimeoutMs. */
const QUIET_WAIT_MS = 50;

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
  /** Work (GEMM multiply-adds) below which a call stays on the calling thread (default MIN_WORK); tests pass 0. */
  minWork?: number;
  /** Whether contended windows of calls fall back to one thread for a while (default true; tests of the split itself pass false). */
  backoff?: boolean;
  /** For tests: the boot line a Node worker runs instead of the real one (to make a start fail). */
  nodeBoot?: string;
}

/** A started worker, whatever the platform. */
interface WorkerHandle {
  terminate(): void;
}

export interface ThreadedParts {
  kernels: Kernels;
  arena: Arena;
  threads: number;
  close(): void;
  /** How many calls were split across the threads so far. */
  splitCalls(): number;
  /** How many workers' shares the caller ran because no worker had taken them yet. */
  stolenShares(): number;
  /** Splits the calls that follow across n of the started threads (1 to threads; 1: none split). */
  useThreads(n: number): void;
}

// The boot lines call workerMain by the name it has in this build: a minifying bundler renames it
// (and the source text workerSource takes from it), so the name 'workerMain' is not defined there.
const MAIN = workerMain.name;
// A dynamic import: Node evaluates a worker's source as CommonJS or as a module, after the parent's flags.
const NODE_BOOT = `import('node:worker_threads').then(({ workerData, parentPort }) => ${MAIN}(workerData, (m) => parentPort.postMessage(m)));`;
const WEB_BOOT = `self.onmessage = (e) => { self.onmessage = null; ${MAIN}(e.data, (m) => self.postMessage(m)); };`;

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== 'undefined';
const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && !isDeno;
// Deno has node:worker_threads too, whose workers can be unreferenced (its web Workers cannot):
// there a process whose work is done exits, as in Node.
const hasWorkerThreads = isNode || isDeno;

/** The threads the platform offers: 1 where shared memory or workers are missing (Cloudflare Workers, a page that is not cross-origin isolated). */
export async function availableThreads(): Promise<number> {
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') return 1;
  if (isNode) {
    const os = await import('node:os');
    return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
  }
  const g = globalThis as { Worker?: unknown; crossOriginIsolated?: boolean; navigator?: { hardwareConcurrency?: number } };
  if (typeof g.Worker !== 'function' || g.crossOriginIsolated === false) return 1;
  return Math.max(1, g.navigator?.hardwareConcurrency ?? 1);
}

/** True for a module of the threaded build (it imports its memory). */
export function isThreadedModule(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === 'env' && i.name === 'memory' && i.kind === 'memory');
}

/**
 * Starts `threads` threads (this one and threads - 1 workers) over a module of the threaded build.
 * A worker that fails to start leaves a working single-threaded runtime, with a warning.
 */
export async function startThreads(module: WebAssembly.Module, threads: number, options: PoolOptions = {}): Promise<ThreadedParts> {
  if (!Number.isInteger(threads) || threads < 1 || threads > L.MAX_THREADS) throw new RangeError(`wasmnn: threads must be an integer from 1 to ${L.MAX_THREADS}, got ${threads}`);
  const memory = new WebAssembly.Memory({ initial: THREADED_INITIAL_PAGES, maximum: THREADED_MAXIMUM_PAGES, shared: true });
  // The scratch blocks come from the arena, which needs __heap_base, which needs an instance:
  // a first one (scratch 0, never called) reads it.
  const probe = (await WebAssembly.instantiate(module, { env: { memory, scratch: 0 } })).exports as Record<string, () => number>;
  const arena = new Arena(memory, probe.heap_base());
  const scratchBytes = probe.thread_scratch_bytes();
  const scratch = Array.from({ length: threads }, () => arena.alloc(scratchBytes, 64));
  const control = arena.alloc(L.BYTES, 64);
  const main = (await WebAssembly.instantiate(module, { env: { memory, scratch: scratch[0] } })).exports as Record<string, unknown>;
  const raw = main as unknown as Kernels;

  const names = Object.keys(SPLITS) as KernelName[];
  const spec = new Int32Array(names.length * L.SPEC);
  names.forEach((name, op) => {
    const s = SPLITS[name] as Split;
    spec[op * L.SPEC] = s.arity;
    spec[op * L.SPEC + 1] = s.count;
    s.strides.forEach((v, i) => (spec[op * L.SPEC + 2 + i] = v));
  });
  const runs = names.map((n) => (SPLITS[n] as Split).run);

  const workers: WorkerHandle[] = [];
  const spinUs = options.spinUs ?? SPIN_US;
  if (!(spinUs >= 0)) throw new RangeError(`wasmnn: spinUs must be a number >= 0, got ${spinUs}`);
  if (threads > 1) {
    try {
      const data = (tid: number) => ({ module, memory, scratch: scratch[tid], control, tid, names: runs, spec, spinUs });
      const started = [];
      for (let tid = 1; tid < threads; tid++) started.push(startWorker(data(tid), workers, options));
      await Promise.all(started);
    } catch (e) {
      for (const w of workers) w.terminate();
      console.warn(`wasmnn: could not start ${threads - 1} worker thread(s) (${(e as Error).message}); running on one thread`);
      return single(raw, arena);
    }
  }
  if (threads === 1) return single(raw, arena);
  const pool = new Pool(memory, control, threads, spinUs, options.answerTimeoutMs ?? 5000, options.minWork ?? MIN_WORK, options.backoff ?? true, runs.map((n) => main[n] as Function), spec, workers);
  // A Node worker that exits between calls (the event loop runs then) leaves one thread, not a hang.
  for (const w of workers) (w as { on?: (e: string, f: (code: number) => void) => void }).on?.('exit', (code) => pool.lose(`a worker thread exited with code ${code}`));
  const kernels: Record<string, unknown> = { memory };
  for (const name of Object.keys(KERNEL_ARITY) as KernelName[]) {
    const op = names.indexOf(name);
    kernels[name] = op < 0 ? main[name] : wrap(name, pool, op, SPLITS[name] as Split);
  }
  return { kernels: kernels as Kernels, arena, threads, close: () => pool.close(), splitCalls: () => pool.splits, stolenShares: () => pool.stolen, useThreads: (n) => pool.use(n) };
}

function single(kernels: Kernels, arena: Arena): ThreadedParts {
  return { kernels, arena, threads: 1, close() {}, splitCalls: () => 0, stolenShares: () => 0, useThreads: (n) => checkUse(n, 1) };
}

function checkUse(n: number, threads: number): void {
  if (!Number.isInteger(n) || n < 1 || n > threads) throw new RangeError(`wasmnn: useThreads takes an integer from 1 to the ${threads} thread(s) started, got ${n}`);
}

function startWorker(data: object, workers: WorkerHandle[], options: PoolOptions): Promise<void> {
  const timeout = options.startTimeoutMs ?? 10_000;
  return new Promise<void>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = (error?: string) => {
      if (timer === undefined) return;
      clearTimeout(timer);
      timer = undefined;
      if (error === undefined) resolve();
      else reject(new Error(error));
    };
    timer = setTimeout(() => done(`a worker did not start within ${timeout} ms`), timeout);
    const onMessage = (m: unknown) => done(m === 'ready' ? undefined : `a worker failed: ${(m as { error?: string })?.error ?? String(m)}`);
    if (hasWorkerThreads) {
      import('node:worker_threads').then(({ Worker }) => {
        const w = new Worker(workerSource(options.nodeBoot ?? NODE_BOOT), { eval: true, workerData: data });
        w.unref(); // a process whose work is done exits, workers or not (Node and Deno)
        workers.push(w);
        w.once('message', onMessage);
        w.once('error', (e) => done(`a worker failed: ${e.message}`));
        w.once('exit', (code) => done(`a worker exited with code ${code}`));
      }, (e: Error) => done(`worker_threads is unavailable: ${e.message}`));
      return;
    }
    // A page without cross-origin isolation cannot post shared memory to a worker: say so.
    if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
      done('this page is not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp');
      return;
    }
    const url = URL.createObjectURL(new Blob([workerSource(WEB_BOOT)], { type: 'text/javascript' }));
    const w = new Worker(url, { type: 'module' });
    workers.push(w);
    const settle = (error?: string) => {
      URL.revokeObjectURL(url); // loaded (or failed) by now
      done(error);
    };
    w.onmessage = (e) => settle(e.data === 'ready' ? undefined : `a worker failed: ${e.data?.error ?? String(e.data)}`);
    w.onerror = (e) => settle(`a worker failed: ${e.message}`);
    w.postMessage(data);
  });
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

class Pool {
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
  // Contention (see call): split calls in the current window, those in which the caller had to run
  // a worker's share, and how many calls are left to run on one thread.
  private window = 0;
  private contended = 0;
  private backoff = 0;
  stolen = 0;

  constructor(
    memory: WebAssembly.Memory,
    control: number,
    private readonly threads: number,
    spinUs: number,
    private readonly answerTimeoutMs: number,
    private readonly minWork: number,
    private readonly backoffOn: boolean,
    private readonly fns: Function[],
    spec: Int32Array,
    private readonly workers: WorkerHandle[],
  ) {
    // A shared buffer never moves, so these views stay valid when memory grows.
    this.ctl = new Int32Array(memory.buffer, control, L.ARGS_BYTE / 4);
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
    const chunk = Math.ceil(units / this.active / s.align) * s.align;
    for (let i = 0; i < t; i++) {
      const lo = Math.min(i * chunk, units);
      ctl[L.RANGES + 2 * i] = lo;
      ctl[L.RANGES + 2 * i + 1] = Math.min(lo + chunk, units);
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
    if (p !== 0) {
      const before = this.stolen;
      failure = this.steal(gen, failure);
      if (this.stolen !== before) this.contended++;
      p = Atomics.load(ctl, L.PENDING);
    }
    for (; p !== 0 && i < this.spinLoads; i++) p = Atomics.load(ctl, L.PENDING);
    if (p !== 0) this.waitForShares(work / this.active, s);
    // Other processes holding the cores: when the caller had to run a worker's share in over half
    // of a window's calls, the next BACKOFF_CALLS run on one thread (a worker that must share a
    // core with another process makes a split call slower than one thread), then it tries again.
    // (A worker that took its share and ends it after the caller is not counted: with shares of
    // milliseconds that is most calls, by a fraction of a share.)
    if (++this.window === CONTENTION_WINDOW) {
      if (this.contended * 2 > CONTENTION_WINDOW && this.backoffOn) this.backoff = BACKOFF_CALLS;
      this.window = this.contended = 0;
    }
    if (failure !== undefined) throw failure;
    if (Atomics.load(ctl, L.FAILED) !== 0) {
      const text = new TextDecoder().decode(this.message.slice(0, Atomics.load(ctl, L.MESSAGE_LENGTH)));
      throw new Error(`wasmnn: ${s.run} failed on worker thread ${Atomics.load(ctl, L.FAILED_TID)}: ${text}`);
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
        this.lose(`${p} worker thread(s) took their share of ${s.run} and did not finish it`);
        throw new Error(`wasmnn: ${s.run}: ${p} worker thread(s) took their share and did not finish it within ${Math.round(limit)} ms (a worker that died during the call?); the call's output is incomplete, and the kernels run on the calling thread from now on`);
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
      try {
        this.runners[t]();
      } catch (e) {
        failure ??= e;
      }
      Atomics.sub(ctl, L.PENDING, 1);
    }
    return failure;
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

// The wrapper a split kernel gets: the arguments into the slots, then Pool.call. One closure per
// arity, with named parameters: a rest parameter would allocate an array per call.
function wrap(name: KernelName, pool: Pool, op: number, s: Split): Function {
  const a = pool.args;
  const arity = KERNEL_ARITY[name];
  // gemm_tn_f32 runs as gemm_tn_lda_f32(..., lda = m), col_sum_f32 as col_sum_ld_f32(..., ld = cols).
  const [to, from] = s.copy ?? [-1, -1];
  const go = () => {
    if (to >= 0) a[to] = a[from];
    return pool.call(op, s);
  };
  switch (arity) {
    case 2: return (x0: number, x1: number) => { a[0] = x0; a[1] = x1; return go(); };
    case 3: return (x0: number, x1: number, x2: number) => { a[0] = x0; a[1] = x1; a[2] = x2; return go(); };
    case 4: return (x0: number, x1: number, x2: number, x3: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; return go(); };
    case 5: return (x0: number, x1: number, x2: number, x3: number, x4: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; return go(); };
    case 6: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; return go(); };
    case 7: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; return go(); };
    case 8: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; return go(); };
    case 9: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; return go(); };
    case 10: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; return go(); };
    case 11: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; return go(); };
    case 12: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; return go(); };
    case 13: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number, x12: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; a[12] = x12; return go(); };
    default: throw new Error(`wasmnn: no thread wrapper for ${arity} arguments`);
  }
}
