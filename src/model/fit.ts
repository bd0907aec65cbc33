// The training loop (Keras' fit): the data checked and copied into wasm once, then per epoch a
// shuffle of the row order, one step per batch (a pointer into the data, or a gather of shuffled
// rows), metrics, validation, the schedule, callbacks and early stopping. It allocates nothing per step.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import type { EpochLogs, CallbackModel } from '../callbacks/index.js';
import { checkCallbacks } from '../callbacks/index.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';
import type { FitOptions, History } from './types.js';
import { checkBatchSize } from './compiled.js';
import type { TrainStep } from './step.js';
import type { Inference } from './inference.js';
import { makeResident } from './resident.js';
import type { Rooms } from './rooms.js';

const FIT_KEYS = optionKeys<FitOptions>({ epochs: true, initialEpoch: true, batchSize: true, shuffle: true, validationData: true, validationSplit: true, classWeight: true, onEpochEnd: true, callbacks: true, scheduleUnit: true });

/** The rooms fit drives. */
export interface FitRooms extends Rooms {
  readonly step: TrainStep;
  readonly inference: Inference;
}

type Split = { x: Matrix[]; y: Matrix; index: boolean };

/** x and y checked, and the validation set (validationSplit's last rows, or validationData). */
function fitData(r: FitRooms, xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: FitOptions): { train: Split; val: Split | undefined } {
  const checked = r.checks.checkData(xIn, yIn);
  let { x, y } = checked;
  const index = checked.index;
  let val: Split | undefined;
  if (options.validationSplit !== undefined) {
    // As Keras: the last rows, taken before any shuffling, are the validation data.
    const s = options.validationSplit;
    if (typeof s !== 'number' || !(s > 0 && s < 1)) throw new RangeError(`wasmnn: fit: validationSplit must be a fraction in (0, 1), got ${JSON.stringify(s)}`);
    if (options.validationData) throw new RangeError('wasmnn: fit: give validationData or validationSplit, not both');
    const at = Math.floor(x[0].rows * (1 - s));
    if (at === 0 || at === x[0].rows) throw new RangeError(`wasmnn: fit: validationSplit ${s} of ${x[0].rows} rows leaves ${at === 0 ? 'no training' : 'no validation'} rows`);
    const part = (m: Matrix, from: number, to: number) => new Matrix(m.data.subarray(from * m.cols, to * m.cols), to - from, m.cols);
    val = { x: x.map((m) => part(m, at, m.rows)), y: part(y!, at, y!.rows), index };
    x = x.map((m) => part(m, 0, at));
    y = part(y!, 0, at);
  }
  return { train: { x, y: y!, index }, val };
}

