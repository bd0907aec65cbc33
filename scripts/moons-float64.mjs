// The unregularised moons run (seed_moons.json runs[0]) in float64 plain JavaScript, with
// straightforward sequential sums: evidence that its final accuracies are chaotic, not a property
// of float32 or of wasmnn. Usage: node scripts/moons-float64.mjs [ulps ...] (default: 0 1 -1).
// For each value, W2[0][0] is moved by that many float64 ulps (2^-52 relative), the 50 000
// full-batch steps run, and the script prints where the loss curve first parts from PyTorch's
// (relative difference > 1e-3, sampled every 250 steps) and the final train/test accuracy.
// About a minute per run. Seen on 2026-11-26: 0 ulp follows PyTorch to ~1e-14 up to step 22 500,
// then parts; final accuracies over 0, +-1, +-2, +-3 ulps: train 0.825..0.96, test 0.77..0.81,
// against PyTorch's 0.95 / 0.76.
import { readFileSync } from 'node:fs';

const seed = JSON.parse(readFileSync(new URL('../data/seed_moons.json', import.meta.url), 'utf8'));
const rows = readFileSync(new URL('../data/moons_300_noise0.5.csv', import.meta.url), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
const train = rows.slice(0, 200), test = rows.slice(200);
const run = seed.runs[0];
const sizes = [2, 20, 3, 1];

function forward(W, b, X) {
  const acts = [X], pre = [];
  let h = X;
  for (let l = 0; l < 3; l++) {
    const z = h.map((row) => {
      const o = b[l].slice();
      for (let i = 0; i < sizes[l]; i++) for (let j = 0; j < sizes[l + 1]; j++) o[j] += row[i] * W[l][i][j];
      return o;
    });
    pre.push(z);
    h = l < 2 ? z.map((r) => r.map((v) => (v > 0 ? v : 0))) : z;
    acts.push(h);
  }
  return { acts, pre };
}

function once(ulps) {
  const W = run.init.W.map((w) => w.map((r) => r.slice()));
  const b = run.init.b.map((x) => x.slice());
  W[1][0][0] *= 1 + ulps * 2 ** -52;
  const X = train.map((r) => r.slice(0, 2)), Y = train.map((r) => r[2]), N = X.length;
  let parted = -1;
  for (let it = 0; it < run.iterations; it++) {
    const { acts, pre } = forward(W, b, X);
    let loss = 0;
    let g = acts[3].map((r, n) => {
      const z = r[0];
      loss += Math.max(z, 0) - z * Y[n] + Math.log1p(Math.exp(-Math.abs(z)));
      return [(1 / (1 + Math.exp(-z)) - Y[n]) / N];
    });
    if (it % 250 === 0 && parted < 0) {
      const want = run.loss_curve[it / 250][1];
      if (Math.abs(loss / N - want) / want > 1e-3) parted = it;
    }
    for (let l = 2; l >= 0; l--) {
      const gW = W[l].map((r) => r.map(() => 0)), gb = b[l].map(() => 0);
      for (let n = 0; n < N; n++) for (let j = 0; j < sizes[l + 1]; j++) {
        gb[j] += g[n][j];
        for (let i = 0; i < sizes[l]; i++) gW[i][j] += acts[l][n][i] * g[n][j];
      }
      const gp = l === 0 ? null : acts[l].map((row, n) => row.map((_, i) => {
        let s = 0;
        for (let j = 0; j < sizes[l + 1]; j++) s += g[n][j] * W[l][i][j];
        return pre[l - 1][n][i] > 0 ? s : 0;
      }));
      for (let i = 0; i < sizes[l]; i++) for (let j = 0; j < sizes[l + 1]; j++) W[l][i][j] -= run.lr * gW[i][j];
      for (let j = 0; j < sizes[l + 1]; j++) b[l][j] -= run.lr * gb[j];
      g = gp;
    }
  }
  const acc = (set) => {
    const { acts } = forward(W, b, set.map((r) => r.slice(0, 2)));
    return set.filter((r, n) => (acts[3][n][0] > 0 ? 1 : 0) === r[2]).length / set.length;
  };
  return { parted, train: acc(train), test: acc(test) };
}

const list = process.argv.slice(2).map(Number);
for (const ulps of list.length ? list : [0, 1, -1]) {
  const r = once(ulps);
  console.log(`W2[0][0] ${ulps >= 0 ? '+' : ''}${ulps} ulp: loss parts from PyTorch's at step ${r.parted < 0 ? 'never' : r.parted}; train ${r.train}, test ${r.test} (PyTorch float64: ${run.train_accuracy} / ${run.test_accuracy})`);
}
