// The thread pool's faults and life: an error inside a kernel reaches the caller and leaves the
// pool usable; memory growth reaches every thread; a worker that fails to start leaves a working
// single-threaded runtime with a warning; a process whose work is done exits with workers alive;
// init's `threads` option is checked.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { init } from 'wasmnn';
import { loadWasm, randn } from '../helpers/wasm.js';
import { startThreads, type ThreadedParts } from '../../dist/threads/pool.js';

const module = new WebAssembly.Module(readFileSync('build/wasmnn-threads.wasm'));
const plain = loadWasm();
const opened: ThreadedParts[] = [];
afterAll(() => opened.forEach((p) => p.close()));

async function pool(threads = 2, options = {}): Promise<ThreadedParts> {
  const p = await startThreads(module, threads, { minWork: 0, backoff: false, ...options });
  opened.push(p);
  return p;
}

/** A worker's boot that says ready and then never takes a call. */
const NEVER_TAKES = "import('node:worker_threads').then(({ parentPort }) => { parentPort.postMessage('ready'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });";

/** A worker's boot that marks itself asleep in the control block (ASLEEP), says ready and never takes a call. */
const SLEEPS = "import('node:worker_threads').then(({ workerData: d, parentPort }) => { const L = layout(); Atomics.store(new Int32Array(d.memory.buffer, d.control, L.BYTES / 4), L.ASLEEP + d.tid, 1); parentPort.postMessage('ready'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); });";

/** C = A B (NN, m x n x k) in the pool with the operands at `at` (or fresh), and in the plain build; both results' bits. */
function gemmBoth(p: ThreadedParts, m: number, n: number, k: number, at?: number): [Uint32Array, Uint32Array] {
  const A = Float32Array.from(randn(m * k, 1));
  const B = Float32Array.from(randn(k * n, 2));
  const mem = p.kernels.memory;
  const base = at ?? p.arena.alloc((m * k + k * n + m * n) * 4);
  const [a, b, c] = [base, base + m * k * 4, base + (m * k + k * n) * 4];
  new Float32Array(mem.buffer, a, m * k).set(A);
  new Float32Array(mem.buffer, b, k * n).set(B);
  p.kernels.gemm_nn_f32(c, a, b, m, n, k, 1, 0);
  const pc = plain.out(m * n);
  plain.k.gemm_nn_f32(pc, plain.put(A), plain.put(B), m, n, k, 1, 0);
  return [new Uint32Array(mem.buffer, c, m * n).slice(), new Uint32Array(plain.memory.buffer, pc, m * n).slice()];
}

describe('faults', () => {
  it('an error inside a kernel on a worker reaches the caller, and the pool stays usable', async () => {
    // The worker's share stays its own (the caller of a loaded machine would run it otherwise).
    const p = await pool(2, { steal: false });
    const end = p.kernels.memory.buffer.byteLength;
    // C of 8 x 4 floats whose last 4 rows (the worker's) lie past the end of memory.
    const inBounds = p.arena.alloc(64 * 4);
    expect(() => p.kernels.gemm_nn_f32(end - 64, inBounds, inBounds, 8, 4, 4, 1, 0)).toThrow(/gemm_nn_f32 failed on worker thread 1: .*out of bounds/);
    const before = p.splitCalls();
    const [got, want] = gemmBoth(p, 64, 40, 33);
    expect(got).toEqual(want);
    expect(p.splitCalls()).toBe(before + 1);
  });
  it("an error in the calling thread's share is thrown once the workers are done, and the pool stays usable", async () => {
    const p = await pool();
    const end = p.kernels.memory.buffer.byteLength;
    expect(() => p.kernels.adam_f32(end + 4096, end + 4096, end + 4096, end + 4096, 0, 0, 64, end + 4096)).toThrow(/out of bounds/);
    const [got, want] = gemmBoth(p, 37, 17, 20);
    expect(got).toEqual(want);
  });
  it('memory growth reaches every thread: operands in the grown part give the same bits', async () => {
    const p = await pool(3);
    const b0 = p.kernels.memory.buffer;
    const big = p.arena.alloc(64 << 20); // grows shared memory by 64 MiB
    expect(p.arena.grows).toBeGreaterThan(0);
    expect(p.kernels.memory.buffer).not.toBe(b0); // so Tensor.data re-derives its view
    expect(p.kernels.memory.buffer.byteLength).toBeGreaterThan(b0.byteLength);
    const [got, want] = gemmBoth(p, 130, 70, 90, big + (60 << 20));
    expect(got).toEqual(want);
  });
});

