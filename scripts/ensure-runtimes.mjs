// Installs the runtimes the cross-runtime tests use into .tools/ (git-ignored) when missing.
// Deno comes from the `deno` npm package (its binary ships in @deno/<platform>); it is kept out of
// package.json because a lock file must then name every platform's package, and not every
// registry serves them all.
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const DENO = '2.9.6';
if (!existsSync('.tools/node_modules/.bin/deno')) {
  console.log(`installing deno@${DENO} into .tools/ for the runtime tests`);
  execFileSync('npm', ['install', '--prefix', '.tools', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `deno@${DENO}`], { stdio: 'inherit' });
}
