// Starting a worker thread on each runtime: Node's and Deno's worker_threads, a browser's Worker
// (from a blob of the worker's source); and how many threads the platform offers.
import type { PoolOptions } from './pool-options.js';
import { workerMain, workerSource } from './runner.js';

/** A started worker, whatever the platform. */
export interface WorkerHandle {
  terminate(): void;
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
export const hasWorkerThreads = isNode || isDeno;

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

export function startWorker(data: object, workers: WorkerHandle[], options: PoolOptions): Promise<void> {
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
