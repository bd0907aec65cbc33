// Installs the runtimes the cross-runtime tests use into .tools/ (git-ignored) when missing.
// Deno comes from the `deno` npm package (its binary ships in @deno/<platform>); it is kept out of
// package.json because a lock file must then name every platform's package, and not every
// registry serves them all. workerd (Cloudflare's runtime) likewise ships its binary in
// @cloudflare/workerd-<platform>; Node 22 and 24 in node-<platform>-<arch> (installed under the
// aliases node22 and node24); and, when the machine has no Chromium of its own, a headless
// Chromium in @sparticuz/chromium (scripts/chromium.mjs says which one the tests drive).
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { PACKAGED_DIR, systemChromium } from './chromium.mjs';

const platform = `${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const TOOLS = [
  { spec: 'deno@2.9.6', have: '.tools/node_modules/.bin/deno' },
  { spec: 'workerd@1.20261117.1', have: '.tools/node_modules/.bin/workerd' },
  { spec: `node22@npm:node-${platform}@22.23.5`, have: '.tools/node_modules/node22/bin/node' },
  { spec: `node24@npm:node-${platform}@24.22.3`, have: '.tools/node_modules/node24/bin/node' },
];
const CHROMIUM = { spec: '@sparticuz/chromium@153.0.0', have: '.tools/node_modules/@sparticuz/chromium/bin/chromium.br' };
const needChromium = !systemChromium();
const wanted = needChromium ? [...TOOLS, CHROMIUM] : TOOLS;
const missing = wanted.filter((t) => !existsSync(t.have));
if (missing.length) {
  console.log(`installing ${missing.map((t) => t.spec).join(', ')} into .tools/ for the runtime tests`);
  // npm install --prefix replaces what is not named, so every tool is named every time.
  execFileSync('npm', ['install', '--prefix', '.tools', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', ...wanted.map((t) => t.spec)], { stdio: 'inherit' });
}
// .complete is written last, so an interrupted inflation is redone, not trusted.
if (needChromium && !existsSync(`${PACKAGED_DIR}/.complete`)) {
  // The package's inflate() writes into os.tmpdir(): pointed at .tools/chromium in a child process.
  console.log('inflating the packaged Chromium into .tools/chromium/');
  rmSync(PACKAGED_DIR, { recursive: true, force: true });
  mkdirSync(PACKAGED_DIR, { recursive: true });
  const bin = new URL('../.tools/node_modules/@sparticuz/chromium/bin/', import.meta.url).pathname;
  const pkg = new URL('../.tools/node_modules/@sparticuz/chromium/build/index.js', import.meta.url).href;
  const files = ['fonts.tar.br', 'swiftshader.tar.br', 'al2023.tar.br', 'chromium.br'].map((f) => bin + f);
  const script = `const { inflate } = await import(${JSON.stringify(pkg)}); for (const f of ${JSON.stringify(files)}) await inflate(f);`;
  execFileSync(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit', env: { ...process.env, TMPDIR: PACKAGED_DIR } });
  // The package's fonts.conf names Lambda's folders and /tmp/fonts; without a font Chromium aborts
  // (Skia's FATAL 'Not implemented') on the first page that draws text.
  writeFileSync(`${PACKAGED_DIR}/fonts/fonts.conf`, `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${PACKAGED_DIR}/fonts/fonts</dir>\n  <cachedir>${PACKAGED_DIR}/fonts-cache</cachedir>\n</fontconfig>\n`);
  writeFileSync(`${PACKAGED_DIR}/.complete`, '');
}
