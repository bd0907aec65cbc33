// One training step: the train program (forward, loss, backward) run on bound inputs, the weight
// penalties' gradients added, the loss read and the gradient scanned for NaN/infinity before any
// update; trainOnBatch's copy of a batch into the program's own inputs, allocating nothing.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import { Feed } from '../graph/feed.js';
import { TrainingError } from './types.js';
import type { Compiled } from './compiled.js';
import { makeResident } from './resident.js';
import type { Rooms } from './rooms.js';

export class TrainStep {
  // The step's loss goes to a field rather than a return value: a double returned from a call
  // that is not inlined is boxed (16 bytes of garbage per step); a double field is updated in place.
  loss = 0.5;
  bad = false;
  private readonly penaltySum = new Float64Array(1);
  private readonly lossValue = new Float64Array(1);
  // trainOnBatch's operands, read without allocating (src/graph/feed.ts).
  private feed: Feed | undefined;

  constructor(private readonly r: Rooms) {}

  /** Runs the train program (forward, loss, backward) on its bound inputs, the loss into `loss`; parameter gradients are overwritten. */
  run(p: Compiled, rows: number): void {
    p.prog.exec(rows);
    // Every weight penalty's gradient, and the summed penalty (part of the reported loss).
    const penalty = this.penaltySum;
    penalty[0] = 0;
    const penalties = this.r.weights.penalties;
    for (let i = 0; i < penalties.length; i++) {
      const { p: w, r } = penalties[i];
      r.apply(this.r.rt.kernels, w.gradPtr, w.valuePtr, w.size, penalty);
    }
    p.prog.scalarInto(p.loss!, this.lossValue, 0);
    this.loss = this.lossValue[0] + penalty[0];
    // Before the update, not after it: a non-finite loss or gradient stops training with the
    // weights as they were (one SIMD scan of the gradient region, a fraction of a percent of a step).
    this.bad = !Number.isFinite(this.loss) || this.r.rt.kernels.count_non_finite_f32(this.r.weights.gradRegion, this.r.weights.paramCount) > 0;
  }

  /** The TrainingError for a step whose loss or gradient is not finite (built only then). */
  error(where: string): TrainingError {
    const v = this.loss;
    const weightsBad = this.r.rt.kernels.count_non_finite_f32(this.r.weights.paramRegion, this.r.weights.paramCount) > 0;
    const what = Number.isFinite(v) ? `the gradient became non-finite (the loss was ${v})` : `the loss became ${v}`;
    const state = weightsBad
      ? 'the weights were already non-finite, from an earlier update (too large a learning rate?)'
      : 'the weights are left as they were before this step';
    return new TrainingError(`wasmnn: ${what}${where}; ${state}. Lower the learning rate, or check the data and the loss`);
  }

  /** trainOnBatch: one optimisation step on exactly these rows, the loss into `loss`. */
  step(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): void {
    const compiled = this.r.compiled, checks = this.r.checks;
    compiled.requireCompiled('trainOnBatch');
    checks.requireTargets(yIn, 'trainOnBatch');
    const optimizer = compiled.optimizer!;
    const k = this.r.rt.kernels;
    if (this.r.inputs.length !== 1) {
      this.runData(checks.inputList(xIn, 'x'), yIn);
      if (this.bad) throw this.error('');
      optimizer.step();
      return;
    }
    const feed = (this.feed ??= new Feed(this.r.rt));
    const xd = feed.read(xIn as MatrixLike, 'x');
    const rows = feed.rows, cols = feed.cols, dims = feed.dims;
    const yd = feed.read(yIn, 'y');
    const yRows = feed.rows, yCols = feed.cols;
    const index = checks.checkShapes1(rows, cols, dims, yd, yRows, yCols);
    if (rows > compiled.maxRows) compiled.maxRows = rows;
    const p = compiled.program('train', index);
    const prog = p.prog, x = this.r.inputs[0], target = p.target!;
    // Through the cached heap views: no typed-array view is created per batch.
    const heap = this.r.heap;
    heap.refresh();
    const xp = prog.ptr(x), tp = prog.ptr(target);
    if (x.dtype === 'int32') writeIds(heap.i32, xp >>> 2, xd, cols);
    else {
      heap.f32.set(xd, xp >>> 2);
      // NaN/infinity scans in wasm (SIMD); the JS scan only runs to name the bad value.
      if (k.count_non_finite_f32(xp, xd.length) > 0) Matrix.assertFinite(new Matrix(xd as Float32Array, rows, cols), 'x');
    }
    if (index) for (let i = 0; i < yd.length; i++) heap.i32[(tp >>> 2) + i] = yd[i];
    else {
      heap.f32.set(yd, tp >>> 2);
      if (k.count_non_finite_f32(tp, yd.length) > 0) Matrix.assertFinite(new Matrix(yd as Float32Array, rows, yd.length / rows), 'y');
      if (compiled.probabilityTargets && k.count_outside_f32(tp, yd.length, 0, 1) > 0) checks.checkTargetValues(yd, yRows, yCols, index);
    }
    this.run(p, rows);
    if (this.bad) throw this.error('');
    optimizer.step();
  }

  /** Checks x and y, copies them in, and runs the train program once over all their rows (no update). */
  runData(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): void {
    const { x, y, index } = this.r.checks.checkData(xIn, yIn);
    const rows = x[0].rows;
    if (rows > this.r.compiled.maxRows) this.r.compiled.maxRows = rows;
    const p = this.r.compiled.program('train', index);
    const data = makeResident(this.r.rt, x, y, index, this.r.inputs);
    try {
      this.r.inputs.forEach((t, i) => p.prog.bind(t, data.x[i]));
      p.prog.bind(p.target!, data.y);
      this.run(p, rows);
    } finally {
      for (const t of this.r.inputs) p.prog.unbind(t);
      p.prog.unbind(p.target!);
      data.release();
    }
  }
}

/** int32 ids into the heap, each checked to be a whole number in int32's range (the vocabulary is the gather's check). */
function writeIds(heap: Int32Array, at: number, values: Float32Array | Int32Array, cols: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new RangeError(`wasmnn: x row ${Math.floor(i / cols)}: ${v} is not an int32 id (the model's input is int32 ids)`);
    heap[at + i] = v;
  }
}
