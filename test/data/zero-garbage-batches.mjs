// Run with --expose-gc. Counts minor garbage collections during 2 000 000 draws of
// data.sequenceBatches (2 windows of 8 ids from a 1 000 000-id sequence: 16 bytes of garbage a draw
// would fill the 16 MiB young generation twice) and during 500 000 trainOnBatch steps (AdamW with the
// bias left out of decay, global-norm clipping) whose int32 class targets are a batch's y ({ data: Int32Array, shape }
// read in place). Warm-up runs repeat until one causes no collection, as test/model/zero-garbage.mjs
// does; prints the counts as JSON. With the Feed copying an Int32Array batch (Float32Array.from of
// its 16 ids), 200 000 steps gave 15.
import { scavengesDuring } from '../helpers/scavenges.mjs';
import { init, Sequential, layers, optimizers, data } from 'wasmnn';

await init(undefined, { simd: 'plain' });
async function measured(warm, run) {
  for (let i = 0; i < 12 && (await scavengesDuring(warm)) > 0; i++);
  let least = Infinity;
  for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await scavengesDuring(run));
  return least;
}
const sum = new Float64Array(1);

const ids = Int32Array.from({ length: 1_000_000 }, (_, i) => (i * 7919) % 65);
const b = data.sequenceBatches(ids, { blockSize: 8, batchSize: 2, seed: 1 });
function draws(n) {
  for (let i = 0; i < n; i++) sum[0] += b.next().y.data[i & 15];
}
const batches = await measured(() => draws(200_000), () => draws(2_000_000));

// A dense layer's logits from a fixed input against the next token of 1-id windows.
const t = data.sequenceBatches(ids, { blockSize: 1, batchSize: 16, seed: 2 });
const m = new Sequential([layers.dense({ inputDim: 4, units: 65 })], { seed: 0 });
// AdamW with its bias left out of decay (the mask path) and global-norm clipping.
m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr: 1e-3, weightDecay: 0.1, exclude: ['bias'], globalClipNorm: 1 }) });
const x = { data: Float32Array.from({ length: 64 }, (_, i) => Math.cos(i)), shape: [16, 4] };
function steps(n) {
  for (let i = 0; i < n; i++) sum[0] += m.trainOnBatch(x, t.next().y);
}
const trainOnBatch = await measured(() => steps(100_000), () => steps(500_000));
console.log(JSON.stringify({ batches, trainOnBatch, finite: Number.isFinite(sum[0]) }));
