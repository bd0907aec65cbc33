// A sequence model trains to the same bits on 1 and 2 threads: embedding (gather, and the table's
// scatter-add split by table rows), layer normalisation (split by rows, its parameter gradients by
// columns), dense over positions, cross-entropy per position, Adam; while the threaded run splits
// the norm and scatter kernels.
import { afterAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, type Runtime } from 'wasmnn';

const opened: Runtime[] = [];
afterAll(() => opened.forEach((r) => r.close()));

const bitsOf = (ws: Float32Array[]) => ws.map((w) => Array.from(new Uint32Array(w.slice().buffer)));

async function train(): Promise<{ weights: number[][]; predictions: number[][] }> {
  const n = 96, time = 32, vocab = 300;
  const ids = Float32Array.from({ length: n * time }, (_, i) => (i * 7919 + (i >> 5) * 31) % vocab);
  const next = Float32Array.from(ids, (v, i) => (v * 3 + (i % time)) % vocab);
  const model = new Sequential([
    layers.embedding({ inputDim: vocab, outputDim: 64, inputShape: [time] }),
    layers.layerNormalization(),
    layers.dense({ units: 64, activation: 'gelu' }),
    layers.layerNormalization({ epsilon: 1e-3 }),
    layers.dense({ units: vocab }),
  ], { seed: 4 });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
  const x = { data: ids, shape: [n, time] };
  await model.fit(x, { data: next, shape: [n, time] }, { epochs: 2, batchSize: 32, shuffle: true });
  const out = { weights: bitsOf(model.getWeights()), predictions: bitsOf([model.predict(x).data]) };
  model.dispose();
  return out;
}

describe('a sequence model on 1 and 2 threads', () => {
  it('trains to the same weights and predictions, bit for bit, splitting its norm and scatter kernels', async () => {
    expect((await init({ simd: 'plain', threads: 1 })).threads).toBe(1);
    const want = await train();
    const rt = await init({ threads: 2, simd: 'plain' });
    opened.push(rt);
    expect(rt.threads).toBe(2);
    const before = rt.splitCalls();
    expect(await train()).toEqual(want);
    expect(rt.splitCalls() - before).toBeGreaterThan(20);
    rt.close();
  }, 60_000);
});