describe('shares the caller runs itself', () => {
  // Adam updates its state in place: a share run twice, or never, changes the bits.
  function adamBoth(p: ThreadedParts, calls: number): [Uint32Array, Uint32Array] {
    const n = 4096;
    const init = (i: number) => Float32Array.from({ length: n }, (_, j) => (i === 0 ? Math.sin(j) : i === 1 ? Math.cos(j * 0.3) : 0));
    const tp = [0, 1, 2, 3].map((i) => {
      const q = p.arena.alloc(n * 4);
      new Float32Array(p.kernels.memory.buffer, q, n).set(init(i));
      return q;
    });
    const pp = [0, 1, 2, 3].map((i) => plain.put(init(i)));
    // adam_f32's scalars in memory: stepSize, beta1, beta2, eps, invSqrtBc2, wd, keep.
    const hyper = [0.001, 0.9, 0.999, 1e-8, 1, 0, 1];
    const th = p.arena.alloc(56, 8), ph = plain.arena.alloc(56, 8);
    new Float64Array(p.kernels.memory.buffer, th, 7).set(hyper);
    new Float64Array(plain.memory.buffer, ph, 7).set(hyper);
    for (let s = 0; s < calls; s++) {
      p.kernels.adam_f32(tp[0], tp[1], tp[2], tp[3], 0, 0, n, th);
      plain.k.adam_f32(pp[0], pp[1], pp[2], pp[3], 0, 0, n, ph);
    }
    return [new Uint32Array(p.kernels.memory.buffer, tp[0], n).slice(), new Uint32Array(plain.memory.buffer, pp[0], n).slice()];
  }
  it('3 threads on 2 cores, 5000 small in-place calls: every share runs once, whoever runs it (the caller ran some)', async () => {
    const p = await pool(3, { backoff: false, spinUs: 0 }); // workers sleep between calls and the caller takes unclaimed shares at once
    const [got, want] = adamBoth(p, 5000);
    expect(p.splitCalls()).toBe(5000);
    expect(p.stolenShares()).toBeGreaterThan(0); // ~0.5 us shares: the caller is often done before a worker looks
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
  });
  it('shares taken from a worker that sleeps (its wake-up is late, nothing holds its core) do not count as contention: no back-off', async () => {
    // A worker that says it sleeps (ASLEEP) and never wakes: the caller runs its share in every
    // call. Counted as contention, as before ASLEEP, the pool backed off to one thread after any
    // idle gap, and again after each back-off, which the worker slept through (bench threads' MLP
    // fit rows ran at 1.02x on 2 threads). The next test is the same worker awake.
    const p = await pool(2, { nodeBoot: SLEEPS, backoff: true });
    const [got, want] = adamBoth(p, 1000);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    expect(p.stolenShares()).toBe(1000);
    expect(p.splitCalls()).toBe(1000);
  });
  it('when the caller has to run or wait for the shares of most calls in a window (workers without a core), the next calls stay on one thread for a while', async () => {
    // A worker that never takes a call: the caller runs its share in every call.
    const p = await pool(2, { nodeBoot: NEVER_TAKES, backoff: true });
    const [got, want] = adamBoth(p, 1000);
    expect(Buffer.from(got.buffer).equals(Buffer.from(want.buffer))).toBe(true);
    expect(p.splitCalls()).toBe(256); // one window split, then 744 of the 2048 calls of the back-off on one thread
    expect(p.stolenShares()).toBe(256);
    adamBoth(p, 1500);
    expect(p.splitCalls()).toBe(256 + 196); // 1304 calls more of back-off (2048 in all), then splitting is tried again
  });
});

describe('idle', () => {
  it('an idle pool costs no CPU: its threads sleep once no call has come for the spin (SPIN_US)', async () => {
    const p = await pool(2);
    const [got, want] = gemmBoth(p, 64, 64, 64); // the worker is awake and watching after this
    expect(got).toEqual(want);
    await new Promise((r) => setTimeout(r, 50)); // 500 times SPIN_US
    const u = process.cpuUsage();
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 300));
    const d = process.cpuUsage(u);
    const cpuMs = (d.user + d.system) / 1000, wallMs = performance.now() - t0;
    // A worker that kept watching would take a whole core: ~300 ms of CPU here.
    expect(cpuMs, `CPU ${cpuMs.toFixed(1)} ms over ${wallMs.toFixed(0)} ms of an idle pool`).toBeLessThan(0.1 * wallMs);
  });
});

