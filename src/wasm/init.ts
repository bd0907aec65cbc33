// Loading the wasm core: init(source) instantiates one module and makes it the
// runtime every model and parameter allocates from.
//
// NOTE: we do not use @assemblyscript/loader. It is deprecated upstream and it
// compiles bytes itself, which Cloudflare Workers forbid (they accept only a
// precompiled WebAssembly.Module). Our kernels take plain numbers and pointers, so
// the whole loader is WebAssembly.instantiate plus a check of the export table.
import { KERNEL_ARITY, type KernelName, type Kernels } from './exports.js';
import { Arena } from '../memory/arena.js';
import { checkChoice, checkOptions, optionKeys } from '../validate/options.js';
import { DEFAULT_THREADS, threadCount, threadedSource, isThreadedModule, startThreaded } from '../threads/index.js';
import type { Calibration } from '../threads/calibrate.js';

export type WasmSource =
  | WebAssembly.Module
  | BufferSource
  | Response
  | PromiseLike<WebAssembly.Module | BufferSource | Response>;

export interface InitOptions {
  /**
   * 'plain' (the default: the same bits on every runtime), 'relaxed' (fused multiply-add in GEMM;
   * an error where unsupported), or 'auto' (relaxed where the runtime validates it, else plain).
   */
  simd?: 'plain' | 'relaxed' | 'auto';
  /**
   * Threads for the kernels: a number, or 'auto' (the default: the cores available where shared
   * memory and workers exist, else 1). Every count gives the same bits.
   */
  threads?: number | 'auto';
  /**
   * With threads: the work (multiply-adds, or elements weighed as split.ts weighs them) from which
   * a kernel call is split across the threads. By default it is measured when the threads start
   * (src/threads/calibrate.ts); 0 splits every call that has two ranges (tests of the split use it).
   */
  minWork?: number;
}

const INIT_KEYS = optionKeys<InitOptions>({ simd: true, threads: true, minWork: true });
const SIMD_CHOICES = ['plain', 'relaxed', 'auto'] as const;

export interface Runtime {
  readonly kernels: Kernels;
  readonly arena: Arena;
  readonly build: 'plain' | 'relaxed';
  /** How many threads the kernels run on (1: the single-threaded build). */
  readonly threads: number;
  /** Stops the worker threads (the kernels then run on the calling thread); nothing with one thread. */
  close(): void;
  /** How many kernel calls were split across the threads so far (0 with one thread). */
  splitCalls(): number;
  /** How many workers' shares of split calls the calling thread ran itself because no worker had taken them in time (0 with one thread). */
  stolenShares(): number;
  /** Splits the calls that follow across n of the started threads (1 to `threads`). */
  useThreads(n: number): void;
  /** With threads: the split threshold measured when the pool started (src/threads/calibrate.ts). */
  readonly calibration?: Calibration;
}

let current: Runtime | undefined;
/** The thread count init() was asked for when it made `current` (a fallback may have given fewer). */
let asked = 0;
/** The minWork init() was asked for when it made `current`. */
let askedMinWork: number | undefined;

/** Where the packaged wasm is found when `init()` is called without a source. Set by each runtime entry. */
let defaultSource: ((build: 'plain' | 'relaxed') => WasmSource) | undefined;
export function setDefaultSource(fn: (build: 'plain' | 'relaxed') => WasmSource): void {
  defaultSource = fn;
}

// The smallest module using a relaxed-SIMD instruction (f32x4.relaxed_madd): validates only where supported.
const RELAXED_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0, 253, 12,
  ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 12, ...new Array(16).fill(0), 253, 133, 2, 11,
]);

/** True where the runtime validates relaxed-SIMD instructions. */
export function relaxedSimdSupported(): boolean {
  try {
    return WebAssembly.validate(RELAXED_PROBE);
  } catch {
    return false;
  }
}

async function toModule(source: WasmSource): Promise<WebAssembly.Module> {
  const s = await source;
  if (s instanceof WebAssembly.Module) return s;
  if (typeof Response !== 'undefined' && s instanceof Response) {
    if (!s.ok) throw new Error(`wasmnn: fetching the wasm failed: HTTP ${s.status} ${s.statusText}`);
    return WebAssembly.compile(await s.arrayBuffer());
  }
  if (ArrayBuffer.isView(s) || s instanceof ArrayBuffer) return WebAssembly.compile(s as BufferSource);
  throw new TypeError('wasmnn: init(source) takes a WebAssembly.Module, bytes, a Response or a promise of one');
}

/** Instantiates a compiled module and checks it exports every kernel with the arity the table says. */
export async function instantiate(module: WebAssembly.Module, build: 'plain' | 'relaxed' = 'plain'): Promise<Runtime> {
  const instance = await WebAssembly.instantiate(module, {});
  const kernels = checkExports(instance.exports as Record<string, unknown>);
  return { kernels, arena: new Arena(kernels.memory, kernels.heap_base()), build, threads: 1, close() {}, splitCalls: () => 0, stolenShares: () => 0, useThreads: (n) => {
    if (n !== 1) throw new RangeError(`wasmnn: useThreads takes an integer from 1 to the 1 thread(s) started, got ${n}`);
  } };
}

