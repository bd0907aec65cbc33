// npm start: the regularisation experiments on the built-in data, with tables and pictures in out/.
// 1. Overfitting on moons: a 2-20-3-1 network, full-batch gradient descent at lr 0.2 for
//    50 000 iterations from the seed's initial weights, without regularisation, with L2
//    (lambda 0.7, as lambda/(2N)*sum W^2) and with decoupled weight decay 0.001. The
//    reference accuracies were computed by PyTorch in float64 (data/seed_moons.json).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { init, Sequential, layers, optimizers, regularizers, data, plot } from 'wasmnn';

const OUT = new URL('../out/', import.meta.url);
mkdirSync(OUT, { recursive: true });
const rt = await init();
console.log(`wasmnn: wasm core loaded (${rt.build} SIMD build)\n`);

const seed = JSON.parse(readFileSync(new URL('../data/seed_moons.json', import.meta.url), 'utf8'));
const { train, test } = await data.loadBuiltin('moons');

function table(head, rows) {
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => String(r[c]).length)));
  const line = (r) => r.map((v, c) => (c === 0 ? String(v).padEnd(w[c]) : String(v).padStart(w[c]))).join('  ');
  return [line(head), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

console.log(`1. Overfitting on moons (${train.x.rows} train / ${test.x.rows} test rows, 2-20-3-1, full-batch GD lr 0.2, 50 000 iterations)`);
const rows = [];
const curves = [];
for (const run of seed.runs) {
  const name = run.variant.l2 ? `L2 ${run.variant.l2}` : run.variant.decoupled_decay ? `decay ${run.variant.decoupled_decay}` : 'none';
  const reg = run.variant.l2 ? regularizers.l2(run.variant.l2 / (2 * train.x.rows)) : undefined;
  const model = new Sequential([
    layers.dense({ inputDim: 2, units: 20, activation: 'relu', kernelRegularizer: reg }),
    layers.dense({ units: 3, activation: 'relu', kernelRegularizer: reg }),
    layers.dense({ units: 1, kernelRegularizer: reg }),
  ]);
  model.setWeights(run.init.W.flatMap((W, i) => [W, run.init.b[i]]));
  model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: run.lr, decay: run.variant.decoupled_decay ?? 0 }), metrics: ['accuracy'], batchSize: train.x.rows });
  const t0 = performance.now();
  const history = await model.fit(train.x, train.y, { epochs: run.iterations, batchSize: train.x.rows, shuffle: false, validationData: [test.x, test.y] });
  const seconds = (performance.now() - t0) / 1000;
  const tr = model.evaluate(train.x, train.y).accuracy;
  const te = model.evaluate(test.x, test.y).accuracy;
  rows.push([name, tr.toFixed(3), te.toFixed(3), (tr - te).toFixed(3), `${run.train_accuracy.toFixed(3)} / ${run.test_accuracy.toFixed(3)}`, history.loss.at(-1).toFixed(4), seconds.toFixed(2)]);
  curves.push({ name: `${name} train`, values: history.loss }, { name: `${name} test`, values: history.valLoss });
  const file = `moons-boundary-${name.replace(/\s+/g, '-')}.svg`;
  writeFileSync(new URL(file, OUT), plot.decisionBoundary((g) => model.predict(g), train.x, train.y, { title: `moons, ${name}: train ${tr.toFixed(2)}, test ${te.toFixed(2)}` }));
  model.dispose();
}
console.log(table(['regularisation', 'train acc', 'test acc', 'gap', 'PyTorch f64 train/test', 'final loss', 'seconds'], rows));
writeFileSync(new URL('moons-learning-curves.svg', OUT), plot.lines(curves, { title: 'moons: train and test loss', xLabel: 'iteration', yLabel: 'loss (log10)', logY: true, width: 760 }));
console.log(`\nPictures: out/moons-boundary-*.svg (decision boundaries with the training points), out/moons-learning-curves.svg`);
console.log('Note: without regularisation, lr 0.2 sits at the edge of stability (the loss spikes, in PyTorch too);');
console.log('float32 and float64 trajectories then part after ~15 000 iterations, so that row differs from the float64 reference.');
