// Deno's threads (module Workers over the shared memory) give the bits Node gives on one thread.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
// test/threads/train.js is plain JavaScript, run unchanged by Node and Deno.
import { train } from './train.js';

describe('Deno on 2 threads', () => {
  it('trains to the bits of Node on 1 thread, splitting calls across its workers', async () => {
    const node = await train(wasmnn, 1);
    expect(node.split).toBe(false);
    const deno = JSON.parse(execFileSync('.tools/node_modules/.bin/deno', ['run', '--allow-read', 'test/threads/deno-main.js', '2'], {
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
    }));
    expect(deno.threads).toBe(2);
    expect(deno.split).toBe(true);
    expect({ ...deno, threads: 1, split: false }).toEqual(node);
  });
});
