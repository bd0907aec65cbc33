// Training throughput: wasmnn's trainOnBatch / full-batch fit step against tfjs-layers'
// trainOnBatch on the wasm and cpu backends and a jitted jax-js step (bench/jaxjs.js), in
// interleaved rounds (bench/rounds.js).
//   MLP 784-256-128-10, batch 128, Adam, softmax cross-entropy: samples/s
//   the seed's 2-20-3-1 network, full batch of 200, SGD lr 0.2: steps/s
import { init, Sequential, Model, input, ops, layers, optimizers } from '../dist/node.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';
import { jaxTrainer } from './jaxjs.js';


export async function tfjs(backend) {
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(new URL('../node_modules/@tensorflow/tfjs-backend-wasm/dist/', import.meta.url).pathname);
  await tf.setBackend(backend);
  await tf.ready();
  const tfl = await import('@tensorflow/tfjs-layers');
  return { tf, tfl };
}

// tfjs-layers' trainOnBatch of the same dense chain on `backend` as a timed task (softmax +
// sparse categorical cross-entropy and Adam for several outputs, sigmoid + binary cross-entropy and
// SGD 0.2 for one; labels: class indices, taken mod 2 for one output).
export async function tfjsTrainTask(sizes, batch, x, labels, backend, act = 'relu') {
  const [inp, ...rest] = sizes;
  const multi = rest.at(-1) > 1;
  const { tf, tfl } = await tfjs(backend);
  const m = tfl.sequential();
  rest.forEach((u, i) => m.add(tfl.layers.dense({ units: u, inputShape: i === 0 ? [inp] : undefined, activation: i < rest.length - 1 ? act : multi ? 'softmax' : 'sigmoid' })));
  m.compile({ optimizer: multi ? tf.train.adam(1e-3) : tf.train.sgd(0.2), loss: multi ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy' });
  const tx = tf.tensor2d(x, [batch, inp]);
  const ty = tf.tensor2d(multi ? labels : labels.map((v) => v % 2), [batch, 1]);
  // The backend is selected before the timed calls: selecting it re-runs every kernel's setup.
  return { name: `tfjs-layers ${backend}`, before: () => tf.setBackend(backend), fn: () => m.trainOnBatch(tx, ty), async: true };
}

export async function benchTraining({ time = 300 } = {}) {
  await init(undefined, { simd: 'plain', threads: 1 }); // one thread, as the peers here (bench/threads.js has 2)
  const cases = [
    { name: 'MLP 784-256-128-10, batch 128, Adam', sizes: [784, 256, 128, 10], batch: 128, act: 'relu', unit: 'samples/s' },
    { name: 'seed net 2-20-3-1, full batch 200, SGD', sizes: [2, 20, 3, 1], batch: 200, act: 'relu', unit: 'steps/s' },
  ];
  for (const c of cases) {
    const [inp, ...rest] = c.sizes;
    const out = rest.at(-1);
    const x = rand(c.batch * inp, 1);
    const yIdx = Float32Array.from({ length: c.batch }, (_, i) => i % Math.max(out, 2)); // class indices; 0/1 alternating for one output
    const tasks = [];
    const multi = out > 1;
    // wasmnn
    const model = new Sequential(rest.map((u, i) => layers.dense({ inputDim: i === 0 ? inp : undefined, units: u, activation: i < rest.length - 1 ? c.act : 'linear' })), { seed: 0 });
    model.compile({ loss: multi ? 'softmaxCrossEntropy' : 'bceWithLogits', optimizer: multi ? optimizers.adam({ lr: 1e-3 }) : optimizers.sgd({ lr: 0.2 }), batchSize: c.batch });
    const xs = { data: x, shape: [c.batch, inp] };
    const ys = { data: multi ? yIdx : yIdx.map((v) => v % 2), shape: [c.batch, 1] };
    tasks.push({ name: 'wasmnn', fn: () => model.trainOnBatch(xs, ys) });
    // A contender that cannot run says why in its column instead of stopping the bench.
    const missing = [];
    for (const backend of ['wasm', 'cpu']) {
      try {
        tasks.push(await tfjsTrainTask(c.sizes, c.batch, x, yIdx, backend, c.act));
      } catch (e) {
        missing.push(`tfjs-layers ${backend}: not run (${e.message})`);
      }
    }
    const jax = await jaxTrainer({ sizes: c.sizes, batch: c.batch, x, labels: multi ? yIdx : yIdx.map((v) => v % 2), multi, adam: multi });
    if (jax.error) missing.push(`jax-js wasm: not run (${jax.error})`);
    else tasks.push({ name: 'jax-js wasm', fn: jax.step });
    const result = await interleaved(tasks, { time });
    const rate = (n) => (c.unit === 'samples/s' ? c.batch : 1) * (1000 / result[n].ms);
    console.log(`${c.name}: ` + [...tasks.map(({ name: n }) => `${n} ${rate(n).toFixed(0)} ${c.unit} (${speedup(result, 'wasmnn', n).toFixed(2)}x)`), ...missing].join(', '));
  }
}

// A functional residual MLP, 784-256-256-10 with a skip connection around the second layer
// (h1 = dense(relu)(x), h2 = dense(relu)(h1), out = dense(h1 + h2)), batch 128, Adam, against the same
// graph in tfjs-layers' functional API (tf.model) on the wasm backend.
export async function benchResidual({ time = 300 } = {}) {
  await init(undefined, { simd: 'plain', threads: 1 }); // one thread, as the peers here (bench/threads.js has 2)
  const batch = 128, inp = 784, out = 10;
  const x = rand(batch * inp, 1);
  const yIdx = Float32Array.from({ length: batch }, (_, i) => i % out);
  const xi = input([inp]);
  const h1 = layers.dense({ units: 256, activation: 'relu' }).apply(xi);
  const h2 = layers.dense({ units: 256, activation: 'relu' }).apply(h1);
  const model = new Model({ inputs: xi, outputs: layers.dense({ units: out }).apply(ops.add(h1, h2)) }, { seed: 0 });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: batch });
  const xs = { data: x, shape: [batch, inp] };
  const ys = { data: yIdx, shape: [batch, 1] };
  const tasks = [{ name: 'wasmnn', fn: () => model.trainOnBatch(xs, ys) }];
  const { tf, tfl } = await tfjs('wasm');
  const ti = tfl.input({ shape: [inp] });
  const t1 = tfl.layers.dense({ units: 256, activation: 'relu' }).apply(ti);
  const t2 = tfl.layers.dense({ units: 256, activation: 'relu' }).apply(t1);
  const to = tfl.layers.dense({ units: out, activation: 'softmax' }).apply(tfl.layers.add().apply([t1, t2]));
  const m = tfl.model({ inputs: ti, outputs: to });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const tx = tf.tensor2d(x, [batch, inp]);
  const ty = tf.tensor2d(yIdx, [batch, 1]);
  tasks.push({ name: 'tfjs-layers wasm', before: () => tf.setBackend('wasm'), fn: () => m.trainOnBatch(tx, ty), async: true });
  const result = await interleaved(tasks, { time });
  const rate = (n) => batch * (1000 / result[n].ms);
  console.log(`residual MLP 784-256-256-10 (functional, skip connection), batch 128, Adam: ` + tasks.map(({ name: n }) => `${n} ${rate(n).toFixed(0)} samples/s (${speedup(result, 'wasmnn', n).toFixed(1)}x)`).join(', '));
}
