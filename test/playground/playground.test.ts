// The playground end to end in Chromium: pick a data set and settings, train, and check that
// the loss falls, the decision boundary changes, and the page stays responsive; saves a screenshot.
// Served cross-origin isolated, the page's worker runs init({ threads: 'auto' }) on this machine's
// cores (2 here) and says so; served without the COOP/COEP headers it gets 1.
import { mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { withBrowser } from '../helpers/chromium.js';

type State = { history: { epoch: number; loss: number; valLoss: number }[]; frames: number; firstBoundary: string; lastBoundary: string; done: boolean; error: string; threads: number; isolated: boolean; splitCalls: number };
const CORES = availableParallelism();

describe('playground', () => {
  it('trains in a worker: the loss falls and the boundary redraws', async () => {
    await withBrowser(async (browser, base) => {
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await page.goto(`${base}playground/`);
      await page.selectOption('select[name=dataset]', 'circles');
      await page.fill('input[name=epochs]', '120');
      await page.fill('input[name=l2]', '0.0001');
      await page.check('input[name=batchNorm]');
      await page.click('#start');
      // While it trains the main thread stays free: the page answers evaluate() between frames.
      await page.waitForFunction(() => (window as unknown as { playground: State }).playground.frames >= 3, undefined, { timeout: 60_000 });
      // Stop is enabled exactly while training runs; read both at once (a fast run may already be done).
      const ui = await page.evaluate(() => ({ disabled: document.querySelector('#stop')!.hasAttribute('disabled'), done: (window as unknown as { playground: State }).playground.done }));
      expect(ui.disabled).toBe(ui.done);
      await page.waitForFunction(() => (window as unknown as { playground: State }).playground.done, undefined, { timeout: 120_000 });
      const s = await page.evaluate(() => (window as unknown as { playground: State }).playground);
      expect(s.error).toBe('');
      expect(s.history.at(-1)!.epoch).toBe(119);
      expect(s.history.at(-1)!.loss).toBeLessThan(0.7 * s.history[0].loss);
      expect(s.lastBoundary).not.toBe(s.firstBoundary);
      expect(s.lastBoundary).toContain('<svg');
      expect([s.threads, s.isolated]).toEqual([CORES, true]);
      expect(await page.textContent('#threads')).toBe(`wasmnn: plain SIMD on ${CORES} threads`);
      expect(await page.textContent('#status')).toMatch(new RegExp(`^epoch 120 on ${CORES} threads: loss`));
      expect(await page.textContent('#summary')).toContain('batch_norm');
      mkdirSync('out', { recursive: true });
      await page.screenshot({ path: 'out/playground.png' });
    });
  });
  it('served without the COOP/COEP headers, says it runs on 1 thread', async () => {
    await withBrowser(async (browser, base) => {
      const page = await browser.newPage();
      await page.goto(`${base}playground/`);
      await page.waitForFunction(() => (window as unknown as { playground: State }).playground.threads > 0, undefined, { timeout: 30_000 });
      const s = await page.evaluate(() => (window as unknown as { playground: State }).playground);
      expect([s.threads, s.isolated, s.error]).toEqual([1, false, '']);
      expect(await page.textContent('#threads')).toBe('wasmnn: plain SIMD on 1 thread (not cross-origin isolated)');
    }, { isolated: false });
  });
});
