// Training runs whose weights are pinned bit for bit (test/model/bits.test.ts): the figures were
// produced by the Sequential implementation before the graph engine (commit 108186b), which
// this one must reproduce exactly. Run `node test/model/bits-cases.mjs [checkout]` to print them.
export async function bitsCases(w) {
  await w.init(undefined, { simd: 'plain' });
  const { x, y } = w.data.makeMoons({ n: 240, noise: 0.3, seed: 7 });
  const labels3 = { data: Float32Array.from(y.data, (v, i) => (v + (i % 3 === 0 ? 1 : 0)) % 3), shape: [240, 1] };
  const hash = (ws) => {
    let h = 2166136261;
    for (const a of ws) for (const v of new Uint32Array(a.slice().buffer)) h = Math.imul(h ^ v, 16777619) >>> 0;
    return h.toString(16);
  };
  const L = w.layers;
  const cases = {
    'seed net 2-20-3-1, full batch SGD': { layers: () => [L.dense({ inputDim: 2, units: 20, activation: 'relu' }), L.dense({ units: 3, activation: 'relu' }), L.dense({ units: 1 })], loss: 'bceWithLogits', opt: () => w.optimizers.sgd({ lr: 0.2 }), fit: { epochs: 60, batchSize: 240, shuffle: false } },
    'tanh/sigmoid/gelu with L1L2, shuffled, momentum': { layers: () => [L.dense({ inputDim: 2, units: 7, activation: 'tanh', kernelRegularizer: w.regularizers.l1l2({ l1: 1e-3, l2: 1e-3 }) }), L.dense({ units: 5, activation: 'gelu' }), L.dense({ units: 4, activation: 'sigmoid' }), L.dense({ units: 1 })], loss: 'mse', opt: () => w.optimizers.sgd({ lr: 0.05, momentum: 0.9, nesterov: true }), fit: { epochs: 5, batchSize: 16 } },
    'batch norm, dropout, softmax CE on indices, Adam': { layers: () => [L.dense({ inputDim: 2, units: 12 }), L.batchNorm(), L.activation({ activation: 'relu' }), L.dropout({ rate: 0.2 }), L.dense({ units: 3 })], loss: 'softmaxCrossEntropy', y: labels3, opt: () => w.optimizers.adam({ lr: 0.01 }), fit: { epochs: 5, batchSize: 32 } },
    'leakyRelu/elu/softplus/silu, AdamW, evaluate': { layers: () => [L.dense({ inputDim: 2, units: 6, activation: { name: 'leakyRelu', alpha: 0.1 } }), L.dense({ units: 6, activation: 'elu' }), L.dense({ units: 5, activation: 'softplus' }), L.dense({ units: 3, activation: 'silu' }), L.dense({ units: 1 })], loss: 'bceWithLogits', opt: () => w.optimizers.adamw({ lr: 0.01 }), fit: { epochs: 4, batchSize: 50 } },
  };
  const out = {};
  for (const [name, c] of Object.entries(cases)) {
    const m = new w.Sequential(c.layers(), { seed: 11 });
    m.compile({ loss: c.loss, optimizer: c.opt(), metrics: ['accuracy'] });
    const h = await m.fit(x, c.y ?? y, c.fit);
    const e = m.evaluate(x, c.y ?? y);
    out[name] = { weights: hash(m.getWeights()), loss: h.loss.at(-1), accuracy: h.accuracy.at(-1), evaluate: [e.loss, e.accuracy], predict: hash([m.predict(x).data]) };
    m.dispose();
  }
  return out;
}

if (process.argv[1]?.endsWith('bits-cases.mjs')) {
  const dir = process.argv[2] ?? new URL('../..', import.meta.url).pathname;
  console.log(JSON.stringify(await bitsCases(await import(`${dir.replace(/\/$/, '')}/dist/node.js`)), null, 2));
}
