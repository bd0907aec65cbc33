// The smoke program in Node (this one, 22 and 24), Deno, workerd and Chromium (each an npm package installed
// into .tools/ by scripts/ensure-runtimes.mjs, Chromium unless the system has one): bit-identical weights and
// predictions from the same seed, with the default init().
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
// test/runtimes/smoke.js is plain JavaScript, run unchanged by every runtime.
import { smoke } from './smoke.js';
// test/threads/train.js: a model whose calls pass the split threshold, the program test/threads runs in Deno.
import { train } from '../threads/train.js';
import { withBrowser } from '../helpers/chromium.js';

describe('runtimes', () => {
  it('the default init() is the plain build here, where relaxed SIMD validates too', async () => {
    expect(wasmnn.relaxedSimdSupported()).toBe(true); // vitest runs Node 20 with --experimental-wasm-relaxed-simd
    expect(JSON.parse(await smoke(wasmnn)).build).toBe('plain');
  });
  for (const v of ['22', '24']) {
    it(`Node ${v} gives bit-identical weights and predictions to this Node (${process.version})`, async () => {
      const node = await smoke(wasmnn);
      const bin = `.tools/node_modules/node${v}/bin/node`;
      expect(execFileSync(bin, ['--version'], { encoding: 'utf8' })).toMatch(new RegExp(`^v${v}\\.`));
      const other = execFileSync(bin, ['test/runtimes/node-main.js'], { encoding: 'utf8' }).trim();
      expect(JSON.parse(other).loss.length).toBe(5);
      expect(other).toBe(node);
    });
  }
  it('Deno gives bit-identical weights and predictions to Node', async () => {
    const node = await smoke(wasmnn);
    const deno = execFileSync('.tools/node_modules/.bin/deno', ['run', '--allow-read', 'test/runtimes/deno-main.js'], {
      encoding: 'utf8',
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    }).trim();
    expect(JSON.parse(deno).loss.length).toBe(5);
    expect(deno).toBe(node);
  });
});

