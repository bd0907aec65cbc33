// A stack of layers trained end to end. Memory plan:
//   parameters | gradients    one flat region each, allocated when the model is built,
//                             so an optimizer step is one kernel call over all of them;
//   activations               each layer's output and output-gradient for `maxRows` rows,
//                             planned by compile() (and again only if a larger batch comes);
//   data                      fit() copies the training (and validation) set into wasm
//                             once; a batch is a pointer into it, or a gather of shuffled rows.
// A training step therefore allocates nothing, in wasm or in JS.
import { runtime, type Runtime } from '../wasm/init.js';
import { Matrix, type MatrixLike } from '../data/matrix.js';
import type { Layer, StepContext } from '../layers/layer.js';
import { Parameter } from '../optimizers/parameter.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { type Loss, type LossName, type LossContext, type CustomLossSpec, resolveLoss, softmaxCrossEntropyIndex } from '../losses/index.js';
import { type MetricAccumulator, type MetricName, METRIC_NAMES, makeMetric } from '../metrics/index.js';
import { summarize } from './summary.js';
import { saveModel, loadModel, type SavedModel } from './serialize.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Callback } from '../callbacks/index.js';

export interface SequentialOptions {
  /** Seed of every random draw: initial weights, shuffling, dropout masks. Default 0. */
  seed?: number;
  name?: string;
}

export interface CompileOptions {
  loss: LossName | Loss | CustomLossSpec;
  optimizer: Optimizer;
  metrics?: MetricName[];
  /** The batch size to plan memory for (fit replans if it is given a larger one). Default 32. */
  batchSize?: number;
}

export interface EpochLogs {
  loss: number;
  [metric: string]: number;
}

export interface FitOptions {
  epochs?: number;
  /** Rows per step; a value >= the number of rows is full-batch gradient descent. Default 32. */
  batchSize?: number;
  shuffle?: boolean;
  validationData?: [MatrixLike, MatrixLike];
  /** Called after every epoch with that epoch's logs; return `false` to stop training. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean | Promise<void | boolean>;
  /** Callbacks (callbacks.earlyStopping, callbacks.progress, or your own). */
  callbacks?: Callback[];
  /** Advance a learning-rate schedule once per 'epoch' (default) or per 'batch'. */
  scheduleUnit?: 'epoch' | 'batch';
}

/** Per-epoch values of the loss and every metric (`valLoss`, `valAccuracy`, ... for validation data). */
export interface History {
  epoch: number[];
  [metric: string]: number[];
}

export class TrainingError extends Error {
  override name = 'TrainingError';
}

/** A data set copied into wasm memory. */
interface Resident {
  x: number;
  y: number;
  rows: number;
  release(): void;
}

const STREAM_INIT = 1;
const STREAM_SHUFFLE = 2;
const STREAM_DROPOUT = 3;

export class Sequential {
  readonly layers: readonly Layer[];
  readonly seed: number;
  readonly name: string;
  readonly inputUnits: number;
  readonly outputUnits: number;
  private readonly rt: Runtime;
  private readonly params: Parameter[] = [];
  /** Parameters with a weight penalty, and the penalty. */
  private readonly penalties: { p: Parameter; r: Regularizer }[] = [];
  private readonly paramRegion: number;
  private readonly gradRegion: number;
  private readonly paramCount: number;
  /** Three PRNG states of 16 bytes: init, shuffle, dropout. */
  private readonly rngStates: number;
  private loss: Loss | undefined;
  private indexLoss: Loss | undefined;
  private optimizerRef: Optimizer | undefined;
  private metricNames: MetricName[] = [];
  private maxRows = 0;
  /** Bytes of the activation plan (layer buffers, input and target) for maxRows rows. */
  planBytes = 0;
  private inputBuf = 0;
  private targetBuf = 0;
  private readonly ctx: StepContext;
  private heapF!: Float32Array;
  private heapI!: Int32Array;

