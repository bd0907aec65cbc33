// The seed experiments, shared by npm start (examples/main.js) and the tests.
import { readFileSync } from 'node:fs';
import { Sequential, Matrix, layers, losses, optimizers, regularizers, data } from 'wasmnn';

export const readData = (file) => JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8'));

/** (y_hat - y)^2 / 2, mean over rows: the squared loss of the weight-decay experiment (d2l). */
export const halfSquared = losses.custom({
  name: 'halfSquared',
  value: (p, t) => p.reduce((s, v, i) => s + 0.5 * (v - t[i]) ** 2, 0) / p.length,
  gradient: (p, t, g) => p.forEach((v, i) => (g[i] = (v - t[i]) / p.length)),
});

/**
 * Weight decay on 200-dimensional linear regression with 20 training rows: lambda*||w||^2/2 on w
 * only, either as a penalty in the loss (regularizers.l2(lambda/2)) or in the optimizer (SGD
 * weightDecay on w alone, in a hand-written loop with one optimizer per parameter group).
 */
export async function weightDecayRun(run) {
  const model = new Sequential([
    layers.dense({ inputDim: 200, units: 1, kernelRegularizer: run.penalty_in === 'loss' && run.lambda > 0 ? regularizers.l2(run.lambda / 2) : undefined }),
  ]);
  model.setWeights([run.w0.map((v) => [v]), [0]]);
  const x = run.Xtrain, y = run.ytrain.map((v) => [v]);
  const xt = run.Xtest, yt = run.ytest.map((v) => [v]);
  const lr = 0.003;
  const trainLoss = [], testLoss = [];
  const mean = (xs, ys) => {
    const p = model.predict(xs).data;
    return p.reduce((s, v, i) => s + 0.5 * (v - ys[i][0]) ** 2, 0) / p.length;
  };
  if (run.penalty_in === 'loss') {
    model.compile({ loss: halfSquared, optimizer: optimizers.sgd({ lr }), batchSize: 5 });
    await model.fit(x, y, { epochs: 100, batchSize: 5, shuffle: false, onEpochEnd: () => void (trainLoss.push(mean(x, y)), testLoss.push(mean(xt, yt))) });
  } else {
    model.compile({ loss: halfSquared, optimizer: optimizers.sgd({ lr }), batchSize: 5 });
    const [W, b] = model.parameters();
    const decayed = optimizers.sgd({ lr, weightDecay: run.lambda }, [W]);
    const plain = optimizers.sgd({ lr }, [b]);
    for (let epoch = 0; epoch < 100; epoch++) {
      for (let s = 0; s < x.length; s += 5) {
        const { grads } = model.lossAndGradients(x.slice(s, s + 5), y.slice(s, s + 5));
        W.grad.set(grads[0]);
        b.grad.set(grads[1]);
        decayed.step();
        plain.step();
      }
      trainLoss.push(mean(x, y));
      testLoss.push(mean(xt, yt));
    }
    decayed.dispose();
    plain.dispose();
  }
  const w = model.getWeights()[0];
  const norm = Math.sqrt(w.reduce((s, v) => s + v * v, 0));
  model.dispose();
  return { norm, trainLoss, testLoss };
}

/** Several optimizers on one problem (moons, 2-20-3-1, mini-batches of 32): the training-loss curve of each. */
export async function optimizersSideBySide(epochs = 100) {
  const { train } = await data.loadBuiltin('moons');
  const contenders = [
    ['SGD', optimizers.sgd({ lr: 0.05 })],
    ['momentum', optimizers.sgd({ lr: 0.05, momentum: 0.9 })],
    ['AdaGrad', optimizers.adagrad({ lr: 0.05 })],
    ['RMSProp', optimizers.rmsprop({ lr: 0.005 })],
    ['Adam', optimizers.adam({ lr: 0.005 })],
  ];
  const out = [];
  for (const [name, optimizer] of contenders) {
    const model = new Sequential([
      layers.dense({ inputDim: 2, units: 20, activation: 'relu' }),
      layers.dense({ units: 3, activation: 'relu' }),
      layers.dense({ units: 1 }),
    ], { seed: 0 });
    model.compile({ loss: 'bceWithLogits', optimizer, metrics: ['accuracy'] });
    const h = await model.fit(train.x, train.y, { epochs, batchSize: 32 });
    out.push({ name, loss: h.loss, accuracy: h.accuracy.at(-1) });
    model.dispose();
  }
  return out;
}

/**
 * L2 on the diabetes data (targets standardised): six hidden layers of 128 ReLU units, Adam,
 * MSE, `epochs` epochs, batch 64, the last 15% of rows for validation (Keras' validation_split).
 * NOTE: this experiment comes from a Keras course, so the layers use Keras' initialisation
 * (glorotUniform weights, zero biases); with PyTorch's smaller default the network fits slowly
 * enough that 100 epochs show little overfitting.
 */