describe('workerd (Cloudflare Workers runtime)', () => {
  it("serves bit-identical weights and predictions on 127.0.0.1, with the wasm as a precompiled module, and init({ threads: 'auto' }) gives 1 thread there", async () => {
    const { readdirSync, writeFileSync, mkdirSync } = await import('node:fs');
    const { spawn } = await import('node:child_process');
    const { join } = await import('node:path');
    const modules: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (p.endsWith('.js')) modules.push(`(name = "${p}", esModule = embed "../${p}")`);
      }
    };
    walk('dist');
    modules.unshift('(name = "test/runtimes/worker.js", esModule = embed "../test/runtimes/worker.js")', '(name = "test/runtimes/smoke.js", esModule = embed "../test/runtimes/smoke.js")');
    modules.push('(name = "build/wasmnn.wasm", wasm = embed "../build/wasmnn.wasm")', '(name = "build/wasmnn-relaxed.wasm", wasm = embed "../build/wasmnn-relaxed.wasm")');
    const port = 18000 + Math.floor(Math.random() * 2000);
    mkdirSync('out', { recursive: true });
    writeFileSync('out/workerd.capnp', `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .worker)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules.join(',\n    ')}],
  compatibilityDate = "2024-09-01",
);
`);
    const proc = spawn('.tools/node_modules/.bin/workerd', ['serve', 'out/workerd.capnp'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (d) => (stderr += d));
    try {
      let body: string | undefined;
      // Bounded: up to 30 s for workerd to start listening on loopback.
      for (let i = 0; i < 300 && body === undefined; i++) {
        try {
          const r = await fetch(`http://127.0.0.1:${port}/`);
          body = await r.text();
          if (!r.ok) throw new Error(`workerd answered ${r.status}: ${body}`);
        } catch (e) {
          if ((e as Error).message.startsWith('workerd answered')) throw e;
          if (proc.exitCode !== null) throw new Error(`workerd exited: ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      expect(body, stderr).toBeDefined();
      expect(body).toBe(await smoke(wasmnn));
      // No Worker there (shared memory and Atomics it has): 'auto' gives the single-threaded runtime, same bits.
      const r = await fetch(`http://127.0.0.1:${port}/threads`);
      const t = await r.text();
      expect(r.status, t).toBe(200);
      const threaded = JSON.parse(t);
      expect(threaded.platform).toEqual({ sharedArrayBuffer: 'function', worker: 'undefined', atomics: 'object' });
      expect([threaded.threads, threaded.splitCalls]).toEqual([1, 0]);
      expect(threaded.smoke).toBe(body);
    } finally {
      proc.kill();
    }
  });
});

describe('headless Chromium (the system one or the npm-packaged one, driven by playwright-core)', () => {
  it('runs the smoke program in a page with bit-identical results', async () => {
    const result = await withBrowser(async (browser, base) => {
      const page = await browser.newPage();
      await page.goto(`${base}test/runtimes/browser.html`);
      await page.waitForFunction(() => (window as unknown as { smokeResult?: string }).smokeResult !== undefined, undefined, { timeout: 30_000 });
      return page.evaluate(() => (window as unknown as { smokeResult: string }).smokeResult);
    });
    expect(result).toBe(await smoke(wasmnn));
  });

  type Trained = { threads: number; split: boolean; weights: string[]; predictions: string; isolated: boolean; where: string; error?: string; warnings: string[] };
  /** test/threads/train.js in test/runtimes/threads.html: init({ threads }) in the page's main thread or in a worker of it. */
  const trainInPage = (threads: number | 'auto', where: 'main' | 'worker', isolated: boolean, page = 'test/runtimes/threads.html') => withBrowser(async (browser, base) => {
    const tab = await browser.newPage();
    const warnings: string[] = [];
    tab.on('console', (m) => {
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await tab.goto(`${base}${page}?threads=${threads}&in=${where}`);
    await tab.waitForFunction(() => (window as unknown as { threadsResult?: unknown }).threadsResult !== undefined, undefined, { timeout: 60_000 });
    return { ...(await tab.evaluate(() => (window as unknown as { threadsResult: Trained }).threadsResult)), warnings };
  }, { isolated });
  const bits = (r: { weights: string[]; predictions: string }) => ({ weights: r.weights, predictions: r.predictions });
  /** Node's run of test/threads/train.js on one thread, once for the browser cases that compare with it. */
  let nodeRun: ReturnType<typeof train> | undefined;
  const nodeBits = () => (nodeRun ??= train(wasmnn, 1));
  for (const where of ['main', 'worker'] as const) {
    for (const threads of [2, 'auto'] as const) {
      it(`cross-origin isolated, init({ threads: ${threads === 2 ? 2 : "'auto'"} }) in the page's ${where === 'main' ? 'main thread' : 'worker'} splits calls over 2 threads, to the bits of Node on 1`, async () => {
        const node = await nodeBits();
        const got = await trainInPage(threads, where, true);
        expect(got.error).toBeUndefined();
        expect([got.isolated, got.where, got.threads, got.split, got.warnings]).toEqual([true, where, 2, true, []]);
        expect(bits(got)).toEqual(bits(node));
      }, 90_000);
    }
  }
  it("not isolated (no COOP/COEP headers): 'auto' gives 1 thread, and 2 fall back to 1 with a warning that names the headers; the same bits", async () => {
    const node = await nodeBits();
    for (const where of ['main', 'worker'] as const) {
      const auto = await trainInPage('auto', where, false);
      expect(auto.error).toBeUndefined();
      expect([auto.isolated, auto.where, auto.threads, auto.split, auto.warnings]).toEqual([false, where, 1, false, []]);
      expect(bits(auto)).toEqual(bits(node));
    }
    const two = await trainInPage(2, 'main', false);
    expect([two.isolated, two.threads, two.split]).toEqual([false, 1, false]);
    expect(two.warnings).toEqual([expect.stringMatching(/not cross-origin isolated: serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp.*running on one thread/)]);
    expect(bits(two)).toEqual(bits(node));
  }, 90_000);
  it('bundled and minified by Vite (test/runtimes/bundle/), the workers still start: 2 threads, the same bits', async () => {
    // Vite (a devDependency, the bundler vitest runs on); minifying renames workerMain, which the workers' boot line calls.
    const { build } = await import('vite');
    await build({ configFile: false, root: 'test/runtimes/bundle', base: './', logLevel: 'silent', build: { outDir: resolve('out/bundle'), emptyOutDir: true, minify: true } });
    expect(readFileSync('out/bundle/index.html', 'utf8')).toMatch(/assets\/index-[\w-]+\.js/);
    const node = await nodeBits();
    const got = await trainInPage(2, 'main', true, 'out/bundle/index.html');
    expect(got.error).toBeUndefined();
    expect([got.isolated, got.threads, got.split, got.warnings]).toEqual([true, 2, true, []]);
    expect(bits(got)).toEqual(bits(node));
  }, 90_000);
});