  constructor(layers: Layer[], options: SequentialOptions = {}) {
    if (!Array.isArray(layers) || layers.length === 0) throw new RangeError('wasmnn: Sequential needs at least one layer');
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`wasmnn: seed must be a non-negative integer, got ${seed}`);
    this.rt = runtime();
    this.seed = seed;
    this.name = options.name ?? 'sequential';
    this.layers = layers;
    const first = (layers[0] as { options?: { inputDim?: number } }).options?.inputDim;
    if (first === undefined) throw new RangeError('wasmnn: the first layer needs inputDim (the number of input features)');
    let units = first;
    layers.forEach((l, i) => {
      l.build(units, i);
      units = l.outputUnits;
    });
    this.inputUnits = first;
    this.outputUnits = units;

    const { arena, kernels: k } = this.rt;
    const specs = layers.map((l) => l.paramSpecs());
    this.paramCount = specs.flat().reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    this.paramRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.gradRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.rngStates = arena.alloc(48, 16);
    for (const stream of [STREAM_INIT, STREAM_SHUFFLE, STREAM_DROPOUT]) {
      k.rng_seed(this.rngStates + 16 * (stream - 1), seed >>> 0, (Math.floor(seed / 2 ** 32) + stream * 0x9e3779b9) >>> 0);
    }
    let offset = 0;
    specs.forEach((layerSpecs, i) => {
      const ps = layerSpecs.map((s) => {
        const p = new Parameter(arena, s.name, s.shape, this.paramRegion + offset, this.gradRegion + offset);
        offset += p.size * 4;
        s.initializer.fill(p.valuePtr, p.size, { k, state: this.rngStates, fanIn: s.fanIn, fanOut: s.fanOut });
        if (s.regularizer) this.penalties.push({ p, r: s.regularizer });
        this.params.push(p);
        return p;
      });
      layers[i].bindParams(ps);
    });
    k.fill_f32(this.gradRegion, this.paramCount, 0);
    this.ctx = { k, rows: 0, training: false, dropoutState: this.rngStates + 32 };
    this.lossCtx = { k, f32: (ptr, n) => arena.f32(ptr, n), value: new Float64Array(1) };
  }

  /** The three PRNG states (init, shuffle, dropout) as 12 unsigned 32-bit words, for save(). */
  exportRng(): number[] {
    return Array.from(this.rt.arena.u32(this.rngStates, 12));
  }

  /** Restores exportRng() output, so a loaded model continues the same random streams. */
  importRng(words: readonly number[]): void {
    if (!Array.isArray(words) || words.length !== 12 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('wasmnn: the PRNG state must be 12 unsigned 32-bit integers');
    }
    this.rt.arena.u32(this.rngStates, 12).set(words);
  }

  /** The compiled loss's config ({ name, ...options }). */
  get lossConfig(): Record<string, unknown> | undefined {
    return this.loss?.getConfig();
  }

  /** The compiled metric names. */
  get metrics(): readonly MetricName[] {
    return this.metricNames;
  }

  /** The topology (JSON) and one float32 buffer of weights; with includeOptimizer, what resuming training needs. */
  save(options: { includeOptimizer?: boolean } = {}): SavedModel {
    return saveModel(this, options);
  }

  /** Rebuilds a model from save(); refuses a damaged or foreign file with an error that says what is wrong. */
  static load(saved: SavedModel): Sequential {
    return loadModel(saved);
  }

  /** The optimizer given to compile(), if compiled. */
  get optimizer(): Optimizer | undefined {
    return this.optimizerRef;
  }

  /** The trainable parameters, in getWeights() order (kernel then bias, layer by layer). */
  parameters(): readonly Parameter[] {
    return this.params;
  }

  countParams(): number {
    return this.paramCount;
  }

  compile(options: CompileOptions): void {
    if (!options || options.loss === undefined) throw new TypeError('wasmnn: compile needs a loss');
    if (!options.optimizer || typeof options.optimizer.step !== 'function') throw new TypeError('wasmnn: compile needs an optimizer, e.g. optimizers.sgd({ lr: 0.1 })');
    const loss = resolveLoss(options.loss);
    const lastAct = (this.layers[this.layers.length - 1] as { activation?: { name: string } }).activation?.name;
    if ((loss.name === 'softmaxCrossEntropy' && lastAct === 'softmax') || (loss.name === 'bceWithLogits' && lastAct === 'sigmoid')) {
      throw new RangeError(
        `wasmnn: loss '${loss.name}' takes raw scores (logits) but the last layer applies '${lastAct}': remove the activation, or use ${loss.name === 'bceWithLogits' ? "'bce'" : 'a loss on probabilities'}`,
      );
    }
    for (const m of options.metrics ?? []) {
      if (!METRIC_NAMES.includes(m)) throw new RangeError(`wasmnn: unknown metric '${m}'; known: ${METRIC_NAMES.join(', ')}`);
    }
    this.loss = loss;
    this.indexLoss = loss.name === 'softmaxCrossEntropy' ? softmaxCrossEntropyIndex() : undefined;
    this.metricNames = [...(options.metrics ?? [])];
    this.optimizerRef?.dispose();
    this.optimizerRef = options.optimizer;
    this.optimizerRef.attach(this.params);
    this.plan(checkBatchSize(options.batchSize ?? 32));
  }

  /** Plans activation memory for up to `rows` rows per step (frees the previous plan). */
  private plan(rows: number): void {
    const { arena } = this.rt;
    this.releasePlan();
    const before = arena.bytesInUse;
    for (const l of this.layers) l.plan(arena, rows);
    this.inputBuf = arena.alloc(rows * this.inputUnits * 4);
    this.targetBuf = arena.alloc(rows * this.outputUnits * 4);
    this.planBytes = arena.bytesInUse - before;
    this.maxRows = rows;
  }

  private releasePlan(): void {
    if (this.maxRows === 0) return;
    const { arena } = this.rt;
    for (const l of this.layers) l.release(arena);
    arena.release(this.inputBuf);
    arena.release(this.targetBuf);
    this.maxRows = 0;
  }

  private ensurePlan(rows: number): void {
    if (rows > this.maxRows) this.plan(rows);
  }

  /** Frees every block this model holds in wasm memory; the model is unusable afterwards. */
  dispose(): void {
    const { arena } = this.rt;
    this.releasePlan();
    for (const l of this.layers) l.dispose?.(arena);
    this.optimizerRef?.dispose();
    arena.release(this.paramRegion);
    arena.release(this.gradRegion);
    arena.release(this.rngStates);
  }

  // An assertion, not a getter: returning { loss, optimizer } allocated on every training step.
  private requireCompiled(what: string): void {
    if (!this.loss || !this.optimizerRef) throw new Error(`wasmnn: call model.compile({ loss, optimizer }) before ${what}`);
  }

  // ---- data ------------------------------------------------------------------

  /** Validates x (and y) against the model and decides how targets are stored. */
  private checkData(xIn: MatrixLike, yIn?: MatrixLike): { x: Matrix; y?: Matrix; index: boolean } {
    const x = Matrix.from(xIn, 'x');
    if (yIn === undefined) {
      this.checkShapes(x.rows, x.cols);
      return { x, index: false };
    }
    const y = Matrix.from(yIn, 'y');
    return { x, y, index: this.checkShapes(x.rows, x.cols, y.data, y.rows, y.cols) };
  }

  // The shape checks of every entry point; true when y holds class indices (one column into a
  // softmax cross-entropy over several outputs), which are checked here too.
  private checkShapes(xRows: number, xCols: number, y?: ArrayLike<number>, yRows = 0, yCols = 0): boolean {
    if (xCols !== this.inputUnits) throw new RangeError(`wasmnn: x has ${xCols} columns but the model takes ${this.inputUnits} inputs (inputDim)`);
    if (y === undefined) return false;
    if (yRows !== xRows) throw new RangeError(`wasmnn: x has ${xRows} rows but y has ${yRows}`);
    const index = this.loss?.name === 'softmaxCrossEntropy' && yCols === 1 && this.outputUnits > 1;
    if (index) {
      for (let r = 0; r < yRows; r++) {
        const v = y[r];
        if (!Number.isInteger(v) || v < 0 || v >= this.outputUnits) {
          throw new RangeError(`wasmnn: y row ${r}: label ${v} is not a class index in [0, ${this.outputUnits - 1}]`);
        }
      }
    } else if (yCols !== this.outputUnits) {
      throw new RangeError(`wasmnn: y has ${yCols} columns but the model outputs ${this.outputUnits}`);
    }
    return index;
  }

  // trainOnBatch's operands without allocating: a Matrix, or { data: Float32Array, shape }, is
  // read in place (rows and columns left in batchRows/batchCols); other forms go through Matrix.from.
  // NaN and infinity are the caller's to check (in wasm, after copying).
  private batchRows = 0;
  private batchCols = 0;
  private batchData(v: MatrixLike, name: string): Float32Array {
    // A Matrix is shaped too, but its `shape` getter builds an array: take its fields instead.
    if (!(v instanceof Matrix) && Matrix.isShaped(v) && v.data instanceof Float32Array) {
      Matrix.checkShaped(v, name);
      this.batchRows = v.shape[0];
      this.batchCols = v.shape[1] ?? 1;
      return v.data;
    }
    const m = v instanceof Matrix ? v : Matrix.from(v, name, false);
    this.batchRows = m.rows;
    this.batchCols = m.cols;
    return m.data;
  }

  private makeResident(x: Matrix, y: Matrix | undefined, index: boolean): Resident {
    const { arena } = this.rt;
    const xp = arena.alloc(x.data.length * 4);
    const yp = y ? arena.alloc(y.data.length * 4) : 0;
    arena.f32(xp, x.data.length).set(x.data);
    if (y) {
      if (index) arena.i32(yp, y.data.length).set(y.data);
      else arena.f32(yp, y.data.length).set(y.data);
    }
    return {
      x: xp,
      y: yp,
      rows: x.rows,
      release: () => {
        arena.release(xp);
        if (yp) arena.release(yp);
      },
    };
  }

  private refreshHeap(): void {
    const buf = this.rt.arena.memory.buffer;
    if (this.heapF?.buffer !== buf) {
      this.heapF = new Float32Array(buf);
      this.heapI = new Int32Array(buf);
    }
  }

  // ---- the step --------------------------------------------------------------

  private forward(input: number, rows: number, training: boolean): number {
    const ctx = this.ctx;
    ctx.rows = rows;
    ctx.training = training;
    let p = input;
    for (let i = 0; i < this.layers.length; i++) {
      this.layers[i].forward(ctx, p);
      p = this.layers[i].output;
    }
    return p;
  }

  // The step's loss goes to a field rather than a return value: a double returned from a call
  // that is not inlined is boxed (16 bytes of garbage per step); a double field is updated in place.
  private stepLoss = 0.5;
  private readonly lossSum = new Float64Array(1);

  /** Forward, loss and backward for `rows` rows at x/y, the loss into stepLoss; parameter gradients are overwritten. */
  private lossAndBackward(loss: Loss, x: number, y: number, rows: number): void {
    const out = this.forward(x, rows, true);
    const last = this.layers[this.layers.length - 1];
    loss.compute(this.lossCtx, last.gradOutput, out, y, rows, this.outputUnits);
    for (let i = this.layers.length - 1; i >= 0; i--) {
      this.layers[i].backward(this.ctx, i > 0 ? this.layers[i - 1].gradOutput : 0);
    }
    // Every weight penalty's gradient, and the summed penalty (part of the reported loss).
    const penalty = this.penaltySum;
    penalty[0] = 0;
    for (let i = 0; i < this.penalties.length; i++) {
      const { p, r } = this.penalties[i];
      r.apply(this.rt.kernels, p.gradPtr, p.valuePtr, p.size, penalty);
    }
    this.stepLoss = this.lossCtx.value[0] + penalty[0];
  }

  private readonly penaltySum = new Float64Array(1);

  private readonly lossCtx: LossContext;

  private lossFor(index: boolean): Loss {
    this.requireCompiled('training');
    const loss = this.loss as Loss;
    return index ? (this.indexLoss as Loss) : loss;
  }

  // ---- public training API ----------------------------------------------------

  /**
   * Trains for `epochs` passes over the data. Returns the per-epoch history.
   * Throws a TrainingError (leaving the weights of the last good step) if the loss becomes NaN or infinite.
   */
  async fit(xIn: MatrixLike, yIn: MatrixLike, options: FitOptions = {}): Promise<History> {
    this.requireCompiled('fit');
    const optimizer = this.optimizerRef as Optimizer;
    const epochs = options.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`wasmnn: epochs must be a non-negative integer, got ${epochs}`);
    const { x, y, index } = this.checkData(xIn, yIn);
    const n = x.rows;
    const batch = Math.min(checkBatchSize(options.batchSize ?? 32), n);
    const shuffle = options.shuffle ?? true;
    const perBatch = options.scheduleUnit === 'batch';
    let val: { x: Matrix; y: Matrix; index: boolean } | undefined;
    if (options.validationData) {
      const [vx, vy] = options.validationData;
      const c = this.checkData(vx, vy);
      val = { x: c.x, y: c.y as Matrix, index: c.index };
    }

    this.ensurePlan(batch);
    const { arena, kernels: k } = this.rt;
    const data = this.makeResident(x, y, index);
    const valData = val ? this.makeResident(val.x, val.y, val.index) : undefined;
    const idx = shuffle ? arena.alloc(n * 4) : 0;
    if (idx) {
      const view = arena.i32(idx, n);
      for (let i = 0; i < n; i++) view[i] = i;
    }
    const loss = this.lossFor(index);
    const metrics = this.metricNames.map((m) => makeMetric(m, this.binaryThreshold()));
    const history: History = { epoch: [], loss: [] };
    for (const m of metrics) history[m.name] = [];
    if (val) {
      history.valLoss = [];
      for (const m of metrics) history[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = [];
    }
    const inCols = this.inputUnits;
    const tCols = index ? 1 : this.outputUnits;
    const shuffleState = this.rngStates + 16;
    let lastYield = Date.now();
    const cbs = options.callbacks ?? [];
    for (const cb of cbs) cb.onTrainBegin?.(this);

    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (!perBatch) optimizer.scheduleStep = epoch;
        for (const cb of cbs) cb.onEpochBegin?.(epoch, this);
        if (idx) k.shuffle_i32(idx, n, shuffleState);
        for (const m of metrics) m.reset();
        // The epoch's loss sum in a typed array: a double local that the optimised loop keeps
        // tagged is boxed anew on every `+=` (16 bytes a step).
        const lossSum = this.lossSum;
        lossSum[0] = 0;
        for (let start = 0, b = 0; start < n; start += batch, b++) {
          const rows = Math.min(batch, n - start);
          let xp: number;
          let yp: number;
          if (idx) {
            k.gather_rows_f32(this.inputBuf, data.x, idx + start * 4, rows, inCols);
            if (index) k.gather_i32(this.targetBuf, data.y, idx + start * 4, rows);
            else k.gather_rows_f32(this.targetBuf, data.y, idx + start * 4, rows, tCols);
            xp = this.inputBuf;
            yp = this.targetBuf;
          } else {
            xp = data.x + start * inCols * 4;
            yp = data.y + start * tCols * 4;
          }
          this.lossAndBackward(loss, xp, yp, rows);
          const value = this.stepLoss;
          if (!Number.isFinite(value)) {
            throw new TrainingError(
              `wasmnn: the loss became ${value} at epoch ${epoch}, batch ${b} (weights are left as they were before this step); lower the learning rate or check the data and loss`,
            );
          }
          if (metrics.length) {
            this.refreshHeap();
            const out = this.layers[this.layers.length - 1].output >> 2;
            // Indexed loops in the step: no iterator objects per batch.
            for (let mi = 0; mi < metrics.length; mi++) metrics[mi].add(this.heapF, this.heapI, out, yp >> 2, rows, this.outputUnits, index);
          }
          if (perBatch) optimizer.scheduleStep = epoch * Math.ceil(n / batch) + b;
          optimizer.step();
          lossSum[0] += value * rows;
        }
        const logs: EpochLogs = { loss: lossSum[0] / n };
        for (const m of metrics) logs[m.name] = m.result();
        if (valData && val) {
          const v = this.evaluateResident(valData, val.index, metrics);
          logs.valLoss = v.loss;
          for (const m of metrics) logs[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = v[m.name];
        }
        // A plateau schedule reacts to the monitored metric: validation loss if there is one.
        const lr = optimizer.lr as { observe?: (m: number) => number };
        if (typeof lr === 'object' && typeof lr.observe === 'function') lr.observe(logs.valLoss ?? logs.loss);
        history.epoch.push(epoch);
        for (const key of Object.keys(logs)) history[key].push(logs[key]);
        let stop = false;
        for (const cb of cbs) if (cb.onEpochEnd?.(epoch, logs, this) === false) stop = true;
        if (options.onEpochEnd && (await options.onEpochEnd(epoch, logs)) === false) stop = true;
        if (stop) break;
        if (Date.now() - lastYield > 100) {
          // Let timers, I/O and the UI run during long fits.
          await new Promise((r) => setTimeout(r, 0));
          lastYield = Date.now();
        }
      }
    } finally {
      data.release();
      valData?.release();
      if (idx) arena.release(idx);
    }
    for (const cb of cbs) cb.onTrainEnd?.(this);
    return history;
  }

  /** One optimisation step on exactly these rows. Returns the batch's loss. */
  trainOnBatch(xIn: MatrixLike, yIn: MatrixLike): number {
    // Small enough for V8 to inline into the caller's loop, so the returned double need not be
    // boxed there (a double returned from a call that is not inlined is 16 bytes of garbage).
    this.trainStep(xIn, yIn);
    return this.stepLoss;
  }

  private trainStep(xIn: MatrixLike, yIn: MatrixLike): void {
    this.requireCompiled('trainOnBatch');
    const optimizer = this.optimizerRef as Optimizer;
    const xd = this.batchData(xIn, 'x');
    const rows = this.batchRows, cols = this.batchCols;
    const yd = this.batchData(yIn, 'y');
    const index = this.checkShapes(rows, cols, yd, this.batchRows, this.batchCols);
    this.ensurePlan(rows);
    // Through the cached heap views: no typed-array view is created per batch.
    this.refreshHeap();
    this.heapF.set(xd, this.inputBuf >> 2);
    // NaN/infinity scans in wasm (SIMD); the JS scan only runs to name the bad value.
    const k = this.rt.kernels;
    if (k.count_non_finite_f32(this.inputBuf, xd.length) > 0) Matrix.assertFinite(new Matrix(xd, rows, cols), 'x');
    if (index) for (let i = 0; i < yd.length; i++) this.heapI[(this.targetBuf >> 2) + i] = yd[i];
    else {
      this.heapF.set(yd, this.targetBuf >> 2);
      if (k.count_non_finite_f32(this.targetBuf, yd.length) > 0) Matrix.assertFinite(new Matrix(yd, rows, yd.length / rows), 'y');
    }
    this.lossAndBackward(this.lossFor(index), this.inputBuf, this.targetBuf, rows);
    const value = this.stepLoss;
    if (!Number.isFinite(value)) throw new TrainingError(`wasmnn: the loss became ${value} (weights left unchanged)`);
    optimizer.step();
  }

  /** The mean loss of the batch and the gradient of every parameter (getWeights() order), without updating. */
  lossAndGradients(xIn: MatrixLike, yIn: MatrixLike): { loss: number; grads: Float32Array[] } {
    this.requireCompiled('lossAndGradients');
    const { x, y, index } = this.checkData(xIn, yIn);
    this.ensurePlan(x.rows);
    const data = this.makeResident(x, y, index);
    try {
      this.lossAndBackward(this.lossFor(index), data.x, data.y, x.rows);
      const loss = this.stepLoss;
      return { loss, grads: this.params.map((p) => p.grad.slice()) };
    } finally {
      data.release();
    }
  }

  private evaluateResident(data: Resident, index: boolean, metrics: MetricAccumulator[]): EpochLogs {
    const loss = this.lossFor(index);
    const { kernels: k } = this.rt;
    for (const m of metrics) m.reset();
    const tCols = index ? 1 : this.outputUnits;
    let sum = 0;
    for (let start = 0; start < data.rows; start += this.maxRows) {
      const rows = Math.min(this.maxRows, data.rows - start);
      const yp = data.y + start * tCols * 4;
      const out = this.forward(data.x + start * this.inputUnits * 4, rows, false);
      loss.compute(this.lossCtx, 0, out, yp, rows, this.outputUnits);
      sum += this.lossCtx.value[0] * rows;
      if (metrics.length) {
        this.refreshHeap();
        for (const m of metrics) m.add(this.heapF, this.heapI, out >> 2, yp >> 2, rows, this.outputUnits, index);
      }
    }
    // As Keras: the reported loss includes the weight penalties.
    let penalty = 0;
    for (const { p, r } of this.penalties) penalty += r.value(k, p.valuePtr, p.size);
    const logs: EpochLogs = { loss: sum / data.rows + penalty };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  /** The mean loss and each compiled metric over x, y (evaluation mode: no dropout, running statistics). */
  evaluate(xIn: MatrixLike, yIn: MatrixLike): EpochLogs {
    this.requireCompiled('evaluate');
    const { x, y, index } = this.checkData(xIn, yIn);
    if (this.maxRows === 0) this.plan(32);
    const data = this.makeResident(x, y, index);
    try {
      return this.evaluateResident(data, index, this.metricNames.map((m) => makeMetric(m, this.binaryThreshold())));
    } finally {
      data.release();
    }
  }

  /** The model's outputs for x (evaluation mode), one row per input row. */
  predict(xIn: MatrixLike): Matrix {
    const { x } = this.checkData(xIn);
    if (this.maxRows === 0) this.plan(Math.min(Math.max(x.rows, 1), 1024));
    const data = this.makeResident(x, undefined, false);
    const out = new Float32Array(x.rows * this.outputUnits);
    try {
      for (let start = 0; start < x.rows; start += this.maxRows) {
        const rows = Math.min(this.maxRows, x.rows - start);
        const p = this.forward(data.x + start * this.inputUnits * 4, rows, false);
        out.set(this.rt.arena.f32(p, rows * this.outputUnits), start * this.outputUnits);
      }
    } finally {
      data.release();
    }
    return new Matrix(out, x.rows, this.outputUnits);
  }

  /** Binary decisions are made at 0 on logits (bceWithLogits) and at 0.5 otherwise. */
  private binaryThreshold(): number {
    return this.loss?.name === 'bceWithLogits' ? 0 : 0.5;
  }

  // ---- weights ------------------------------------------------------------------

  /** Copies of every parameter, kernel then bias per layer (W is [in, out]). */
  getWeights(): Float32Array[] {
    return this.params.map((p) => p.value.slice());
  }

  /** Sets every parameter; W as nested [in][out] arrays or flat, biases as arrays. Validates all before writing any. */
  setWeights(weights: readonly ArrayLike<unknown>[]): void {
    if (!Array.isArray(weights) || weights.length !== this.params.length) {
      throw new RangeError(`wasmnn: setWeights needs ${this.params.length} arrays (${this.params.map((p) => p.name).join(', ')}), got ${weights?.length}`);
    }
    const flat = weights.map((w, i) => {
      const p = this.params[i];
      const f = flatten(w, p.name);
      if (f.length !== p.size) throw new RangeError(`wasmnn: setWeights: ${p.name} has shape [${p.shape}] (${p.size} values), got ${f.length}`);
      for (let j = 0; j < f.length; j++) {
        if (!Number.isFinite(f[j])) throw new RangeError(`wasmnn: setWeights: ${p.name} has ${f[j]} at index ${j}`);
      }
      return f;
    });
    flat.forEach((f, i) => this.params[i].value.set(f));
  }

  /** A table of the layers: output shape, parameters, multiply-accumulates. Printed, and returned. */
  summary(print = true): string {
    const text = summarize(this, this.maxRows);
    if (print) console.log(text);
    return text;
  }
}

function checkBatchSize(b: number): number {
  if (!Number.isInteger(b) || b <= 0) throw new RangeError(`wasmnn: batchSize must be a positive integer, got ${b}`);
  return b;
}

function flatten(w: unknown, name: string): ArrayLike<number> {
  if (w instanceof Float32Array || w instanceof Float64Array) return w;
  if (!Array.isArray(w)) throw new TypeError(`wasmnn: setWeights: ${name} must be an array or Float32Array`);
  if (w.length > 0 && Array.isArray(w[0])) {
    const cols = (w[0] as unknown[]).length;
    const out: number[] = [];
    w.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== cols) throw new RangeError(`wasmnn: setWeights: ${name} row ${r} has ${(row as unknown[])?.length} values, row 0 has ${cols}`);
      out.push(...(row as number[]));
    });
    return out;
  }
  return w as number[];
}
