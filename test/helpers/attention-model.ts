// The multi-head attention model the ONNX export and import tests share: causal self-attention
// with biases, then cross-attention (query, value, key) without, and its seeded feeds.
import { Model, input, layers } from 'wasmnn';
import { randn } from './wasm.js';

export const floats = (shape: number[], seed: number) => ({ data: Float32Array.from(randn(shape.reduce((a, b) => a * b, 1), seed, 1)), shape });

export function attentionModel() {
  const q = input([5, 6]), kv = input([7, 4]), key = input([7, 3]);
  const self = layers.multiHeadAttention({ numHeads: 2, keyDim: 3, causal: true }).apply(q);
  const cross = layers.multiHeadAttention({ numHeads: 3, keyDim: 2, valueDim: 4, useBias: false, outputShape: 5 }).apply(self, kv, key);
  const m = new Model({ inputs: [q, kv, key], outputs: [self, cross] }, { seed: 21 });
  return { m, feeds: [floats([4, 5, 6], 1), floats([4, 7, 4], 2), floats([4, 7, 3], 3)] };
}
