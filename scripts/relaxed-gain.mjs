// How much faster the relaxed-SIMD build trains than the plain one, on bench/'s two training
// cases (the 784-256-128-10 Adam MLP at batch 128, the seed's 2-20-3-1 net full-batch SGD).
// One worker thread per build (each has its own wasm runtime), both alive at once; rounds
// alternate between them (plain first in odd rounds, relaxed first in even ones), the first round
// is a warm-up, and the ratio is the median over rounds of plain ms / relaxed ms within a round.
//   npm run build && node --experimental-wasm-relaxed-simd scripts/relaxed-gain.mjs   (Node 20)
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { rand } from '../bench/data.js';

const CASES = [
  { name: 'MLP 784-256-128-10, batch 128, Adam', sizes: [784, 256, 128, 10], batch: 128 },
  { name: 'seed net 2-20-3-1, full batch 200, SGD', sizes: [2, 20, 3, 1], batch: 200 },
];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

if (isMainThread) {
  const rounds = Number(process.env.BENCH_ROUNDS ?? 15);
  const time = Number(process.env.BENCH_TIME ?? 400);
  const spawn = (simd) =>
    new Promise((resolve, reject) => {
      const w = new Worker(new URL(import.meta.url), { workerData: { simd } });
      w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(w)));
      w.once('error', reject);
    });
  const run = (w, c) => new Promise((resolve) => { w.once('message', resolve); w.postMessage({ c, time }); });
  const plain = await spawn('plain');
  const relaxed = await spawn('relaxed');
  for (let c = 0; c < CASES.length; c++) {
    const ratios = [], ms = { plain: [], relaxed: [] };
    for (let r = 0; r <= rounds; r++) {
      const order = r % 2 ? [['plain', plain], ['relaxed', relaxed]] : [['relaxed', relaxed], ['plain', plain]];
      const got = {};
      for (const [name, w] of order) got[name] = await run(w, c);
      if (r === 0) continue;
      ms.plain.push(got.plain);
      ms.relaxed.push(got.relaxed);
      ratios.push(got.plain / got.relaxed);
    }
    console.log(`${CASES[c].name}: plain ${median(ms.plain).toFixed(3)} ms, relaxed ${median(ms.relaxed).toFixed(3)} ms per step; relaxed ${median(ratios).toFixed(2)}x (rounds ${ratios.map((x) => x.toFixed(2)).join(' ')})`);
  }
  await plain.terminate();
  await relaxed.terminate();
} else {
  const { init, Sequential, layers, optimizers, relaxedSimdSupported } = await import('../dist/node.js');
  if (workerData.simd === 'relaxed' && !relaxedSimdSupported()) {
    parentPort.postMessage({ error: 'relaxed SIMD is not supported here (Node 20: node --experimental-wasm-relaxed-simd)' });
  } else {
    await init({ simd: workerData.simd });
    const steps = CASES.map(({ sizes: [inp, ...rest], batch }) => {
      const out = rest.at(-1), multi = out > 1;
      const model = new Sequential(rest.map((u, i) => layers.dense({ inputDim: i === 0 ? inp : undefined, units: u, activation: i < rest.length - 1 ? 'relu' : 'linear' })), { seed: 0 });
      model.compile({ loss: multi ? 'softmaxCrossEntropy' : 'bceWithLogits', optimizer: multi ? optimizers.adam({ lr: 1e-3 }) : optimizers.sgd({ lr: 0.2 }), batchSize: batch });
      const x = { data: rand(batch * inp, 1), shape: [batch, inp] };
      const y = { data: Float32Array.from({ length: batch }, (_, i) => (multi ? i % out : i % 2)), shape: [batch, 1] };
      return () => model.trainOnBatch(x, y);
    });
    parentPort.postMessage({ ready: true });
    parentPort.on('message', ({ c, time }) => {
      const lat = [];
      const end = performance.now() + time;
      while (performance.now() < end || lat.length < 3) {
        const t = performance.now();
        steps[c]();
        lat.push(performance.now() - t);
      }
      parentPort.postMessage(median(lat));
    });
  }
}
