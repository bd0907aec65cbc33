// Validation loss after the same training as PyTorch (issue 22: within 0.05 of PyTorch's on the same
// data): nanoGPT's small CPU configuration (bench/gpt.js' gptModel: 4 layers, 4 heads, 128 wide,
// block 64, batch 12, dropout 0) on Debian's fortunes, char-level, nanoGPT's split (first 90% train).
// nanoGPT's schedule for shakespeare_char on a CPU: lr 1e-3, linear warm-up over 100 steps
// (lr (it + 1) / 101), cosine decay to 1e-4 at the last step (lr_decay_iters = max_iters); AdamW
// betas 0.9/0.99, weight decay 0.1 on matrices and tables, clip_grad_norm_ 1.
// The same batches and the same initial weights on both sides: this writes out/gpt-val/ (the ids,
// every step's window starts from data.sequenceBatches, the validation windows, wasmnn's initial
// weights), trains, then runs tools/gpt_val_torch.py on those files (unless --no-torch), which loads
// the weights into nanoGPT's modules and trains the same steps in float32; both estimate the loss
// over the same fixed validation windows (mean cross-entropy, nats per character).
//   node bench/gpt-val.js [--steps 500] [--seed 0] [--no-torch]   (after npm run build)
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { init, data } from '../dist/node.js';
import { gptModel } from './gpt.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const STEPS = flag('--steps', 500), SEED = flag('--seed', 0), EVERY = flag('--eval', 250), VAL_BATCHES = 40;
const cfg = { block: 64, width: 128, heads: 4, layers: 4, batch: 12 };
const lrAt = (it, { lr = 1e-3, minLr = 1e-4, warmup = 100, decay = STEPS } = {}) => {
  if (it < warmup) return (lr * (it + 1)) / (warmup + 1);
  if (it > decay) return minLr;
  const ratio = (it - warmup) / (decay - warmup);
  return minLr + 0.5 * (1 + Math.cos(Math.PI * ratio)) * (lr - minLr);
};

await init(undefined, { threads: 1 });
const text = (await data.loadFortunes('/usr/share/games/fortunes')).join('\n\n');
const tok = data.charTokenizer(text);
const ids = Int32Array.from(tok.encode(text));
const { train, validation } = data.splitSequence(ids);
const model = gptModel({ ...cfg, vocab: tok.vocabSize }, { lr: { rate: (s) => lrAt(s) }, seed: SEED });
const opt = model.optimizer;

// The validation windows, fixed: VAL_BATCHES batches drawn once.
const valDraw = data.sequenceBatches(validation, { blockSize: cfg.block, batchSize: cfg.batch, seed: 1000 + SEED });
const val = Array.from({ length: VAL_BATCHES }, () => { const b = valDraw.next(); return { x: { data: b.x.data.slice(), shape: b.x.shape }, y: { data: b.y.data.slice(), shape: b.y.shape }, starts: b.starts.slice() }; });
const valLoss = () => val.reduce((s, b) => s + model.evaluate(b.x, b.y).loss, 0) / val.length;

const dir = new URL('../out/gpt-val/', import.meta.url);
mkdirSync(dir, { recursive: true });
const weights = model.getWeights();
const names = model.parameters().map((p) => p.name);
const batches = data.sequenceBatches(train, { blockSize: cfg.block, batchSize: cfg.batch, seed: 1 + SEED });
const trainStarts = new Int32Array(STEPS * cfg.batch);
const curve = [{ step: 0, val: valLoss() }];
const t0 = performance.now();
let running = 0;
for (let it = 0; it < STEPS; it++) {
  const b = batches.next();
  trainStarts.set(b.starts, it * cfg.batch);
  opt.scheduleStep = it;
  running += model.trainOnBatch(b.x, b.y);
  if ((it + 1) % EVERY === 0 || it + 1 === STEPS) {
    curve.push({ step: it + 1, train: running / (((it + 1) % EVERY) || EVERY), val: valLoss() });
    running = 0;
    console.log(`wasmnn step ${it + 1}: train ${curve.at(-1).train.toFixed(4)}, validation ${curve.at(-1).val.toFixed(4)}`);
  }
}
const seconds = (performance.now() - t0) / 1000;
const bin = (name, arr) => writeFileSync(new URL(name, dir), new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
bin('ids.i32', ids);
bin('train-starts.i32', trainStarts);
bin('val-starts.i32', Int32Array.from(val.flatMap((b) => [...b.starts])));
const flat = new Float32Array(weights.reduce((n, w) => n + w.length, 0));
weights.reduce((o, w) => (flat.set(w, o), o + w.length), 0);
bin('init.f32', flat);
const meta = {
  ...cfg, vocab: tok.vocabSize, steps: STEPS, seed: SEED, every: EVERY, trainLength: train.length, valBatches: VAL_BATCHES,
  schedule: { lr: 1e-3, minLr: 1e-4, warmup: 100, decay: STEPS }, params: names.map((n, i) => ({ name: n, size: weights[i].length })),
  wasmnn: { curve, seconds, tokensPerS: (STEPS * cfg.batch * cfg.block) / seconds },
};
writeFileSync(new URL('meta.json', dir), JSON.stringify(meta, null, 1));
console.log(`wasmnn: ${STEPS} steps in ${seconds.toFixed(0)} s; validation ${curve[0].val.toFixed(4)} -> ${curve.at(-1).val.toFixed(4)}`);

if (!args.includes('--no-torch')) {
  const tool = fileURLToPath(new URL('../tools/gpt_val_torch.py', import.meta.url));
  const env = process.env.BENCH_OPENBLAS ? { ...process.env, LD_LIBRARY_PATH: process.env.BENCH_OPENBLAS } : process.env;
  const py = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const runs = ['wasmnn', 'nanogpt'].map((init) => [init, JSON.parse(execFileSync(py, [tool, fileURLToPath(dir), '--init', init], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'inherit'] }))]);
  console.log(`\n| step | wasmnn validation | PyTorch, wasmnn's initial weights | difference | PyTorch, nanoGPT's init |\n| --- | --- | --- | --- | --- |`);
  const [same, own] = [runs[0][1], runs[1][1]];
  curve.forEach((c, i) => console.log(`| ${c.step} | ${c.val.toFixed(4)} | ${same.curve[i].val.toFixed(4)} | ${(c.val - same.curve[i].val).toFixed(4)} | ${own.curve[i].val.toFixed(4)} |`));
  writeFileSync(new URL('result.json', dir), JSON.stringify({ wasmnn: meta.wasmnn, torch: Object.fromEntries(runs) }, null, 1));
}
process.exit(0);
