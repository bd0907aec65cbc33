// The playground's trainer, off the main thread: builds the network the page asks for,
// trains it, and posts the decision boundary and learning curves (SVG) as it goes.
import * as wasmnn from '/dist/browser.js';

const { init, Sequential, layers, optimizers, regularizers, schedules, data, plot } = wasmnn;
let stopRequested = false;

// The kernels on the cores the browser offers: 'auto' gives more than 1 only where the page is
// cross-origin isolated (the COOP/COEP headers of scripts/static-server.mjs). A worker can block
// in Atomics.wait between calls, which the page's main thread could not.
const runtime = init({ threads: 'auto' });
runtime.then(
  (rt) => self.postMessage({ type: 'runtime', threads: rt.threads, build: rt.build, isolated: self.crossOriginIsolated === true }),
  (err) => self.postMessage({ type: 'error', message: err.message }),
);

self.onmessage = async (e) => {
  if (e.data.type === 'stop') stopRequested = true;
  if (e.data.type === 'train') {
    stopRequested = false;
    try {
      await train(e.data.config);
    } catch (err) {
      self.postMessage({ type: 'error', message: err.message });
    }
  }
};

const DATASETS = { moons: data.makeMoons, circles: data.makeCircles, spirals: data.makeSpirals, xor: data.makeXor };
const OPTIMIZERS = { sgd: optimizers.sgd, momentum: (o) => optimizers.sgd({ ...o, momentum: 0.9 }), adagrad: optimizers.adagrad, rmsprop: optimizers.rmsprop, adam: optimizers.adam };

function rate(cfg) {
  const lr = cfg.lr;
  if (cfg.schedule === 'step') return schedules.step({ initial: lr, stepSize: Math.max(1, Math.floor(cfg.epochs / 4)), gamma: 0.5 });
  if (cfg.schedule === 'cosine') return schedules.cosine({ initial: lr, tMax: cfg.epochs, etaMin: lr / 100 });
  if (cfg.schedule === 'exponential') return schedules.exponential({ initial: lr, gamma: 0.98 });
  return lr;
}

async function train(cfg) {
  const rt = await runtime;
  const all = DATASETS[cfg.dataset]({ n: 400, noise: cfg.noise, seed: cfg.seed });
  const { train, test } = data.trainTestSplit(all.x, all.y, { testSize: 0.25, seed: cfg.seed });
  const reg = cfg.l1 || cfg.l2 ? regularizers.l1l2({ l1: cfg.l1, l2: cfg.l2 }) : undefined;
  const stack = [];
  cfg.hidden.forEach((units, i) => {
    const first = i === 0 ? { inputDim: 2 } : {};
    if (cfg.batchNorm) stack.push(layers.dense({ ...first, units, kernelRegularizer: reg }), layers.batchNorm(), layers.activation({ activation: cfg.activation }));
    else stack.push(layers.dense({ ...first, units, activation: cfg.activation, kernelRegularizer: reg }));
    if (cfg.dropout > 0) stack.push(layers.dropout({ rate: cfg.dropout }));
  });
  stack.push(layers.dense({ ...(cfg.hidden.length ? {} : { inputDim: 2 }), units: 1 }));
  const model = new Sequential(stack, { seed: cfg.seed });
  model.compile({ loss: 'bceWithLogits', optimizer: OPTIMIZERS[cfg.optimizer]({ lr: rate(cfg) }), metrics: ['accuracy'], batchSize: 32 });
  const history = { epoch: [], loss: [], valLoss: [] };
  const frame = (epoch, logs) => {
    history.epoch.push(epoch);
    history.loss.push(logs.loss);
    history.valLoss.push(logs.valLoss);
    self.postMessage({
      type: 'progress', epoch, logs,
      boundary: plot.decisionBoundary((g) => model.predict(g), train.x, train.y, { resolution: 60, width: 420, height: 420, title: `epoch ${epoch + 1}` }),
      curves: plot.learningCurves(history, { width: 520, height: 320, title: 'loss' }),
    });
  };
  self.postMessage({ type: 'started', summary: model.summary(false) });
  await model.fit(train.x, train.y, {
    epochs: cfg.epochs, batchSize: 32, validationData: [test.x, test.y],
    onEpochEnd: async (epoch, logs) => {
      if (epoch % 2 === 0 || epoch === cfg.epochs - 1 || stopRequested) {
        frame(epoch, logs);
        await new Promise((r) => setTimeout(r, 0)); // let a 'stop' message in
      }
      return !stopRequested;
    },
  });
  model.dispose();
  self.postMessage({ type: 'done', splitCalls: rt.splitCalls() });
}
