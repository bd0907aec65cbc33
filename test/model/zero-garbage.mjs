// Run with --expose-gc. Counts minor garbage collections (scavenges) during 1 000 000 steps of six
// loops: fit of a Sequential model (one epoch, batch 1), trainOnBatch in a user's own loop, fit of a
// functional residual model, valueAndGrad with an optimizer step, a small CNN's trainOnBatch and a
// sequence model's (embedding, layer norm, cross-entropy per position).
// A step that allocated even 16 bytes of JS garbage (one boxed double) would fill the young generation (16 MiB) at least once;
// 32 bytes a step, as before the step's loss went to a field, gave 2 collections here. Prints the
// counts, and how often wasm memory grew during the measured loops, as JSON.
//
// Each loop is measured once its code has settled: short warm-up runs repeat (up to 12) until one
// causes no collection. Until V8 has optimised a loop (later on a loaded machine, where the compiler
// threads get little time) its doubles are boxed, which is garbage that the optimised code does
// not make. A loop that allocates in every step never settles, and every measured run counts it.
import { scavengesDuring as scavenges } from '../helpers/scavenges.mjs';
import { init, Sequential, Model, input, ops, parameter, valueAndGrad, layers, optimizers, regularizers, data } from 'wasmnn';

const rt = await init(undefined, { simd: 'plain' });
const { x, y } = data.makeMoons({ n: 1_000_000, noise: 0.2, seed: 1 });
const WARM = 200_000;
const head = { x: { data: x.data.subarray(0, 2 * WARM), shape: [WARM, 2] }, y: { data: y.data.subarray(0, WARM), shape: [WARM, 1] } };

let grew = 0; // times wasm memory grew during the measured loops
// Each measured run also counts the times wasm memory grew inside it.
const scavengesDuring = (run) =>
  scavenges(run, () => {
    const grows = rt.arena.grows;
    return () => (grew += rt.arena.grows - grows);
  });
// A step that allocates does so in every run; a collection caused by a deoptimisation and the
// re-optimisation after it (seen on a loaded machine) does not repeat. So the count is the least
// of up to three measured runs.
async function measured(warm, run) {
  for (let i = 0; i < 12 && (await scavengesDuring(warm)) > 0; i++);
  let least = Infinity;
  for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await scavengesDuring(run));
  return least;
}

// fit: shuffled gather, forward, loss, accuracy, backward, Adam; measured over 5 epochs of the
// warm-up's 200 000 rows (the resident copy of a larger set would grow memory in fit's set-up).
const m = new Sequential([layers.dense({ inputDim: 2, units: 8, activation: 'relu' }), layers.dense({ units: 1 })], { seed: 0 });
m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 1, metrics: ['accuracy'] });
await m.fit(head.x, head.y, { epochs: 1, batchSize: 1 }); // the plan, the resident data set
const fit = await measured(() => m.fit(head.x, head.y, { epochs: 1, batchSize: 1 }), () => m.fit(head.x, head.y, { epochs: 5, batchSize: 1 }));

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
const trainOnBatch = await measured(() => userLoop(WARM), () => userLoop(1_000_000));

// A functional model with a residual connection, fitted one epoch of batch 1.
const xi = input([2]);
const h1 = layers.dense({ units: 8, activation: 'tanh' }).apply(xi);
const h2 = layers.dense({ units: 8 }).apply(h1);
const f = new Model({ inputs: xi, outputs: layers.dense({ units: 1 }).apply(ops.relu(ops.add(h1, h2))) }, { seed: 0 });
f.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 1 });
await f.fit(head.x, head.y, { epochs: 1, batchSize: 1 });
const functional = await measured(() => f.fit(head.x, head.y, { epochs: 1, batchSize: 1 }), () => f.fit(head.x, head.y, { epochs: 5, batchSize: 1 }));

// valueAndGrad over data, with an optimizer step, as a user's own loop.
const W = parameter([2, 1], [0.1, -0.2]), b = parameter([1]);
const step = valueAndGrad((xv, yv) => ops.add(ops.bceWithLogits(ops.add(ops.matmul(xv, W), b), yv), ops.mul(1e-4, ops.sum(ops.square(W)))), [input([2]), input([1])]);
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
const grad = await measured(() => gradLoop(WARM), () => gradLoop(1_000_000));

// A CNN's trainOnBatch on one 4x4x1 image it refills in place: im2col, the GEMMs, the bias-ReLU
// over positions, max pooling, spatial dropout's masks, the reshape, col2im's gradient path and Adam.
const c = new Sequential([
  layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 1] }),
  layers.maxPooling2d({ poolSize: 2 }),
  layers.spatialDropout2d({ rate: 0.25 }),
  layers.flatten(),
  layers.dense({ units: 1 }),
], { seed: 0 });
c.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }) });
const xc = { data: new Float32Array(16), shape: [1, 4, 4, 1] };
const yc = { data: new Float32Array(1), shape: [1, 1] };
function cnnLoop(steps) {
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < 16; i++) xc.data[i] = x.data[(s * 16 + i) % x.data.length];
    yc.data[0] = y.data[s % y.rows];
    sum[0] += c.trainOnBatch(xc, yc);
  }
}
const cnn = await measured(() => cnnLoop(WARM), () => cnnLoop(1_000_000));
// A sequence model's trainOnBatch on 4 int32 ids it refills in place, with class targets per
// position: the id check and gather, layer norm, the dense over positions, the per-position
// cross-entropy, the norm's backward and the table's scatter-add, Adam.
const sq = new Sequential([
  layers.embedding({ inputDim: 7, outputDim: 4, inputShape: [4] }),
  layers.layerNormalization(),
  layers.dense({ units: 7 }),
], { seed: 0 });
sq.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
const xs = { data: new Float32Array(4), shape: [1, 4] };
const ys = { data: new Float32Array(4), shape: [1, 4] };
function seqLoop(steps) {
  for (let s = 0; s < steps; s++) {
    for (let i = 0; i < 4; i++) {
      xs.data[i] = (s + 3 * i) % 7;
      ys.data[i] = (s + i) % 7;
    }
    sum[0] += sq.trainOnBatch(xs, ys);
  }
}
const sequence = await measured(() => seqLoop(WARM), () => seqLoop(1_000_000));
console.log(JSON.stringify({ fit, trainOnBatch, functional, valueAndGrad: grad, cnn, sequence, steps: 1_000_000, finite: Number.isFinite(sum[0]), wasmGrowth: grew }));
