// The same program in every runtime: a seeded model trained a few epochs on moons, then
// predictions. Prints one JSON line with the bits of every weight and prediction, so runtimes
// can be compared for bit-identity. init() has no options: the default build (plain SIMD) must be
// the same everywhere, whatever the runtime supports (relaxed FMA changes this program's bits).
export async function smoke(wasmnn) {
  const { init, Sequential, layers, optimizers, data } = wasmnn;
  const { build } = await init();
  const { x, y } = data.makeMoons({ n: 120, noise: 0.2, seed: 5 });
  const model = new Sequential([
    layers.dense({ inputDim: 2, units: 16, activation: 'tanh', kernelInitializer: 'glorotUniform' }),
    layers.dropout({ rate: 0.1 }),
    layers.dense({ units: 8, activation: 'relu', kernelInitializer: 'heNormal' }),
    layers.dense({ units: 1 }),
  ], { seed: 42 });
  model.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }), metrics: ['accuracy'] });
  const h = await model.fit(x, y, { epochs: 5, batchSize: 16 });
  const hex = (f) => Array.from(new Uint32Array(Float32Array.from(f).buffer), (u) => u.toString(16)).join('');
  return JSON.stringify({ build, weights: model.getWeights().map(hex), predictions: hex(model.predict(x).data), loss: h.loss });
}
