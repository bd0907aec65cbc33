// Evaluation and prediction: the eval and predict programs (no dropout, batch norm's running
// statistics) run over resident data in chunks of the planned rows.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import { BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { type MetricAccumulator, makeMetric } from '../metrics/index.js';
import type { EpochLogs } from '../callbacks/index.js';
import { makeResident, type Resident } from './resident.js';
import type { Rooms } from './rooms.js';

export class Inference {
  constructor(private readonly r: Rooms) {}

  /** The compiled metrics, each a fresh accumulator. */
  metrics(): MetricAccumulator[] {
    return this.r.compiled.metricNames.map((m) => makeMetric(m, this.r.compiled.binaryThreshold()));
  }

  evaluateResident(data: Resident, index: boolean, metrics: MetricAccumulator[]): EpochLogs {
    const { kernels: k } = this.r.rt;
    const c = this.r.compiled;
    const p = c.program('eval', index);
    const prog = p.prog, out = c.lowered[0];
    for (const m of metrics) m.reset();
    const tCols = index ? c.positions : c.outputUnits;
    let sum = 0;
    try {
      for (let start = 0; start < data.rows; start += c.maxRows) {
        const rows = Math.min(c.maxRows, data.rows - start);
        const yp = data.y + start * tCols * 4;
        this.r.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.bind(p.target!, yp);
        prog.exec(rows);
        sum += prog.scalar(p.loss!) * rows;
        if (metrics.length) {
          this.r.heap.refresh();
          // A [batch, t, classes] output is batch*t rows of classes.
          for (const m of metrics) m.add(this.r.heap.f32, this.r.heap.i32, prog.ptr(out) >>> 2, yp >>> 2, rows * c.positions, c.classes, index);
        }
      }
    } finally {
      for (const t of this.r.inputs) prog.unbind(t);
      prog.unbind(p.target!);
    }
    // As Keras: the reported loss includes the weight penalties.
    let penalty = 0;
    for (const { p: w, r } of this.r.weights.penalties) penalty += r.value(k, w.valuePtr, w.size);
    const logs: EpochLogs = { loss: sum / data.rows + penalty };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  evaluate(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): EpochLogs {
    this.r.compiled.requireCompiled('evaluate');
    this.r.checks.requireTargets(yIn, 'evaluate');
    const { x, y, index } = this.r.checks.checkData(xIn, yIn);
    if (this.r.compiled.maxRows === 0) this.r.compiled.maxRows = 32;
    const data = makeResident(this.r.rt, x, y, index, this.r.inputs);
    try {
      return this.evaluateResident(data, index, this.metrics());
    } finally {
      data.release();
    }
  }

  predict(xIn: MatrixLike | readonly MatrixLike[]): Matrix {
    this.r.weights.alive();
    const c = this.r.compiled;
    const { x } = this.r.checks.checkData(xIn);
    if (c.maxRows === 0) c.maxRows = Math.min(Math.max(x[0].rows, 1), 1024);
    const rowsIn = x[0].rows;
    const lowered = c.lowered;
    // An output with fixed rows (a reduction over the batch) depends on every row at once: then
    // the whole input goes through in one run.
    const whole = lowered.some((t) => t.rows !== BATCH);
    if (whole && rowsIn > c.maxRows) c.maxRows = rowsIn;
    const { prog } = c.program('predict', false);
    const data = makeResident(this.r.rt, x, undefined, false, this.r.inputs);
    const rowsOf = (t: SymbolicTensor) => (t.rows === BATCH ? rowsIn : t.rows);
    const outs = lowered.map((t) => new Float32Array(rowsOf(t) * t.cols));
    try {
      for (let start = 0; start < rowsIn; start += c.maxRows) {
        const rows = Math.min(c.maxRows, rowsIn - start);
        this.r.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.exec(rows);
        lowered.forEach((t, i) => outs[i].set(this.r.rt.arena.f32(prog.ptr(t), (t.rows === BATCH ? rows : t.rows) * t.cols), t.rows === BATCH ? start * t.cols : 0));
      }
    } finally {
      for (const t of this.r.inputs) prog.unbind(t);
      data.release();
    }
    const mats = outs.map((o, i) => new Matrix(o, rowsOf(lowered[i]), lowered[i].cols, [rowsOf(lowered[i]), ...lowered[i].shape.slice(1)]));
    return (mats.length === 1 ? mats[0] : mats) as Matrix;
  }
}
