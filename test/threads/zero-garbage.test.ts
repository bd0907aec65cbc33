import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a split call allocates nothing', () => {
  it('100 000 split kernel calls and 3 000 training steps on 2 threads cause no minor GC, in a clean process with a 1 MiB young generation', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--max-semi-space-size=1', 'test/threads/zero-garbage.mjs'], { encoding: 'utf8' });
    const r = JSON.parse(out);
    expect({ ...r, stepSplits: undefined }).toEqual({ kernels: 0, split: 100_000, trainOnBatch: 0, stepSplits: undefined, finite: true });
    // 10 split calls a step at the 2^16 threshold; fewer where a loaded machine made the pool back off to one thread for a while.
    expect(r.stepSplits).toBeGreaterThan(0);
    expect(r.stepSplits).toBeLessThanOrEqual(30_000);
  });
});