export async function diabetesL2(variants, epochs = 100) {
  const all = await data.loadBuiltin('diabetes');
  const ys = data.fitStandardizer(all.y).transform(all.y);
  const cut = Math.round(all.x.rows * 0.85);
  const idx = (a, b) => Int32Array.from({ length: b - a }, (_, i) => a + i);
  const x = all.x.take(idx(0, cut)), y = ys.take(idx(0, cut));
  const xv = all.x.take(idx(cut, all.x.rows)), yv = ys.take(idx(cut, all.x.rows));
  const out = [];
  for (const v of variants) {
    const hidden = [];
    for (let i = 0; i < 6; i++) {
      hidden.push(layers.dense({ inputDim: i === 0 ? 10 : undefined, units: 128, activation: 'relu', kernelInitializer: 'glorotUniform', biasInitializer: 'zeros', kernelRegularizer: v.l2 ? regularizers.l2(v.l2) : undefined }));
      if (v.dropout) hidden.push(layers.dropout({ rate: v.dropout }));
    }
    const model = new Sequential([...hidden, layers.dense({ units: 1 })], { seed: 0 });
    model.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 64 });
    const h = await model.fit(x, y, { epochs, batchSize: 64, validationData: [xv, yv] });
    out.push({ name: v.name, loss: h.loss, valLoss: h.valLoss });
    model.dispose();
  }
  return out;
}

/** The unregularised moons run is chaotic: its figures are read over these starts, the reference
 * weights moved by 0 and by +-1, +-2 float32 ulps in W2[0][0] (moonsOverfitting's `perturb`). */
export const MOONS_STARTS = [0, -2, -1, 1, 2];

/** The mean train-test accuracy gap of moonsOverfitting results. */
export const meanGap = (results) => results.reduce((s, r) => s + r.train - r.test, 0) / results.length;

/**
 * The overfitting experiment on moons (seed_moons.json): 2-20-3-1 ReLU network, logits and
 * binary cross-entropy, full-batch gradient descent for run.iterations steps from the run's
 * initial weights; L2 as lambda/(2N)*sum(W^2) on the weights, or decoupled decay, or (not in
 * the reference) dropout after each hidden activation. `perturb` moves one initial weight
 * (W2[0][0]) by that many float32 ulps, to show how sensitive the unregularised run is.
 * `validation: false` skips the per-iteration test loss (half the time).
 */
export async function moonsOverfitting(run, { dropout = 0, perturb = 0, validation = true, onModel } = {}) {
  const { train, test } = await data.loadBuiltin('moons');
  const N = train.x.rows;
  const reg = run.variant.l2 ? regularizers.l2(run.variant.l2 / (2 * N)) : undefined;
  const drop = () => (dropout ? [layers.dropout({ rate: dropout })] : []);
  const model = new Sequential([
    layers.dense({ inputDim: 2, units: 20, activation: 'relu', kernelRegularizer: reg }),
    ...drop(),
    layers.dense({ units: 3, activation: 'relu', kernelRegularizer: reg }),
    ...drop(),
    layers.dense({ units: 1, kernelRegularizer: reg }),
  ], { seed: 0 });
  const W = run.init.W.map((w) => w.map((r) => r.slice()));
  if (perturb) W[1][0][0] = Math.fround(Math.fround(W[1][0][0]) * (1 + perturb * 2 ** -23));
  model.setWeights(W.flatMap((w, i) => [w, run.init.b[i]]));
  model.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: run.lr, decay: run.variant.decoupled_decay ?? 0 }), metrics: ['accuracy'], batchSize: N });
  const t0 = performance.now();
  const history = await model.fit(train.x, train.y, { epochs: run.iterations, batchSize: N, shuffle: false, validationData: validation ? [test.x, test.y] : undefined });
  const seconds = (performance.now() - t0) / 1000;
  const result = { history, seconds, train: model.evaluate(train.x, train.y).accuracy, test: model.evaluate(test.x, test.y).accuracy };
  if (onModel) onModel(model, train, result);
  model.dispose();
  return result;
}

// A small CNN on the built-in 8x8 digits as 8x8x1 images: conv 3x3x16 relu, max pool 2, conv
// 3x3x32 relu ('same'), global average pooling, dense 10; Adam 3e-3, batch 32, shuffled; 20 epochs
// on 1 437 digits, the curves against the held-out 360. The same split as the dense digits runs.
export async function digitsCnn({ epochs = 20, seed = 0 } = {}) {
  const { x, y } = await data.loadBuiltin('digits');
  const scaled = new Matrix(x.data.map((v) => v / 16), x.rows, x.cols).reshape([8, 8, 1]);
  const { train, test } = data.trainTestSplit(scaled, y, { testSize: 0.2, seed });
  const model = new Sequential([
    layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1] }),
    layers.maxPooling2d({ poolSize: 2 }),
    layers.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }),
    layers.globalAveragePooling2d(),
    layers.dense({ units: 10 }),
  ], { seed });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 3e-3 }), metrics: ['accuracy'] });
  const started = performance.now();
  const history = await model.fit(train.x, train.y, { epochs, batchSize: 32, shuffle: true, validationData: [test.x, test.y] });
  const seconds = (performance.now() - started) / 1000;
  const summary = model.summary(false);
  model.dispose();
  return { history, seconds, samplesPerSecond: (epochs * train.x.rows) / seconds, summary };
}
