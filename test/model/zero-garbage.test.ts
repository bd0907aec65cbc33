import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('a training step allocates nothing', () => {
  it('1 000 000 steps of fit (shuffled gather, forward, loss, accuracy, backward, Adam), then 1 000 000 trainOnBatch calls of a user loop (penalty, dropout), 1 000 000 fit steps of a functional residual model and 1 000 000 valueAndGrad calls with Adam steps and 1 000 000 trainOnBatch calls of a CNN (conv, max pool, flatten, dense) and of a sequence model (embedding, layer norm, dense, cross-entropy per position) cause no minor GC and no wasm memory growth, in a clean process', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', 'test/model/zero-garbage.mjs'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ fit: 0, trainOnBatch: 0, functional: 0, valueAndGrad: 0, cnn: 0, sequence: 0, steps: 1_000_000, finite: true, wasmGrowth: 0 });
  });
  it('1 000 000 trainOnBatch steps of a transformer block and of multiHeadAttention, each with dropout on its attention weights, cause no minor GC', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', 'test/model/zero-garbage-attention.mjs'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ block: 0, attention: 0, steps: 1_000_000, finite: true });
  }, 120_000);
});
