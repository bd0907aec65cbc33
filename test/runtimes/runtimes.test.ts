// The smoke program in Node and in Deno (the `deno` npm package, installed into .tools/ by scripts/ensure-runtimes.mjs): bit-identical
// weights and predictions from the same seed.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
// test/runtimes/smoke.js is plain JavaScript, run unchanged by every runtime.
import { smoke } from './smoke.js';

describe('runtimes', () => {
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
