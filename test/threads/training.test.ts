// Training is bit-identical for every thread count: a 784-256-128-10 MLP (dropout, batch norm,
// Adam) trained two epochs on seeded data with the single-threaded build and with the threaded
// build on 1, 2 and 3 threads gives the same weights and predictions, bit for bit, while the
// threaded runs split their large calls (the GEMMs, the Adam update) across the threads.
import { afterAll, describe, expect, it } from 'vitest';
import { init, relaxedSimdSupported, Sequential, layers, optimizers, type Runtime } from 'wasmnn';
import { randn } from '../helpers/wasm.js';

const opened: Runtime[] = [];
afterAll(() => opened.forEach((r) => r.close()));

/** FNV-1a over the bits of every array: one number that changes with any bit. */
function hash(arrays: Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const u = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < u.length; i++) h = Math.imul(h ^ u[i], 0x01000193) >>> 0;
  }
  return h.toString(16);
}

async function train(): Promise<{ weights: string; predictions: string }> {
  const rows = 512;
  const x = { data: Float32Array.from(randn(rows * 784, 7)), shape: [rows, 784] };
  const labels = Float32Array.from(randn(rows, 8), (v, i) => (Math.abs(Math.floor(v * 7 + i)) % 10));
  const model = new Sequential([
    layers.dense({ inputDim: 784, units: 256, activation: 'relu' }),
    layers.dropout({ rate: 0.1 }),
    layers.dense({ units: 128 }),
    layers.batchNorm(),
    layers.activation({ activation: 'gelu' }),
    layers.dense({ units: 10 }),
  ], { seed: 3 });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }) });
  await model.fit(x, { data: labels, shape: [rows, 1] }, { epochs: 2, batchSize: 128, shuffle: true });
  return { weights: hash(model.getWeights()), predictions: hash([model.predict(x).data]) };
}

describe('training on 1, 2 and 3 threads', () => {
  it('gives the same weights and predictions, bit for bit, as the single-threaded build', async () => {
    const plain = await init({ simd: 'plain', threads: 1 });
    expect(plain.threads).toBe(1);
    const want = await train();
    for (const threads of [1, 2, 3]) {
      const rt = await init({ threads, simd: 'plain' });
      if (threads > 1) opened.push(rt);
      expect(rt.threads).toBe(threads);
      expect(await train(), `${threads} threads`).toEqual(want);
      if (threads > 1) expect(rt.splitCalls()).toBeGreaterThan(50);
      rt.close();
    }
  }, 60_000);
  it.runIf(relaxedSimdSupported())('in the relaxed-SIMD builds too: 2 threads give the single-threaded relaxed build\'s bits', async () => {
    const want = await (async () => {
      expect((await init({ simd: 'relaxed', threads: 1 })).build).toBe('relaxed');
      return train();
    })();
    const rt = await init({ threads: 2, simd: 'relaxed' });
    opened.push(rt);
    expect([rt.build, rt.threads]).toEqual(['relaxed', 2]);
    expect(await train()).toEqual(want);
    expect(rt.splitCalls()).toBeGreaterThan(50);
    rt.close();
  }, 60_000);
});