/** The threaded build over `threads` threads (fewer, with a warning, if workers fail to start). */
async function instantiateThreaded(module: WebAssembly.Module, build: 'plain' | 'relaxed', threads: number, minWork?: number): Promise<Runtime> {
  const parts = await startThreaded(module, threads, minWork === undefined ? {} : { minWork });
  checkExports(parts.kernels as unknown as Record<string, unknown>);
  const { kernels, arena, close, splitCalls, stolenShares, useThreads, calibration } = parts;
  return { kernels, arena, threads: parts.threads, close, splitCalls, stolenShares, useThreads, build, calibration };
}

function checkExports(exp: Record<string, unknown>): Kernels {
  for (const name of Object.keys(KERNEL_ARITY) as KernelName[]) {
    const fn = exp[name];
    if (typeof fn !== 'function' || fn.length !== KERNEL_ARITY[name]) {
      throw new Error(`wasmnn: the wasm module does not match this library (export '${name}' missing or of the wrong arity); rebuild it with 'npm run build:wasm'`);
    }
  }
  if (!(exp.memory instanceof WebAssembly.Memory)) throw new Error('wasmnn: the wasm module exports no memory');
  return exp as unknown as Kernels;
}

/** A plain object is init's options (`init({ simd: 'relaxed' })`); anything else is a source. */
function isOptions(x: unknown): x is InitOptions {
  if (x === null || typeof x !== 'object' || x instanceof WebAssembly.Module || ArrayBuffer.isView(x) || x instanceof ArrayBuffer) return false;
  if (typeof Response !== 'undefined' && x instanceof Response) return false;
  return typeof (x as PromiseLike<unknown>).then !== 'function';
}

/**
 * Loads the wasm core. Call once (await it) before building models.
 * `source` may be a WebAssembly.Module (required on Cloudflare Workers), bytes, a
 * Response or a promise of one; without it the runtime's entry finds the packaged wasm.
 * The plain-SIMD build is the default everywhere, so a seed gives the same bits on every
 * runtime; `{ simd: 'relaxed' }` or `'auto'` opts into the relaxed build. `init(options)` is
 * `init(undefined, options)`.
 */
export async function init(source?: WasmSource | InitOptions, options: InitOptions = {}): Promise<Runtime> {
  if (isOptions(source)) [source, options] = [undefined, source];
  checkOptions('init', options, INIT_KEYS);
  const want = checkChoice('init', 'simd', options.simd, SIMD_CHOICES);
  const threads = await threadCount(options.threads);
  if (options.minWork !== undefined && !(typeof options.minWork === 'number' && options.minWork >= 0)) throw new RangeError(`wasmnn: init({ minWork }) takes a number >= 0 (multiply-adds), got ${String(options.minWork)}`);
  const relaxed = want === 'relaxed' || (want === 'auto' && source === undefined && relaxedSimdSupported());
  const build: 'plain' | 'relaxed' = relaxed ? 'relaxed' : 'plain';
  if (want === 'relaxed' && !relaxedSimdSupported()) {
    throw new Error("wasmnn: init({ simd: 'relaxed' }) but this runtime does not support relaxed SIMD; use 'plain' or 'auto'");
  }
  const auto = (options.threads ?? DEFAULT_THREADS) === 'auto';
  if (source === undefined) {
    // A second init() without a source keeps the runtime (and the models built on it) unless
    // it names another build or thread count ('auto' also keeps one that fell back to fewer).
    if (current && asked === threads && askedMinWork === options.minWork && (auto || current.threads === threads) && (want === undefined || want === 'auto' || want === current.build)) return current;
    if (threads > 1) {
      try {
        return remember(await instantiateThreaded(await toModule(threadedSource(build)), build, threads, options.minWork), threads, options.minWork);
      } catch (e) {
        // 'auto' asked for what the platform offers: without the threaded build (a bundler that
        // copied only the single-threaded wasm, memory that cannot be shared) that is one thread.
        if (!auto) throw e;
        console.warn(`wasmnn: the threaded build could not be loaded (${(e as Error).message}); running on one thread (init({ threads: 1 }) asks for that without this warning)`);
      }
    }
    if (!defaultSource) throw new Error('wasmnn: init() needs a source in this runtime: pass a WebAssembly.Module, bytes or a Response');
    source = defaultSource(build);
  }
  const module = await toModule(source);
  if (isThreadedModule(module)) return remember(await instantiateThreaded(module, build, threads, options.minWork), threads, options.minWork);
  if (threads > 1 && !auto) {
    throw new Error(`wasmnn: init({ threads: ${threads} }) needs the threaded build (build/wasmnn-threads.wasm), and this module is the single-threaded one`);
  }
  return remember(await instantiate(module, build), threads, options.minWork);
}

function remember(rt: Runtime, threads: number, minWork?: number): Runtime {
  // A closed runtime is forgotten: the next init() starts a new one instead of handing back one
  // whose workers are stopped (its kernels would all run on the calling thread).
  const close = rt.close;
  rt.close = () => {
    close();
    if (current === rt) current = undefined;
  };
  current = rt;
  asked = threads;
  askedMinWork = minWork;
  return rt;
}

/** The runtime set up by init(); throws a clear error before it. */
export function runtime(): Runtime {
  if (!current) throw new Error('wasmnn: call `await init()` before using the library');
  return current;
}
