// Run with --expose-gc. Counts minor garbage collections (scavenges) during 1 000 000 trainOnBatch
// steps of a transformer block with dropout 0.1 at nanoGPT's three places (the attention weights'
// factors drawn in the fused op's step: fill, dropout_f32, the kernel; both residual masks; their
// backward), and of a multiHeadAttention layer with dropout 0.1 on its weights. In a process of its
// own: run after test/model/zero-garbage.mjs's six loops in theirs, the block's loop made one
// collection in each of three runs (some 16 bytes a step), alone none; not yet understood (code
// that V8 optimised for the models before it, perhaps). Prints the counts as JSON.
import { scavengesDuring } from '../helpers/scavenges.mjs';
import { init, Sequential, layers, optimizers } from 'wasmnn';

await init(undefined, { simd: 'plain' });
const xs = { data: new Float32Array(4), shape: [1, 4] }, ys = { data: new Float32Array(4), shape: [1, 4] };
const sum = new Float64Array(1);

async function measured(middle) {
  const g = new Sequential([layers.embedding({ inputDim: 7, outputDim: 8, inputShape: [4] }), middle, layers.dense({ units: 7 })], { seed: 0 });
  g.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
  const loop = (steps) => () => {
    for (let s = 0; s < steps; s++) {
      for (let i = 0; i < 4; i++) {
        xs.data[i] = (s + 3 * i) % 7;
        ys.data[i] = (s + i) % 7;
      }
      sum[0] += g.trainOnBatch(xs, ys);
    }
  };
  for (let i = 0; i < 12 && (await scavengesDuring(loop(200_000))) > 0; i++);
  let least = Infinity;
  for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await scavengesDuring(loop(1_000_000)));
  return least;
}
const block = await measured(layers.transformerBlock({ numHeads: 2, mlpRatio: 1, dropout: 0.1 }));
const attention = await measured(layers.multiHeadAttention({ numHeads: 2, keyDim: 4, dropout: 0.1 }));
console.log(JSON.stringify({ block, attention, steps: 1_000_000, finite: Number.isFinite(sum[0]) }));
