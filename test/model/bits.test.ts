// Sequential on the graph engine computes what the layer-by-layer implementation before it
// computed, bit for bit (weights, predictions, losses and metrics), on runs that cross every
// fused and unfused path: see bits-cases.mjs for the runs and where the pinned figures come from.
import { describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
import { bitsCases } from './bits-cases.mjs';

// Printed by `node test/model/bits-cases.mjs` on a checkout of commit 108186b (before the engine).
const BEFORE = {
  'seed net 2-20-3-1, full batch SGD': { weights: '23cac172', loss: 0.3432329326091955, accuracy: 0.85, evaluate: [0.34113300318519274, 0.85], predict: '68814bd9' },
  'tanh/sigmoid/gelu with L1L2, shuffled, momentum': { weights: '5339d1e4', loss: 0.11832197167060386, accuracy: 0.8458333333333333, evaluate: [0.10997089418111293, 0.85], predict: 'd9f0df7a' },
  'batch norm, dropout, softmax CE on indices, Adam': { weights: 'f783f6b0', loss: 0.8419287411971947, accuracy: 0.6166666666666667, evaluate: [0.8222671451416069, 0.6083333333333333], predict: 'f3310b70' },
  'leakyRelu/elu/softplus/silu, AdamW, evaluate': { weights: '3a6c59ff', loss: 0.6750253217915694, accuracy: 0.7333333333333333, evaluate: [0.6631725184619427, 0.7583333333333333], predict: '7ec22c13' },
};

describe('Sequential is bit for bit what it was before the graph engine', () => {
  it('four runs: weights, predictions, last loss, training accuracy and evaluate', async () => {
    expect(await bitsCases(wasmnn)).toEqual(BEFORE);
  });
});