describe('starting workers', () => {
  it('a worker that fails to start leaves a working single-threaded runtime and a warning, not a hang', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const thrown = await pool(2, { nodeBoot: "throw new Error('no threads today')" });
      expect(thrown.threads).toBe(1);
      expect(warn.mock.calls.at(-1)?.[0]).toMatch(/could not start 1 worker thread\(s\) \(a worker failed: no threads today\); running on one thread/);
      const silent = await pool(3, { nodeBoot: 'setInterval(() => {}, 1000)', startTimeoutMs: 300 });
      expect(silent.threads).toBe(1);
      expect(warn.mock.calls.at(-1)?.[0]).toMatch(/could not start 2 worker thread\(s\) \(a worker did not start within 300 ms\)/);
      const [got, want] = gemmBoth(silent, 33, 20, 17);
      expect(got).toEqual(want);
      expect(silent.splitCalls()).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
  it('a worker that said ready but never takes a call: the caller runs its share at once, the same bits, no wait', async () => {
    const p = await pool(3, { nodeBoot: NEVER_TAKES, answerTimeoutMs: 60_000 });
    expect(p.threads).toBe(3);
    const t0 = Date.now();
    for (let i = 0; i < 3; i++) {
      const [got, want] = gemmBoth(p, 64, 40, 33);
      expect(got).toEqual(want);
    }
    expect(p.splitCalls()).toBe(3);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
  it('a worker that exits between calls leaves one thread with a warning, not a hang', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const boot = "import('node:worker_threads').then(({ parentPort }) => { parentPort.postMessage('ready'); setTimeout(() => process.exit(3), 20); });";
      const p = await pool(2, { nodeBoot: boot, answerTimeoutMs: 60_000 });
      await new Promise((r) => setTimeout(r, 300));
      expect(warn.mock.calls.at(-1)?.[0]).toMatch(/a worker thread exited with code 3; running on one thread/);
      const [got, want] = gemmBoth(p, 64, 40, 33);
      expect(got).toEqual(want);
      expect(p.splitCalls()).toBe(0);
    } finally {
      warn.mockRestore();
    }
  });
  it('a worker that dies during its share: the call throws after answerTimeoutMs, not a hang, and the runtime goes on on one thread', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      // Watches for calls and takes its share of the first one it gets to before the caller does
      // (its CLAIM slot, by compareExchange as workerMain), then exits inside it.
      const boot = `import('node:worker_threads').then(({ workerData: d, parentPort }) => {
        const L = layout();
        const ctl = new Int32Array(d.memory.buffer, d.control, L.ARGS_BYTE / 4);
        let seen = Atomics.load(ctl, L.GEN);
        parentPort.postMessage('ready');
        for (;;) {
          const g = Atomics.load(ctl, L.GEN);
          if (g === seen) continue;
          seen = g;
          const last = Atomics.load(ctl, L.CLAIM + d.tid);
          if (Atomics.compareExchange(ctl, L.CLAIM + d.tid, last, g) === last) process.exit(5);
        }
      });`;
      const p = await pool(2, { nodeBoot: boot, answerTimeoutMs: 200, steal: false });
      expect(p.threads).toBe(2);
      const t0 = Date.now();
      let error: Error | undefined;
      // A call whose share the caller ran first (the worker without a core then) succeeds.
      for (let i = 0; i < 50 && error === undefined; i++) {
        try {
          const [got, want] = gemmBoth(p, 64, 40, 33);
          expect(got).toEqual(want);
        } catch (e) {
          error = e as Error;
        }
      }
      expect(error?.message).toMatch(/gemm_nn_f32: 1 worker thread\(s\) took their share and did not finish it within 2\d\d ms .*output is incomplete/);
      expect(Date.now() - t0).toBeLessThan(5_000);
      expect(warn.mock.calls.at(-1)?.[0]).toMatch(/1 worker thread\(s\) took their share of gemm_nn_f32 and did not finish it; running on one thread/);
      const before = p.splitCalls();
      const [got, want] = gemmBoth(p, 64, 40, 33);
      expect(got).toEqual(want);
      expect(p.splitCalls()).toBe(before);
    } finally {
      warn.mockRestore();
    }
  });
  for (const [runtime, bin, args, entry] of [
    ['Node', process.execPath, ['--input-type=module', '-e'], 'wasmnn'],
    ['Deno', '.tools/node_modules/.bin/deno', ['eval'], pathToFileURL('dist/deno.js').href],
  ]) {
    it(`a process whose work is done exits on its own, its workers started and idle (${runtime}, the default init())`, () => {
      const program = `import(${JSON.stringify(entry)}).then(async (w) => {
        const rt = await w.init();
        const m = new w.Sequential([w.layers.dense({ inputDim: 256, units: 256 })], { seed: 1 });
        m.predict({ data: new Float32Array(256 * 256), shape: [256, 256] });
        console.log(JSON.stringify({ threads: rt.threads, split: rt.splitCalls() }));
      });`;
      const t0 = Date.now();
      const out = execFileSync(bin as string, [...(args as string[]), program], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
      const r = JSON.parse(out);
      expect(r.threads).toBe(2);
      expect(r.split).toBeGreaterThan(0);
      expect(Date.now() - t0).toBeLessThan(15_000);
    });
  }
});

