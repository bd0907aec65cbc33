// Run with --expose-gc. Builds and trains 1000 small models (and valueAndGrad functions and free
// parameters) that nobody disposes, drops them, collects, and prints how much wasm memory is still
// in use against before: FinalizationRegistry gives it back.
import { init, Sequential, layers, optimizers, parameter, valueAndGrad, ops } from 'wasmnn';

const rt = await init(undefined, { simd: 'plain' });
const x = [[0, 1], [1, 0], [1, 1], [0, 0]], y = [[1], [1], [0], [0]];
const before = rt.arena.bytesInUse;
function churn() {
  for (let i = 0; i < 1000; i++) {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 16, activation: 'relu' }), layers.batchNorm(), layers.dense({ units: 1 })], { seed: i });
    m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 0.01 }) });
    m.trainOnBatch(x, y);
    m.predict(x);
    const w = parameter([2, 1], [1, 2]);
    valueAndGrad((xs) => ops.sum(ops.matmul(xs, w)), [m.inputs[0]])([[1, 2]]);
  }
}
churn();
const peak = rt.arena.bytesInUse;
for (let i = 0; i < 10 && rt.arena.bytesInUse > before; i++) {
  globalThis.gc();
  await new Promise((r) => setTimeout(r, 20));
}
console.log(JSON.stringify({ peakMiB: +((peak - before) / 2 ** 20).toFixed(1), leftBytes: rt.arena.bytesInUse - before }));
