// The checks of every entry point's data against the model: x as one matrix per model input with
// the columns each takes, y with as many rows and the columns (or class indices) the output and the
// loss need, its values possible for the loss and the metrics, and fit's class weights.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import { collect, type SymbolicTensor } from '../graph/symbolic.js';
import { checkSample } from '../graph/feed.js';
import type { Compilation } from './compiled.js';

export class DataChecks {
  /** What the data being checked is called in messages: '' for x and y, 'validationData ' for fit's validation set. */
  label = '';
  // checkShapes for one input without building a list (trainOnBatch allocates nothing).
  private readonly one: { rows: number; cols: number; dims: readonly number[] | undefined }[] = [{ rows: 0, cols: 0, dims: undefined }];

  // Per int32 input, the smallest index range an op reading it takes (gather's table rows, oneHot's
  // depth) and who says so; found in the lowered graph on first use.
  private limits: ({ size: number; who: string; what: string } | undefined)[] | undefined;

  constructor(private readonly inputs: readonly SymbolicTensor[], private readonly compiled: Compilation) {}

  private limitOf(i: number): { size: number; who: string; what: string } | undefined {
    if (!this.limits) {
      this.limits = this.inputs.map(() => undefined);
      for (const e of collect(this.compiled.lowered)) {
        const at = e.op.name === 'gather' ? 1 : e.op.name === 'oneHot' ? 0 : -1;
        const j = at < 0 ? -1 : this.inputs.indexOf(e.inputs[at]);
        if (j < 0) continue;
        const size = at === 1 ? e.inputs[0].shape[0] : (e.attrs.depth as number), who = at === 1 ? (e.attrs.who as string) : 'oneHot';
        if (!this.limits[j] || size < this.limits[j]!.size) this.limits[j] = { size, who, what: at === 1 ? 'the vocabulary size' : 'the depth' };
      }
    }
    return this.limits[i];
  }

  /** fit, evaluate, trainOnBatch and lossAndGradients need targets. */
  requireTargets(y: unknown, what: string): void {
    if (y === undefined || y === null) throw new TypeError(`wasmnn: ${what}(x, y) needs the targets y (without them it would train toward zero)`);
  }

  /** x as one matrix per model input. */
  inputList(xIn: MatrixLike | readonly MatrixLike[], what: string): MatrixLike[] {
    if (this.inputs.length === 1) return [xIn as MatrixLike];
    if (!Array.isArray(xIn) || xIn.length !== this.inputs.length || !xIn.every((v) => v !== null && typeof v === 'object' && (Array.isArray(v) || ArrayBuffer.isView(v) || 'data' in v || v instanceof Matrix))) {
      throw new RangeError(`wasmnn: this model has ${this.inputs.length} inputs: pass ${what} as a list of ${this.inputs.length} matrices`);
    }
    return xIn as MatrixLike[];
  }

  /** Validates x (and y) against the model and decides how targets are stored. */
  checkData(xIn: MatrixLike | readonly MatrixLike[], yIn?: MatrixLike): { x: Matrix[]; y?: Matrix; index: boolean } {
    const x = this.inputList(xIn, 'x').map((v, i) => Matrix.from(v, this.inputs.length === 1 ? `${this.label}x` : `${this.label}x[${i}]`));
    x.forEach((m, i) => {
      if (this.inputs[i].dtype !== 'int32') return;
      const name = `${this.label}${this.inputs.length === 1 ? 'x' : `x[${i}]`}`;
      const bad = m.data.findIndex((v) => !Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31);
      if (bad >= 0) throw new RangeError(`wasmnn: ${name} row ${Math.floor(bad / m.cols)}: ${m.data[bad]} is not an int32 id (the model's input is int32 ids)`);
      // Here, before fit shuffles, so that the position is the user's row and column.
      const limit = this.limitOf(i);
      const out = limit ? m.data.findIndex((v) => v < 0 || v >= limit.size) : -1;
      if (out >= 0) throw new RangeError(`wasmnn: ${limit!.who}: index ${m.data[out]} at ${name} row ${Math.floor(out / m.cols)}, column ${out % m.cols} is outside [0, ${limit!.size}) (${limit!.what} is ${limit!.size})`);
    });
    if (yIn === undefined) {
      this.checkShapes(x);
      return { x, index: false };
    }
    const y = Matrix.from(yIn, `${this.label}y`);
    return { x, y, index: this.checkShapes(x, y.data, y.rows, y.cols) };
  }

  /** checkShapes for one input of rows x cols (no target scan: trainOnBatch scans in wasm). */
  checkShapes1(rows: number, cols: number, dims: readonly number[] | undefined, y: ArrayLike<number>, yRows: number, yCols: number): boolean {
    this.one[0].rows = rows;
    this.one[0].cols = cols;
    this.one[0].dims = dims;
    return this.checkShapes(this.one, y, yRows, yCols, false);
  }

