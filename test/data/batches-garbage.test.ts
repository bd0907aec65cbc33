import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('sequence batches allocate nothing', () => {
  it('2 000 000 sequenceBatches draws and 500 000 trainOnBatch steps on their int32 targets (AdamW with exclude and globalClipNorm) cause no minor GC, in a clean process', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', 'test/data/zero-garbage-batches.mjs'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ batches: 0, trainOnBatch: 0, finite: true });
  }, 120_000);
});
