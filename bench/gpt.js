// GPT training throughput: nanoGPT's small CPU configuration (4 layers, 4 heads, n_embd 128, block
// 64, batch 12, dropout 0; vocab 65 as shakespeare_char), one step = cross-entropy over every
// position, backward, global gradient norm clipped to 1, AdamW 1e-3 (betas 0.9/0.99, weight decay
// 0.1 on matrices and tables). Training tokens/s = batch * block / step time, in interleaved rounds
// (bench/rounds.js):
//   wasmnn on 1 and 2 threads (alone first, then with the others), PyTorch CPU float32 on 1 and 2
//   threads (bench/gpt_torch.py, a kept child process each), jax-js wasm jit + grad (bench/gpt-jaxjs.js).
// Tokens: x[b, t] = (b * 64 + t) * 7 % 65, y the next one (the same in every contender).
// PyTorch's BLAS: Debian's torch 1.13 calls the generic libblas.so.3 (the reference build here, ~5x
// slower than OpenBLAS on these products); BENCH_OPENBLAS=DIR puts DIR (holding an OpenBLAS
// libblas.so.3, e.g. libopenblas0-openmp's usr/lib/x86_64-linux-gnu/openblas-openmp, unpacked
// with `apt-get download` + `dpkg -x`) first on PyTorch's LD_LIBRARY_PATH; each row says which it loaded.
// `node bench/gpt.js` or `node bench/index.js gpt`. Per-round times go to out/gpt.json.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { init, Sequential, layers, optimizers } from '../dist/node.js';
import { interleaved, speedup } from './rounds.js';
import { torchServer } from './cnn-torch.js';
import { jaxGptTrainer } from './gpt-jaxjs.js';

export const SMALL = { vocab: 65, block: 64, width: 128, heads: 4, layers: 4, batch: 12 };
const TOKENS = SMALL.batch * SMALL.block;
const torchScript = fileURLToPath(new URL('gpt_torch.py', import.meta.url));

/** wasmnn's nanoGPT (examples/gpt-lm.js' layers), compiled with nanoGPT's AdamW; lr a number or a schedule. */
export function gptModel({ vocab, block, width, heads, layers: n }, { lr = 1e-3, seed = 0 } = {}) {
  const model = new Sequential([
    layers.embedding({ inputDim: vocab, outputDim: width, inputShape: [block] }),
    layers.positionalEmbedding({ maxLength: block, outputDim: width }),
    ...Array.from({ length: n }, () => layers.transformerBlock({ numHeads: heads })),
    layers.layerNormalization(),
    layers.dense({ units: vocab, useBias: false }),
  ], { seed });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr, beta2: 0.99, weightDecay: 0.1, exclude: ['bias', 'norm'], globalClipNorm: 1 }) });
  return model;
}

/** bench/gpt_torch.py's tokens: { x, y } int32 [batch, block]. */
export function benchTokens({ vocab, block, batch }) {
  const ids = Int32Array.from({ length: batch * block + 1 }, (_, i) => (i * 7) % vocab);
  return { x: { data: ids.slice(0, -1), shape: [batch, block] }, y: { data: ids.slice(1), shape: [batch, block] } };
}