export async function fit(r: FitRooms, model: CallbackModel, xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: FitOptions = {}): Promise<History> {
  const { compiled, checks, step } = r;
  compiled.requireCompiled('fit');
  checks.requireTargets(yIn, 'fit');
  checkOptions('fit', options, FIT_KEYS, { sampleWeight: { use: 'classWeight', note: 'weights per row are not supported; classWeight weighs each class' } });
  checkCallbacks('fit', options.callbacks);
  if (options.scheduleUnit !== undefined && options.scheduleUnit !== 'epoch' && options.scheduleUnit !== 'batch') throw new RangeError(`wasmnn: fit: scheduleUnit must be 'epoch' or 'batch', got ${JSON.stringify(options.scheduleUnit)}`);
  const optimizer = compiled.optimizer!;
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`wasmnn: epochs must be a non-negative integer, got ${describe(epochs)}`);
  // Epochs are numbered on from where the optimizer's training stopped (its epoch count), so
  // fit(k) then fit(n - k) numbers, schedules and shuffles as one fit(n) does.
  const first = options.initialEpoch ?? optimizer.epochs;
  if (!Number.isSafeInteger(first) || first < 0) throw new RangeError(`wasmnn: initialEpoch must be a non-negative integer, got ${describe(first)}`);
  const { train, val: split } = fitData(r, xIn, yIn, options);
  let val = split;
  const { x, y, index } = train;
  const n = x[0].rows;
  const batch = Math.min(checkBatchSize(options.batchSize ?? 32), n);
  const shuffle = options.shuffle ?? true;
  const perBatch = options.scheduleUnit === 'batch';
  if (options.validationData) {
    const [vx, vy] = options.validationData;
    checks.label = 'validationData ';
    let c;
    try {
      c = checks.checkData(vx, vy);
    } finally {
      checks.label = '';
    }
    val = { x: c.x, y: c.y as Matrix, index: c.index };
  }

  const rowWeights = options.classWeight === undefined ? undefined : checks.classWeights(options.classWeight, y, index);
  if (batch > compiled.maxRows) compiled.maxRows = batch;
  const p = compiled.program(rowWeights ? 'weighted' : 'train', index);
  const prog = p.prog;
  const { arena, kernels: k } = r.rt;
  const data = makeResident(r.rt, x, y, index, r.inputs);
  const weights = rowWeights ? arena.alloc(n * 4) : 0;
  if (rowWeights) arena.f32(weights, n).set(rowWeights);
  const weight = p.weight;
  const valData = val ? makeResident(r.rt, val.x, val.y, val.index, r.inputs) : undefined;
  const idx = shuffle ? arena.alloc(n * 4) : 0;
  const state = r.weights;
  if (idx) {
    // The order the last shuffle left (the permutation continues, as the PRNG stream does);
    // a data set of another size starts from the identity.
    const view = arena.i32(idx, n);
    if (state.order?.length === n) view.set(state.order);
    else for (let i = 0; i < n; i++) view[i] = i;
  }
  const metrics = r.inference.metrics();
  const history: History = { epoch: [], loss: [] };
  for (const m of metrics) history[m.name] = [];
  if (val) {
    history.valLoss = [];
    for (const m of metrics) history[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = [];
  }
  const inputs = r.inputs;
  const nIn = inputs.length;
  const target = p.target!;
  const out = compiled.lowered[0];
  const units = compiled.outputUnits, classes = compiled.classes, positions = compiled.positions;
  const tCols = index ? positions : units;
  const shuffleState = state.rngStates + 16;
  const heap = r.heap;
  // The epoch's loss sum in a typed array: a double local that the optimised loop keeps
  // tagged is boxed anew on every `+=` (16 bytes a step).
  const lossSum = new Float64Array(1);
  let lastYield = Date.now();
  const cbs = options.callbacks ?? [];
  for (const cb of cbs) cb.onTrainBegin?.(model);

  try {
    for (let epoch = first; epoch < first + epochs; epoch++) {
      if (!perBatch) optimizer.scheduleStep = epoch;
      for (const cb of cbs) cb.onEpochBegin?.(epoch, model);
      if (idx) k.shuffle_i32(idx, n, shuffleState);
      for (const m of metrics) m.reset();
      lossSum[0] = 0;
      for (let start = 0, b = 0; start < n; start += batch, b++) {
        const rows = Math.min(batch, n - start);
        let yp: number;
        if (idx) {
          for (let i = 0; i < nIn; i++) {
            prog.unbind(inputs[i]);
            k.gather_rows_f32(prog.ptr(inputs[i]), data.x[i], idx + start * 4, rows, inputs[i].cols);
          }
          prog.unbind(target);
          yp = prog.ptr(target);
          // Index targets are int32 rows of one label (or one a position): gather copies bits.
          if (index && positions === 1) k.gather_i32(yp, data.y, idx + start * 4, rows);
          else k.gather_rows_f32(yp, data.y, idx + start * 4, rows, tCols);
          if (weight) {
            prog.unbind(weight);
            k.gather_rows_f32(prog.ptr(weight), weights, idx + start * 4, rows, 1);
          }
        } else {
          if (weight) prog.bind(weight, weights + start * 4);
          for (let i = 0; i < nIn; i++) prog.bind(inputs[i], data.x[i] + start * inputs[i].cols * 4);
          yp = data.y + start * tCols * 4;
          prog.bind(target, yp);
        }
        step.run(p, rows);
        const value = step.loss;
        if (step.bad) throw step.error(` at epoch ${epoch}, batch ${b}`);
        if (metrics.length) {
          heap.refresh();
          const o = prog.ptr(out) >>> 2;
          // Indexed loops in the step: no iterator objects per batch.
          // A [batch, t, classes] output is batch*t rows of classes.
          for (let mi = 0; mi < metrics.length; mi++) metrics[mi].add(heap.f32, heap.i32, o, yp >>> 2, rows * positions, classes, index);
        }
        if (perBatch) optimizer.scheduleStep = epoch * Math.ceil(n / batch) + b;
        optimizer.step();
        lossSum[0] += value * rows;
      }
      optimizer.epochs = epoch + 1;
      const logs: EpochLogs = { loss: lossSum[0] / n };
      for (const m of metrics) logs[m.name] = m.result();
      if (valData && val) {
        const v = r.inference.evaluateResident(valData, val.index, metrics);
        logs.valLoss = v.loss;
        for (const m of metrics) logs[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = v[m.name];
      }
      // A plateau schedule reacts to the monitored metric: validation loss if there is one.
      const lr = optimizer.lr as { observe?: (m: number) => number };
      if (typeof lr === 'object' && typeof lr.observe === 'function') lr.observe(logs.valLoss ?? logs.loss);
      history.epoch.push(epoch);
      for (const key of Object.keys(logs)) history[key].push(logs[key]);
      let stop = false;
      for (const cb of cbs) if (cb.onEpochEnd?.(epoch, logs, model) === false) stop = true;
      if (options.onEpochEnd && (await options.onEpochEnd(epoch, logs)) === false) stop = true;
      if (stop) break;
      if (Date.now() - lastYield > 100) {
        // Let timers, I/O and the UI run during long fits.
        await new Promise((res) => setTimeout(res, 0));
        lastYield = Date.now();
      }
    }
  } finally {
    for (const t of inputs) prog.unbind(t);
    prog.unbind(target);
    data.release();
    valData?.release();
    if (weights) arena.release(weights);
    if (weight) prog.unbind(weight);
    if (idx) {
      state.order = arena.i32(idx, n).slice();
      arena.release(idx);
    }
  }
  for (const cb of cbs) cb.onTrainEnd?.(model);
  return history;
}
