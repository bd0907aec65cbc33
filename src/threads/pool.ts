// The threaded runtime: one instance of the threaded build per thread over one shared memory,
// and a `kernels` object with the signatures of the single-threaded one whose large calls are
// split across the threads (src/threads/split.ts says how). The calling thread is thread 0: it
// publishes a call (arguments and each thread's range in the control block), runs its own share,
// then any share no worker has taken yet (a worker without a core at that moment), then waits for
// the shares taken. Which thread runs a share does not change its bits. A call allocates nothing:
// the arguments go through preallocated slots in shared memory and the threads meet on two
// counters, each side watching the other's for a few tens of microseconds (Atomics.load) before
// it sleeps (Atomics.wait/notify).
// Here: the start (memory, instances, workers) and the kernels' wrappers; the workers' start per
// runtime is workers.ts, the call itself dispatch.ts, the options and timings pool-options.ts.
import { KERNEL_ARITY, type KernelName, type Kernels } from '../wasm/exports.js';
import { Arena } from '../memory/arena.js';
import { SPLITS, MIN_WORK, type Split } from './split.js';
import { layout } from './runner.js';
import { SPIN_US, GRID_WORK, type PoolOptions } from './pool-options.js';
import { startWorker, type WorkerHandle } from './workers.js';
import { Pool, checkUse } from './dispatch.js';
import { calibrated, measureCrossing, type Calibration } from './calibrate.js';

export { SPIN_US, type PoolOptions } from './pool-options.js';
export { availableThreads } from './workers.js';

const L = layout();
/** Pages the threaded build declares (assembly: asconfig.json's threads targets). */
export const THREADED_INITIAL_PAGES = 16;
export const THREADED_MAXIMUM_PAGES = 65536; // 4 GiB: the wasm32 limit

export interface ThreadedParts {
  kernels: Kernels;
  arena: Arena;
  threads: number;
  close(): void;
  /** How many calls were split across the threads so far. */
  splitCalls(): number;
  /** Of those, how many went by columns too (a grid of row and column blocks). */
  gridCalls(): number;
  /** How many workers' shares the caller ran because no worker had taken them yet. */
  stolenShares(): number;
  /** Splits the calls that follow across n of the started threads (1 to threads; 1: none split). */
  useThreads(n: number): void;
  /** The split threshold measured at start (undefined on one thread, or when PoolOptions.minWork was given). */
  calibration?: Calibration;
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
    spec[op * L.SPEC + L.COUNT2] = s.cols?.count ?? -1;
    s.cols?.strides.forEach((v, i) => (spec[op * L.SPEC + L.COUNT2 + 1 + i] = v));
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
  const pool = new Pool(memory, control, threads, spinUs, options.answerTimeoutMs ?? 5000, options.minWork ?? MIN_WORK, options.gridWork ?? GRID_WORK, options.backoff ?? true, options.steal ?? true, runs.map((n) => main[n] as Function), spec, workers);
  // A Node worker that exits between calls (the event loop runs then) leaves one thread, not a hang.
  for (const w of workers) (w as { on?: (e: string, f: (code: number) => void) => void }).on?.('exit', (code) => pool.lose(`a worker thread exited with code ${code}`));
  const kernels: Record<string, unknown> = { memory };
  for (const name of Object.keys(KERNEL_ARITY) as KernelName[]) {
    const op = names.indexOf(name);
    kernels[name] = op < 0 ? main[name] : wrap(name, pool, op, SPLITS[name] as Split);
  }
  let calibration: Calibration | undefined;
  if (options.minWork === undefined) {
    calibration = calibrated(threads, () => measureCrossing(pool, raw.gemm_nn_f32, (kernels as unknown as Kernels).gemm_nn_f32, arena));
    pool.minWork = calibration.minWork;
    pool.resetCounts();
  }
  return { kernels: kernels as Kernels, arena, threads, close: () => pool.close(), splitCalls: () => pool.splits, gridCalls: () => pool.grids, stolenShares: () => pool.stolen, useThreads: (n) => pool.use(n), calibration };
}

function single(kernels: Kernels, arena: Arena): ThreadedParts {
  return { kernels, arena, threads: 1, close() {}, splitCalls: () => 0, gridCalls: () => 0, stolenShares: () => 0, useThreads: (n) => checkUse(n, 1) };
}

// The wrapper a split kernel gets: the arguments into the slots, then Pool.call. One closure per
// arity, with named parameters: a rest parameter would allocate an array per call.
function wrap(name: KernelName, pool: Pool, op: number, s: Split): Function {
  const a = pool.args;
  const arity = KERNEL_ARITY[name];
  // gemm_nn_f32 runs as gemm_nn_ld_f32(..., ldb = n, ldc = n), col_sum_f32 as col_sum_ld_f32(..., ld = cols), ...
  const copy = Int32Array.from((s.copy ?? []).flat());
  const go = () => {
    for (let i = 0; i < copy.length; i += 2) a[copy[i]] = a[copy[i + 1]];
    return pool.call(op, s);
  };
  switch (arity as number) { // every arity a kernel may have, whether or not one has it now
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
    case 14: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number, x12: number, x13: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; a[12] = x12; a[13] = x13; return go(); };
    case 15: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number, x12: number, x13: number, x14: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; a[12] = x12; a[13] = x13; a[14] = x14; return go(); };
    case 18: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number, x12: number, x13: number, x14: number, x15: number, x16: number, x17: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; a[12] = x12; a[13] = x13; a[14] = x14; a[15] = x15; a[16] = x16; a[17] = x17; return go(); };
    case 19: return (x0: number, x1: number, x2: number, x3: number, x4: number, x5: number, x6: number, x7: number, x8: number, x9: number, x10: number, x11: number, x12: number, x13: number, x14: number, x15: number, x16: number, x17: number, x18: number) => { a[0] = x0; a[1] = x1; a[2] = x2; a[3] = x3; a[4] = x4; a[5] = x5; a[6] = x6; a[7] = x7; a[8] = x8; a[9] = x9; a[10] = x10; a[11] = x11; a[12] = x12; a[13] = x13; a[14] = x14; a[15] = x15; a[16] = x16; a[17] = x17; a[18] = x18; return go(); };
    default: throw new Error(`wasmnn: no thread wrapper for ${arity} arguments`);
  }
}
