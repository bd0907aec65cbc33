// CNN training and forward throughput: the tfjs MNIST CNN (input [28, 28, 1]; conv2d 16 3x3 relu,
// valid, stride 1; maxPool 2x2; conv2d 32 3x3 relu; maxPool 2x2; conv2d 32 3x3 relu; flatten;
// dense 64 relu; dense 10 logits; softmax cross-entropy over class indices; Adam lr 1e-3;
// batch 128 of bench/data.js' inputs), samples/s, in interleaved rounds (bench/rounds.js).
//   training: wasmnn on 1 and 2 threads, PyTorch CPU on 1 and 2 threads (bench/cnn-torch.js, the
//     native limit), jax-js wasm jit (bench/cnn-jaxjs.js, its first step reported apart),
//     tfjs-layers on cpu (~13 s a step: only in odd rounds, until BENCH_CNN_CPU_S seconds are
//     spent, 40 by default) and on wasm (cannot train a conv: its error is shown)
//   forward (predict of a batch): wasmnn on 1 and 2 threads, PyTorch 1 and 2 threads,
//     tfjs-layers wasm (XNNPACK, one thread in Node), onnxruntime-web wasm on 1 thread (bench/cnn-onnx.js)
// `node bench/cnn.js` or `node bench/index.js cnn`; BENCH_ROUNDS sets the rounds as elsewhere.
// Per-round times go to out/cnn.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, Sequential, layers, optimizers } from '../dist/node.js';
import { rand } from './data.js';
import { interleaved, speedup } from './rounds.js';
import { tfjs } from './training.js';
import { jaxCnnTrainer } from './cnn-jaxjs.js';
import { ortCnnForward } from './cnn-onnx.js';
import { torchServer, torchSolo } from './cnn-torch.js';

const BATCH = 128;

/** wasmnn's model of the tfjs MNIST CNN, compiled (Adam 1e-3, batch 128, seed 0); bench/profile.js times the same. */
export function mnistCnn() {
  const model = new Sequential([
    layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
    layers.flatten(),
    layers.dense({ units: 64, activation: 'relu' }),
    layers.dense({ units: 10 }),
  ], { seed: 0 });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: BATCH });
  return model;
}
const W1 = 'wasmnn 1 thread', W2 = 'wasmnn 2 threads', P1 = 'PyTorch 1 thread', P2 = 'PyTorch 2 threads';

// wasmnn, the lead's slot: one runtime a thread count (a model keeps the runtime it was built on).
// Until dist/ has conv layers every wasmnn row says "not built yet" and the other contenders run.
async function wasmnn(x, labels, add) {
  if (typeof layers.conv2d !== 'function' || typeof layers.maxPooling2d !== 'function' || typeof layers.flatten !== 'function') {
    for (const name of [W1, W2]) add.both(name, { error: 'not built yet' });
    return;
  }
  for (const [name, threads] of [[W1, 1], [W2, 2]]) {
    try {
      await init(undefined, { simd: 'plain', threads });
      const model = mnistCnn();
      const xs = { data: x, shape: [BATCH, 28, 28, 1] };
      const ys = { data: labels, shape: [BATCH, 1] };
      model.trainOnBatch(xs, ys); // compiles the step outside the rounds, as for the others
      model.predict(xs);
      add.train({ name, fn: () => model.trainOnBatch(xs, ys) });
      add.forward({ name, fn: () => model.predict(xs) });
    } catch (e) {
      add.both(name, { error: String(e.message ?? e).split('\n')[0] });
    }
  }
}

// tfjs-layers' tf.sequential of the same layers. NOTE: tfjs-layers' named loss over class indices,
// sparseCategoricalCrossentropy, takes probabilities, so the last dense layer has a softmax: the
// same function as logits into softmax cross-entropy (bench/training.js does the same).
async function tfjsModel(backend, x, labels) {
  const { tf, tfl } = await tfjs(backend);
  const m = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 64, activation: 'relu' }),
      tfl.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  m.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
  const tx = tf.tensor4d(x, [BATCH, 28, 28, 1]);
  const ty = tf.tensor2d(labels, [BATCH, 1]);
  // The backend is selected before the timed calls: selecting it re-runs every kernel's setup.
  const before = () => tf.setBackend(backend);
  const predict = () => {
    const y = m.predict(tx);
    y.dataSync();
    y.dispose();
  };
  return { m, tx, ty, before, predict };
}

