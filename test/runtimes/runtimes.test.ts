// The smoke program in Node (this one, 22 and 24), Deno, workerd and Chromium (each an npm package installed
// into .tools/ by scripts/ensure-runtimes.mjs, Chromium unless the system has one): bit-identical weights and
// predictions from the same seed, with the default init().
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
// test/runtimes/smoke.js is plain JavaScript, run unchanged by every runtime.
import { smoke } from './smoke.js';
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
  it('serves bit-identical weights and predictions on 127.0.0.1, with the wasm as a precompiled module', async () => {
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
});
