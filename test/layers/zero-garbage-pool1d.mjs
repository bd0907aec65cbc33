// Run with --expose-gc. Counts minor garbage collections (scavenges) during 500 000 trainOnBatch
// steps of a functional model with the 1-D pools and ops.max / ops.min (their kernels, gradients
// and reshapes), as test/model/zero-garbage.mjs does for the other layers: warm-up runs repeat
// (up to 12) until one causes no collection, then the least of up to three measured runs counts.
// Prints { steps, scavenges, finite, wasmGrowth } as JSON.
import { scavengesDuring as scavenges } from '../helpers/scavenges.mjs';
import { init, Model, input, ops, layers, optimizers } from 'wasmnn';

const rt = await init(undefined, { simd: 'plain' });
const x = input({ shape: [8, 2] });
const c = layers.conv1d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'tanh' }).apply(x);
const p = layers.averagePooling1d({ padding: 'same', poolSize: 3 }).apply(layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }).apply(c)); // [3, 3]
const z = ops.add(ops.reshape(ops.max(p, [1, 2]), [-1, 1]), ops.sum(ops.min(c, [0, 1]))); // [batch, 1], and the batch among min's axes
const g = layers.globalMaxPooling1d().apply(c), h = layers.globalAveragePooling1d().apply(p);
const m = new Model({ inputs: x, outputs: ops.add(layers.dense({ units: 1 }).apply(ops.concat([g, h], -1)), z) }, { seed: 0 });
m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 1e-3 }) });
const xb = { data: new Float32Array(2 * 16), shape: [2, 8, 2] };
const yb = { data: new Float32Array(2), shape: [2, 1] };
const sum = new Float64Array(1);
function loop(steps) {
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < 32; i++) xb.data[i] = Math.sin(s * 0.37 + i);
    yb.data[0] = s % 3;
    sum[0] += m.trainOnBatch(xb, yb);
  }
}
let grew = 0;
const during = (run) => scavenges(run, () => {
  const grows = rt.arena.grows;
  return () => (grew += rt.arena.grows - grows);
});
for (let i = 0; i < 12 && (await during(() => loop(50_000))) > 0; i++);
let least = Infinity;
for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await during(() => loop(500_000)));
console.log(JSON.stringify({ steps: 500_000, scavenges: least, finite: Number.isFinite(sum[0]), wasmGrowth: grew }));