async function tfjsCpu(x, labels, add) {
  const name = 'tfjs-layers cpu';
  try {
    const { m, tx, ty, before } = await tfjsModel('cpu', x, labels);
    const budget = Number(process.env.BENCH_CNN_CPU_S ?? 40) * 1000;
    let spent = 0;
    const step = async () => {
      const t = performance.now();
      await m.trainOnBatch(tx, ty);
      spent += performance.now() - t;
    };
    await step(); // its warm-up: it sits out round 0
    spent = 0;
    add.train({ name, before, fn: step, async: true, skip: (r) => r % 2 === 0 || spent >= budget });
  } catch (e) {
    add.train(name, { error: String(e.message ?? e).split('\n')[0] });
  }
}

async function tfjsWasm(x, labels, add) {
  const name = 'tfjs-layers wasm';
  try {
    const { m, tx, ty, before, predict } = await tfjsModel('wasm', x, labels);
    predict();
    add.forward({ name, before, fn: predict });
    try {
      await m.trainOnBatch(tx, ty);
      add.train({ name, before, fn: () => m.trainOnBatch(tx, ty), async: true });
    } catch (e) {
      add.train(name, { error: String(e.message ?? e).split('\n')[0] });
    }
  } catch (e) {
    add.both(name, { error: String(e.message ?? e).split('\n')[0] });
  }
}

// CPU ticks since boot (Linux): the machine's busy and total, and this process' and `pids`' own, so
// that a set of rounds can say how much of the machine other processes took meanwhile (this
// host is shared, and a second thread is only as good as a free core). undefined elsewhere.
function ticks(pids) {
  try {
    const all = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const total = all.reduce((a, b) => a + b, 0);
    let ours = 0;
    for (const pid of ['self', ...pids]) {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // from field 3 (state) on
      ours += Number(f[11]) + Number(f[12]); // utime, stime
    }
    return { busy: total - all[3] - all[4], total, ours };
  } catch {
    return undefined;
  }
}
const othersShare = (a, b) => (a && b ? (b.busy - a.busy - (b.ours - a.ours)) / (b.total - a.total) : NaN);