const torchEnv = () => {
  const dir = process.env.BENCH_OPENBLAS;
  return dir ? { ...process.env, LD_LIBRARY_PATH: [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') } : process.env;
};
const blasName = (path) => (/openblas/.test(path) ? 'OpenBLAS' : /\/blas\/libblas/.test(path) ? 'reference BLAS' : path);

function table(title, result, rows, refs) {
  const rate = (ms) => (TOKENS * 1000) / ms;
  const ok = rows.filter((r) => !r.error && result[r.name]);
  const f = (v) => (v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const ratio = (base, other) => {
    const per = result[other].perRound.map((t, i) => t / result[base].perRound[i]);
    return `${f(speedup(result, base, other))}x (${f(Math.min(...per))}-${f(Math.max(...per))})`;
  };
  const cols = refs.filter((n) => ok.some((r) => r.name === n));
  const lines = [title, '', `| contender | tokens/s | rounds' range | ${cols.map((c) => `this / ${c}`).join(' | ')} |`, `| --- | --- | --- |${cols.map(() => ' --- |').join('')}`];
  for (const r of rows) {
    if (r.error || !result[r.name]) { lines.push(`| ${r.name} | ${r.error ?? 'not run'} | |${cols.map(() => ' |').join('')}`); continue; }
    const per = result[r.name].perRound.map(rate);
    // this / ref in speed = ref's time / this time
    lines.push(`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${rate(result[r.name].ms).toFixed(0)} | ${Math.min(...per).toFixed(0)}-${Math.max(...per).toFixed(0)} | ${cols.map((c) => (c === r.name ? '1' : ratio(r.name, c))).join(' | ')} |`);
  }
  console.log(lines.join('\n') + '\n');
}

const W1 = 'wasmnn 1 thread', W2 = 'wasmnn 2 threads', P1 = 'PyTorch 1 thread', P2 = 'PyTorch 2 threads', J = 'jax-js wasm (jit + grad)';

export async function benchGpt({ time = 1500 } = {}) {
  const { x, y } = benchTokens(SMALL);
  const rows = [];
  const closers = [];
  for (const [name, threads] of [[W1, 1], [W2, 2]]) {
    try {
      await init(undefined, { simd: 'plain', threads });
      const model = gptModel(SMALL);
      model.trainOnBatch(x, y); // plans and compiles the step outside the rounds
      rows.push({ name, fn: () => model.trainOnBatch(x, y), note: `${model.countParams()} parameters` });
    } catch (e) {
      rows.push({ name, error: String(e.message ?? e).split('\n')[0] });
    }
  }
  const env = torchEnv();
  let python;
  for (const [name, threads] of [[P1, 1], [P2, 2]]) {
    const py = await torchServer(threads, { script: torchScript, env });
    if (py.error) { rows.push({ name, error: py.error }); continue; }
    closers.push(py.close);
    python = py.python;
    rows.push({ name, fn: () => py.call('train'), async: true, note: `torch ${py.info.torch}, ${blasName(py.info.blas)}` });
  }
  const jax = await jaxGptTrainer({ ...SMALL, x: x.data, y: y.data });
  if (jax.error) rows.push({ name: J, error: jax.error });
  else rows.push({ name: J, fn: jax.step, note: `first step ${(jax.firstMs / 1000).toFixed(1)} s` });

  const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
  const out = { date: new Date().toISOString(), config: SMALL, load: [load()] };
  const solo = (when) => {
    if (!python) return;
    const r = [1, 2].map((t) => {
      try {
        return [t, JSON.parse(execFileSync(python, [torchScript, '--threads', String(t), '--seconds', '3'], { encoding: 'utf8', env })).train.tokens_per_s];
      } catch (e) {
        return [t, String(e.message ?? e).split('\n')[0]];
      }
    });
    out[`torchSolo_${when}`] = Object.fromEntries(r);
    console.log(`PyTorch in a process of its own, ${when} the rounds (median of 3 s of steps, tokens/s): ${r.map(([t, v]) => `${t} thread(s) ${typeof v === 'number' ? v.toFixed(0) : v}`).join('; ')}`);
  };
  solo('before');
  const alone = rows.filter((r) => !r.error && (r.name === W1 || r.name === W2));
  if (alone.length === 2) {
    const result = await interleaved(alone, { time });
    out.load.push(load());
    table(`wasmnn alone: GPT training step (load average ${out.load.at(-1)}), batch ${SMALL.batch} x block ${SMALL.block} = ${TOKENS} tokens a step`, result, alone, [W1]);
    out.alone = result;
  }
  const all = rows.filter((r) => !r.error);
  const result = await interleaved(all, { time });
  out.load.push(load());
  table(`GPT training step, every contender (load average ${out.load.at(-1)}); ratios: medians of the per-round ratios of speed (their range)`, result, rows, [W1, P1, J]);
  out.rounds = result;
  out.rows = rows.map(({ name, error, note }) => ({ name, error, note }));
  for (const close of closers) close();
  solo('after');
  const dir = new URL('../out/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  writeFileSync(new URL('gpt.json', dir), JSON.stringify(out, null, 1));
  console.log('per-round times (ms a step): out/gpt.json');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await benchGpt();
  process.exit(0);
}
