// init()'s threaded half: how many threads, where the threaded build is, and the runtime over it.
import { startThreads, availableThreads, type PoolOptions, type ThreadedParts } from './pool.js';
import { layout } from './runner.js';

export { isThreadedModule, availableThreads, THREADED_MAXIMUM_PAGES } from './pool.js';

/**
 * The default of init's `threads`: the cores available where shared memory and workers exist, 1
 * elsewhere (Cloudflare Workers, a page that is not cross-origin isolated). Every thread count
 * gives the same bits (see README, "Threads").
 */
export const DEFAULT_THREADS = 'auto';

/** init's `threads` option as a count: a number is checked, 'auto' asks the platform. */
export async function threadCount(option: number | 'auto' | undefined): Promise<number> {
  if ((option ?? DEFAULT_THREADS) === 'auto') return Math.min(await availableThreads(), layout().MAX_THREADS);
  if (typeof option !== 'number' || !Number.isInteger(option) || option < 1 || option > layout().MAX_THREADS) {
    throw new RangeError(`wasmnn: init({ threads }) takes 'auto' or an integer from 1 to ${layout().MAX_THREADS}, got ${String(option)}`);
  }
  return option;
}

/** The packaged threaded build, next to the single-threaded ones (build/ beside dist/ or src/). */
export async function threadedSource(build: 'plain' | 'relaxed'): Promise<BufferSource | Response> {
  const url = new URL(`../../build/${build === 'relaxed' ? 'wasmnn-relaxed-threads' : 'wasmnn-threads'}.wasm`, import.meta.url);
  if (typeof process !== 'undefined' && typeof process.versions?.node === 'string' && url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return readFile(url);
  }
  return fetch(url);
}

export function startThreaded(module: WebAssembly.Module, threads: number, options?: PoolOptions): Promise<ThreadedParts> {
  return startThreads(module, threads, options);
}