// One table a set: samples/s (median over rounds, and the rounds' range), the reference (wasmnn on
// one thread, or the first contender that ran) over each, and PyTorch on one thread over each:
// medians of the per-round ratios with their range.
function table(title, result, rows) {
  const ran = rows.filter((r) => !r.error).map((r) => r.name);
  const ref = ran[0];
  const rate = (ms) => (BATCH * 1000) / ms;
  const finite = (xs) => xs.filter((v) => !Number.isNaN(v));
  const range = (xs) => `${Math.min(...xs).toFixed(0)}-${Math.max(...xs).toFixed(0)}`;
  const ratio = (base, other) => {
    if (!base || !result[base] || !result[other]) return '';
    const per = finite(result[other].perRound.map((t, i) => t / result[base].perRound[i]));
    const f = (v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
    return `${f(speedup(result, base, other))}x (${f(Math.min(...per))}-${f(Math.max(...per))})`;
  };
  const torchCol = ran.includes(P1) && ref !== P1;
  const lines = [
    `${title}, batch ${BATCH}, samples/s: median over rounds (the rounds' range); ratios: medians of the per-round ratios (their range)`,
    '',
    `| contender | samples/s | rounds | ${ref ?? 'reference'} / this |${torchCol ? ` ${P1} / this |` : ''}`,
    `| --- | --- | --- | --- |${torchCol ? ' --- |' : ''}`,
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.name} | ${r.error} | | |${torchCol ? ' |' : ''}`);
      continue;
    }
    const per = finite(result[r.name].perRound).map(rate);
    if (!per.length) {
      lines.push(`| ${r.name} | sat out every round (its budget) | | |${torchCol ? ' |' : ''}`);
      continue;
    }
    const note = r.note ? ` (${r.note})` : '';
    lines.push(`| ${r.name}${note} | ${rate(result[r.name].ms).toFixed(0)} | ${range(per)} (${per.length}) | ${r.name === ref ? '1' : ratio(ref, r.name)} |${torchCol ? ` ${r.name === P1 ? '1' : ratio(P1, r.name)} |` : ''}`);
  }
  console.log(lines.join('\n') + '\n');
}

export async function benchCnn({ time = 300 } = {}) {
  const x = rand(BATCH * 784, 1);
  const labels = Float32Array.from({ length: BATCH }, (_, i) => i % 10);
  // Each set keeps its rows in the order of the table; a row is a task or { name, error }.
  const sets = { train: [], forward: [] };
  const put = (set) => (task, missing) => sets[set].push(missing ? { name: task, ...missing } : task);
  const add = { train: put('train'), forward: put('forward'), both: (name, missing) => (add.train(name, missing), add.forward(name, missing)) };
  const closers = [];
  let python;
  const pids = [];

  await wasmnn(x, labels, add);
  for (const [name, threads] of [[P1, 1], [P2, 2]]) {
    const py = await torchServer(threads);
    if (py.error) {
      add.both(name, { error: py.error });
      continue;
    }
    closers.push(py.close);
    python = py.python;
    pids.push(py.pid);
    add.train({ name, fn: () => py.call('train'), async: true, note: `torch ${py.info.torch}` });
    add.forward({ name, fn: () => py.call('forward'), async: true });
  }
  const jax = await jaxCnnTrainer({ batch: BATCH, x, labels });
  if (jax.error) add.train('jax-js wasm (jit)', { error: jax.error });
  else add.train({ name: 'jax-js wasm (jit)', fn: jax.step, note: `first step ${(jax.firstMs / 1000).toFixed(1)} s` });
  await tfjsWasm(x, labels, add);
  await tfjsCpu(x, labels, add);
  // The same bytes as NCHW [batch, 1, 28, 28]: one channel.
  const ort = await ortCnnForward(BATCH, x, 1);
  if (ort.error) add.forward('onnxruntime-web wasm 1 thread', { error: ort.error });
  else add.forward({ name: 'onnxruntime-web wasm 1 thread', fn: ort.fn, async: true });

  // PyTorch also on its own, before and after the rounds: a check on its figures in the rounds.
  const solo = (when) => {
    if (!python) return;
    const r = [1, 2].map((t) => [t, torchSolo(python, t)]);
    out.torchSolo[when] = Object.fromEntries(r);
    console.log(`PyTorch in a process of its own, ${when} the rounds (median of 1.5 s of calls, samples/s): ` + r.map(([t, s]) => (s.error ? `${t} thread(s): ${s.error}` : `${t} thread(s) train ${s.train.toFixed(0)}, forward ${s.forward.toFixed(0)}`)).join('; '));
  };
  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const out = { torchSolo: {}, load: [load()] };
  solo('before');
  // wasmnn's two thread counts in rounds of their own first: in the rounds with the others, an
  // idle PyTorch's OpenMP threads spin-wait on a core for a while after each of its calls, and
  // jax-js' and tfjs' garbage collection runs on V8's helper threads, both taking the second
  // core from our worker.
  for (const [set, title] of [['train', 'wasmnn alone: CNN training step'], ['forward', 'wasmnn alone: CNN forward pass']]) {
    const tasks = sets[set].filter((r) => !r.error && (r.name === W1 || r.name === W2));
    if (tasks.length < 2) continue;
    const result = await interleaved(tasks, { time });
    out.load.push(load());
    table(`${title} (load average ${out.load.at(-1)})`, result, tasks);
    out[`${set}Alone`] = Object.fromEntries(tasks.map((r) => [r.name, { ms: result[r.name].ms, perRound: result[r.name].perRound }]));
  }
  for (const [set, title] of [['train', 'CNN training step (trainOnBatch or its equivalent)'], ['forward', 'CNN forward pass (predict)']]) {
    const tasks = sets[set].filter((r) => !r.error);
    const t0 = ticks(pids);
    const result = await interleaved(tasks, { time });
    const others = othersShare(t0, ticks(pids));
    out.load.push(load());
    out.others = { ...out.others, [set]: others };
    const busy = Number.isNaN(others) ? '' : `, other processes took ${(100 * others).toFixed(0)}% of the machine's CPU meanwhile`;
    table(`${title} (load average ${out.load.at(-1)}${busy})`, result, sets[set]);
    out[set] = Object.fromEntries(sets[set].map((r) => [r.name, r.error ? { error: r.error } : { ms: result[r.name].ms, perRound: result[r.name].perRound, note: r.note }]));
  }
  for (const close of closers) close();
  solo('after');
  const dir = new URL('../out/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('cnn.json', dir), JSON.stringify({ date: new Date().toISOString(), batch: BATCH, ...out }, null, 1));
  console.log('per-round times (ms a call): out/cnn.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchCnn();
  // ORT's and the threaded runtimes' workers keep the event loop alive.
  process.exit(0);
}
