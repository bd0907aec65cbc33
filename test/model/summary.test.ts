import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers } from 'wasmnn';

beforeAll(async () => {
  await init();
});

describe('summary', () => {
  it('2-20-3-1: 60 + 63 + 4 = 127 parameters; MACs 40 + 60 + 3 = 103 per sample', () => {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 20, activation: 'relu' }), layers.dense({ units: 3, activation: 'relu' }), layers.dense({ units: 1 })]);
    const text = m.summary(false);
    expect(m.countParams()).toBe(127);
    expect(text).toMatch(/dense_0 \(dense, relu\)\s+\[batch, 20\]\s+60\s+40\s+80/);
    expect(text).toMatch(/dense_1 \(dense, relu\)\s+\[batch, 3\]\s+63\s+60\s+120/);
    expect(text).toMatch(/dense_2 \(dense\)\s+\[batch, 1\]\s+4\s+3\s+6/);
    expect(text).toContain('Total params: 127 (trainable 127, non-trainable 0)');
    expect(text).toContain('MACs per sample: 103; FLOPs per sample: 206');
  });
  it('784-256-128-10: 200 960 + 32 896 + 1 290 = 235 146 parameters', () => {
    const m = new Sequential([layers.dense({ inputDim: 784, units: 256, activation: 'relu' }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10 })]);
    expect(m.countParams()).toBe(235146);
    // MACs: 784*256 + 256*128 + 128*10 = 200 704 + 32 768 + 1 280 = 234 752
    expect(m.summary(false)).toContain('MACs per sample: 234,752; FLOPs per sample: 469,504');
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam(), batchSize: 128 });
    // 235 146 floats = 0.90 MiB each for parameters and gradients, twice that for Adam's m and v.
    expect(m.summary(false)).toMatch(/parameters 0\.90 MiB, gradients 0\.90 MiB, optimizer state 1\.79 MiB, activations for a batch of 128: \d/);
  });
  it('counts batchNorm running statistics as non-trainable', () => {
    const m = new Sequential([layers.dense({ inputDim: 4, units: 8 }), layers.batchNorm()]);
    expect(m.summary(false)).toContain('Total params: 72 (trainable 56, non-trainable 16)');
  });
});
