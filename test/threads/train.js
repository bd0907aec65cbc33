// One training run, plain JavaScript for Node and Deno alike: a seeded 64-256-128-10 MLP with
// Adam, batch 128 (its GEMMs and updates past the split threshold), then predictions. Returns the
// bits of every weight and prediction and how many calls were split.
export async function train(wasmnn, threads) {
  const { init, Sequential, layers, optimizers } = wasmnn;
  const rt = await init({ threads, simd: 'plain' });
  const rows = 256;
  const x = { data: Float32Array.from({ length: rows * 64 }, (_, i) => Math.sin(i * 0.37)), shape: [rows, 64] };
  const y = { data: Float32Array.from({ length: rows }, (_, i) => (i * 7) % 10), shape: [rows, 1] };
  const model = new Sequential([
    layers.dense({ inputDim: 64, units: 256, activation: 'relu' }),
    layers.dense({ units: 128, activation: 'tanh' }),
    layers.dense({ units: 10 }),
  ], { seed: 11 });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
  await model.fit(x, y, { epochs: 3, batchSize: 128, shuffle: true });
  const hex = (f) => Array.from(new Uint32Array(Float32Array.from(f).buffer), (u) => u.toString(16)).join('');
  const out = { threads: rt.threads, split: rt.splitCalls() > 0, weights: model.getWeights().map(hex), predictions: hex(model.predict(x).data) };
  rt.close(); // Deno has no unref for workers: an open pool would keep the process alive
  return out;
}