describe('useThreads', () => {
  it('splits later calls over n of the started threads, the same bits, none split at 1, and refuses n out of range', async () => {
    const p = await pool(3);
    const [all, want] = gemmBoth(p, 70, 30, 40);
    p.useThreads(2);
    const before = p.splitCalls();
    expect(gemmBoth(p, 70, 30, 40)[0]).toEqual(want);
    expect(p.splitCalls()).toBe(before + 1);
    p.useThreads(1);
    expect(gemmBoth(p, 70, 30, 40)[0]).toEqual(all);
    expect(p.splitCalls()).toBe(before + 1);
    expect(() => p.useThreads(4)).toThrow(/useThreads takes an integer from 1 to the 3 thread\(s\) started, got 4/);
  });
});

describe("init's threads option", () => {
  it('init() after close() starts a new runtime, whose calls split, instead of the closed one (its workers stopped)', async () => {
    const a = await init({ threads: 2, simd: 'plain', minWork: 0 });
    expect(await init({ threads: 2, simd: 'plain', minWork: 0 })).toBe(a); // kept while open
    a.close();
    const b = await init({ threads: 2, simd: 'plain', minWork: 0 });
    expect(b).not.toBe(a);
    const k = b.kernels, n = 64, p = b.arena.alloc(3 * n * n * 4);
    k.gemm_nn_f32(p, p + n * n * 4, p + 2 * n * n * 4, n, n, n, 1, 0);
    expect(b.splitCalls()).toBe(1);
    b.close();
  });
  it("takes a number or 'auto' (the cores here, and the default), and refuses the rest by name", async () => {
    const cores = (await import('node:os')).availableParallelism();
    const auto = await init({ threads: 'auto', simd: 'plain' });
    expect(auto.threads).toBe(cores);
    expect(await init()).toBe(auto); // the default asks for the same: the runtime is kept
    auto.close();
    const single = await init({ threads: 1 });
    expect(single.threads).toBe(1);
    expect(await init()).not.toBe(single);
    expect((await init(undefined, { simd: 'plain' })).threads).toBe(cores);
    await expect(init({ threads: 0 })).rejects.toThrow(/threads.*'auto' or an integer from 1 to 64, got 0/);
    await expect(init({ threads: 2.5 })).rejects.toThrow(/got 2.5/);
    await expect(init(readFileSync('build/wasmnn.wasm'), { threads: 2 })).rejects.toThrow(/needs the threaded build/);
    const one = await init(readFileSync('build/wasmnn.wasm'), { threads: 'auto' });
    expect(one.threads).toBe(1); // a single-threaded module given: one thread
  });
  it("'auto' without the threaded build (a bundle that copied only wasmnn.wasm) runs on one thread with a warning; a number is an error", () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-'));
    try {
      cpSync('dist', join(dir, 'dist'), { recursive: true });
      mkdirSync(join(dir, 'build'));
      copyFileSync('build/wasmnn.wasm', join(dir, 'build/wasmnn.wasm'));
      const program = `const w = await import(${JSON.stringify(pathToFileURL(join(dir, 'dist/node.js')).href)});
        const rt = await w.init();
        const m = new w.Sequential([w.layers.dense({ inputDim: 3, units: 2 })], { seed: 1 });
        const p = m.predict({ data: new Float32Array([1, 2, 3]), shape: [1, 3] }).data;
        const two = await w.init({ threads: 2 }).then(() => 'ok', (e) => e.message);
        console.log(JSON.stringify({ threads: rt.threads, finite: p.every(Number.isFinite), two }));`;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: 20_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ threads: 1, finite: true, two: expect.stringMatching(/no such file.*wasmnn-threads\.wasm/) });
      expect(r.stderr).toMatch(/wasmnn: the threaded build could not be loaded \(.*wasmnn-threads\.wasm.*\); running on one thread \(init\(\{ threads: 1 \}\) asks for that without this warning\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
