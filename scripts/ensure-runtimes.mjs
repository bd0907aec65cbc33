// Installs the runtimes the cross-runtime tests use into .tools/ (git-ignored) when missing.
// Deno comes from the `deno` npm package (its binary ships in @deno/<platform>); it is kept out of
// package.json because a lock file must then name every platform's package, and not every
// registry serves them all.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

// workerd (Cloudflare's runtime) likewise ships its binary in @cloudflare/workerd-<platform>.
const TOOLS = { deno: '2.9.6', workerd: '1.20261117.1' };
const missing = Object.entries(TOOLS).filter(([name]) => !existsSync(`.tools/node_modules/.bin/${name}`));
if (missing.length) {
  const specs = missing.map(([name, v]) => `${name}@${v}`);
  console.log(`installing ${specs.join(', ')} into .tools/ for the runtime tests`);
  execFileSync('npm', ['install', '--prefix', '.tools', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', ...Object.entries(TOOLS).map(([n, v]) => `${n}@${v}`)], { stdio: 'inherit' });
}
