// Headless Chromium driven by playwright-core (which downloads no browser of its own): the
// system's when there is one, else the build from the @sparticuz/chromium npm package that
// `npm test`'s pretest inflates into .tools/chromium/ (scripts/chromium.mjs). The project's
// files are served on loopback, cross-origin isolated (COOP/COEP headers) unless `isolated` is false.
import { chromium, type Browser } from 'playwright-core';
// scripts/*.mjs are plain JavaScript, shared with `npm run playground` and the pretest.
import { serve } from '../../scripts/static-server.mjs';
import { chromiumToLaunch } from '../../scripts/chromium.mjs';

export async function withBrowser<T>(fn: (browser: Browser, baseUrl: string) => Promise<T>, { isolated = true } = {}): Promise<T> {
  const found = chromiumToLaunch();
  if (!found) throw new Error('no Chromium: run `node scripts/ensure-runtimes.mjs` (npm test does) to put the packaged one in .tools/chromium/');
  const { server, url } = await serve(process.cwd(), 0, { isolated });
  // playwright starts Chromium with a fresh, empty profile directory of its own.
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    env: found.env,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    return await fn(browser, url);
  } finally {
    await browser.close();
    server.close();
  }
}
