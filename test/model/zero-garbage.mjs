// Run with --expose-gc. Counts minor garbage collections (scavenges) during 1 000 000 training steps (one epoch, batch 1)
// after a warm-up epoch, then during 1 000 000 trainOnBatch calls of a user's own loop. A step that allocated even 16 bytes of JS garbage (one boxed double)
// would fill the young generation (16 MiB) at least once; 32 bytes a step, as before the step's loss went
// to a field, gave 2 collections here. Prints the count as JSON.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { init, Sequential, Model, input, ops, parameter, valueAndGrad, layers, optimizers, regularizers, data } from 'wasmnn';

const rt = await init(undefined, { simd: 'plain' });
const { x, y } = data.makeMoons({ n: 1_000_000, noise: 0.2, seed: 1 });
const m = new Sequential([layers.dense({ inputDim: 2, units: 8, activation: 'relu' }), layers.dense({ units: 1 })], { seed: 0 });
m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 1, metrics: ['accuracy'] });
await m.fit(x, y, { epochs: 1, batchSize: 1 }); // warm-up: JIT tiers, the plan, the resident data set
// Start the measured epoch with an empty young generation, so leftovers of the set-up (the data
// set's points) cannot trigger a collection inside it. Needs --expose-gc.
let grew = 0; // times wasm memory grew during the measured loops
async function scavengesDuring(run) {
  globalThis.gc();
  let scavenges = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  obs.observe({ entryTypes: ['gc'] });
  const grows = rt.arena.grows;
  await run();
  grew += rt.arena.grows - grows;
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return scavenges;
}
const fit = await scavengesDuring(() => m.fit(x, y, { epochs: 1, batchSize: 1 }));

// A user's loop: trainOnBatch on a batch it refills in place, with a weight penalty and dropout
// (their paths too), summing the returned losses. Before the loss and the penalties went to
// fields, the boxed doubles they returned gave 7-23 collections here.
const u = new Sequential([
  layers.dense({ inputDim: 2, units: 8, activation: 'relu', kernelRegularizer: regularizers.l2(1e-4) }),
  layers.dropout({ rate: 0.1 }),
  layers.dense({ units: 1 }),
], { seed: 0 });
u.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }) });
const rows = 16;
const xb = { data: new Float32Array(rows * 2), shape: [rows, 2] };
const yb = { data: new Float32Array(rows), shape: [rows, 1] };
const sum = new Float64Array(1);
function userLoop(steps) {
  for (let s = 0; s < steps; s++) {
    const start = (s * rows) % (x.rows - rows);
    for (let i = 0; i < rows * 2; i++) xb.data[i] = x.data[start * 2 + i];
    for (let i = 0; i < rows; i++) yb.data[i] = y.data[start + i];
    sum[0] += u.trainOnBatch(xb, yb);
  }
}
userLoop(200_000); // warm-up
const trainOnBatch = await scavengesDuring(() => userLoop(1_000_000));

// A functional model with a residual connection, fitted for one epoch of batch 1.
const xi = input([2]);
const h1 = layers.dense({ units: 8, activation: 'tanh' }).apply(xi);
const h2 = layers.dense({ units: 8 }).apply(h1);
const f = new Model({ inputs: xi, outputs: layers.dense({ units: 1 }).apply(ops.relu(ops.add(h1, h2))) }, { seed: 0 });
f.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 1 });
const part = { x: new Float32Array(x.data.subarray(0, 2 * 200_000)), y: new Float32Array(y.data.subarray(0, 200_000)) };
const xs = { data: part.x, shape: [200_000, 2] }, ys = { data: part.y, shape: [200_000, 1] };
await f.fit(xs, ys, { epochs: 1, batchSize: 1 });
const functional = await scavengesDuring(() => f.fit(xs, ys, { epochs: 5, batchSize: 1 }));

// valueAndGrad over data, with an optimizer step, as a user's own loop.
const W = parameter([2, 1], [0.1, -0.2]), b = parameter([1]);
const step = valueAndGrad((xb, yb) => ops.add(ops.bceWithLogits(ops.add(ops.matmul(xb, W), b), yb), ops.mul(1e-4, ops.sum(ops.square(W)))), [input([2]), input([1])]);
const opt = optimizers.adam({ lr: 1e-3 }, [W, b]);
function gradLoop(steps) {
  for (let s = 0; s < steps; s++) {
    const start = (s * rows) % (x.rows - rows);
    for (let i = 0; i < rows * 2; i++) xb.data[i] = x.data[start * 2 + i];
    for (let i = 0; i < rows; i++) yb.data[i] = y.data[start + i];
    sum[0] += step(xb, yb);
    opt.step();
  }
}
gradLoop(200_000);
const grad = await scavengesDuring(() => gradLoop(1_000_000));
// Wasm memory grows only while models and functions are built and planned, never in a step.
console.log(JSON.stringify({ fit, trainOnBatch, functional, valueAndGrad: grad, steps: 1_000_000, finite: Number.isFinite(sum[0]), wasmGrowth: grew }));
