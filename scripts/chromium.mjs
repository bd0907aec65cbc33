// The Chromium the browser tests drive: a system one when there is one (WASMNN_CHROMIUM, or
// Debian's /usr/bin/chromium), else the build inside the @sparticuz/chromium npm package, which
// scripts/ensure-runtimes.mjs installs into .tools/ and inflates into .tools/chromium/.
// NOTE: the packaged build is inflated to a folder of ours rather than the package's default
// /tmp/chromium, which other checkouts on the machine share. Its own copies of NSS and expat
// (the al2023 bundle) go on LD_LIBRARY_PATH, so it needs no system package at all.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PACKAGED_DIR = fileURLToPath(new URL('../.tools/chromium', import.meta.url));
const SYSTEM = [process.env.WASMNN_CHROMIUM, '/usr/bin/chromium'].filter(Boolean);

/** The system Chromium's path, or undefined. */
export function systemChromium() {
  return SYSTEM.find((p) => existsSync(p));
}

/** { executablePath, env, kind } for playwright-core's launch(), or undefined when neither is there. */
export function chromiumToLaunch() {
  const system = systemChromium();
  if (system) return { executablePath: system, env: process.env, kind: 'system' };
  const exe = `${PACKAGED_DIR}/chromium`;
  if (!existsSync(`${PACKAGED_DIR}/.complete`)) return undefined;
  const lib = `${PACKAGED_DIR}/al2023/lib`;
  const env = { ...process.env, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'), FONTCONFIG_PATH: `${PACKAGED_DIR}/fonts` };
  return { executablePath: exe, env, kind: 'packaged (@sparticuz/chromium)' };
}
