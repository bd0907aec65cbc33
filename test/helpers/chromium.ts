// Headless Debian Chromium driven by playwright-core (which downloads no browser of its own),
// with the project's files served on loopback.
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
// scripts/static-server.mjs is plain JavaScript, shared with `npm run playground`.
import { serve } from '../../scripts/static-server.mjs';

export async function withBrowser<T>(fn: (browser: Browser, baseUrl: string) => Promise<T>): Promise<T> {
  if (!existsSync('/usr/bin/chromium')) throw new Error('chromium is not installed: apt-get install -y chromium (.ci/run does it)');
  const { server, url } = await serve(process.cwd(), 0);
  // playwright starts Chromium with a fresh, empty profile directory of its own.
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    return await fn(browser, url);
  } finally {
    await browser.close();
    server.close();
  }
}