  // The shape checks of every entry point; true when y holds class indices (one column into a
  // softmax cross-entropy over several outputs), which are checked here too.
  // `scan`: also check the target values against the loss and the metrics (trainOnBatch scans in
  // wasm instead, after copying, and comes back here only to name a bad value).
  private checkShapes(x: readonly { rows: number; cols: number; dims: readonly number[] | undefined }[], y?: ArrayLike<number>, yRows = 0, yCols = 0, scan = true): boolean {
    for (let i = 0; i < x.length; i++) {
      const m = x[i], want = this.inputs[i].cols;
      if (m.dims || this.inputs[i].rank > 2) checkSample(`${this.label}${this.inputs.length === 1 ? 'x' : `x[${i}]`}`, m.dims, m.rows, m.cols, this.inputs[i], 'the model');
      if (m.cols !== want) throw new RangeError(`wasmnn: ${this.label}${this.inputs.length === 1 ? 'x' : `x[${i}]`} has ${m.cols} columns but the model takes ${want} inputs${this.inputs.length === 1 ? ' (inputDim)' : ' there'}`);
      if (m.rows !== x[0].rows) throw new RangeError(`wasmnn: ${this.label}x[${i}] has ${m.rows} rows but x[0] has ${x[0].rows}`);
    }
    if (y === undefined) return false;
    const xRows = x[0].rows;
    if (yRows !== xRows) throw new RangeError(`wasmnn: ${this.label}x has ${xRows} rows but y has ${yRows}`);
    const units = this.compiled.outputUnits, classes = this.compiled.classes, positions = this.compiled.positions;
    // Class indices: one column under [batch, classes], one per position under [batch, t, classes].
    const index = this.compiled.lossName === 'softmaxCrossEntropy' && yCols === positions && classes > 1;
    if (index) {
      for (let i = 0; i < yRows * yCols; i++) {
        const v = y[i];
        if (!Number.isInteger(v) || v < 0 || v >= classes) {
          throw new RangeError(`wasmnn: ${this.label}y row ${Math.floor(i / yCols)}${positions > 1 ? ` position ${i % yCols}` : ''}: label ${v} is not a class index in [0, ${classes - 1}]`);
        }
      }
    } else if (yCols !== units) {
      throw new RangeError(`wasmnn: ${this.label}y has ${yCols} columns but the model outputs ${units}`);
    }
    if (scan) this.checkTargetValues(y, yRows, yCols, index);
    return index;
  }

  checkTargetValues(y: ArrayLike<number>, yRows: number, yCols: number, index: boolean): void {
    const lossName = this.compiled.lossName;
    if (!index && this.compiled.probabilityTargets) {
      // Probabilities: binary targets or soft labels in [0, 1] (PyTorch's rule for BCE; one-hot or
      // soft rows for cross-entropy). Anything else trains toward a meaningless optimum.
      const n = yRows * yCols;
      for (let i = 0; i < n; i++) {
        const v = y[i];
        if (!(v >= 0 && v <= 1)) throw new RangeError(`wasmnn: ${this.label}y row ${Math.floor(i / yCols)}: ${v} is not a probability in [0, 1], as ${lossName} targets must be${lossName === 'softmaxCrossEntropy' ? ' (or give one column of class indices)' : ''}`);
      }
    }
    if (yCols === 1 && !index && this.compiled.accuracy) {
      // Binary accuracy compares 0/1 classes: on continuous targets (a regression) it means nothing.
      for (let r = 0; r < yRows; r++) {
        const v = y[r];
        if (v !== 0 && v !== 1) throw new RangeError(`wasmnn: ${this.label}y row ${r}: ${v} is not a class (0 or 1), which the metric 'accuracy' counts; for a regression use the metrics 'mse' or 'mae'`);
      }
    }
  }

  /** Each row's weight from its class (classWeight): index labels, one-hot rows or 0/1 targets. */
  classWeights(spec: Record<number, number> | readonly number[], y: Matrix, index: boolean): Float32Array {
    const name = this.compiled.lossName;
    if (name !== 'bce' && name !== 'bceWithLogits' && name !== 'softmaxCrossEntropy') {
      throw new RangeError(`wasmnn: fit: classWeight weighs the classes of a classification loss (bce, bceWithLogits, softmaxCrossEntropy), not ${name ?? 'a custom loss'}`);
    }
    if (spec === null || typeof spec !== 'object') throw new TypeError('wasmnn: fit: classWeight maps class indices to weights: { 0: 1, 1: 5 } or [1, 5]');
    const units = this.compiled.outputUnits;
    const classes = units === 1 ? 2 : units;
    const table = new Float64Array(classes).fill(1);
    for (const [key, w] of Object.entries(spec)) {
      const c = Number(key);
      if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`wasmnn: fit: classWeight has class ${JSON.stringify(key)}, not a class index in [0, ${classes - 1}]`);
      if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw new RangeError(`wasmnn: fit: classWeight for class ${c} must be a finite number >= 0, got ${JSON.stringify(w)}`);
      table[c] = w;
    }
    const out = new Float32Array(y.rows);
    for (let r = 0; r < y.rows; r++) {
      let c: number;
      if (index || y.cols === 1) {
        c = y.data[r];
        if (c !== Math.floor(c)) throw new RangeError(`wasmnn: fit: classWeight needs a class per row; y row ${r} is ${c}`);
      } else {
        c = 0;
        for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j] > y.data[r * y.cols + c]) c = j;
      }
      out[r] = table[c];
    }
    return out;
  }
}
