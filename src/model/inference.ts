// Evaluation and prediction: the eval and predict programs (no dropout, batch norm's running
// statistics) run over resident data in chunks of the planned rows.
import type { Runtime } from '../wasm/init.js';
import { Matrix, type MatrixLike } from '../data/matrix.js';
import { BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { type MetricAccumulator, makeMetric } from '../metrics/index.js';
import type { EpochLogs } from '../callbacks/index.js';
import type { Compilation } from './compiled.js';
import type { DataChecks } from './checks.js';
import type { Weights } from './weights.js';
import { makeResident, type HeapViews, type Resident } from './resident.js';

export class Inference {
  constructor(
    private readonly rt: Runtime,
    private readonly inputs: readonly SymbolicTensor[],
    private readonly weights: Weights,
    private readonly compiled: Compilation,
    private readonly checks: DataChecks,
    private readonly heap: HeapViews,
  ) {}

  /** The compiled metrics, each a fresh accumulator. */
  metrics(): MetricAccumulator[] {
    return this.compiled.metricNames.map((m) => makeMetric(m, this.compiled.binaryThreshold()));
  }

  evaluateResident(data: Resident, index: boolean, metrics: MetricAccumulator[]): EpochLogs {
    const { kernels: k } = this.rt;
    const c = this.compiled;
    const p = c.program('eval', index);
    const prog = p.prog, out = c.lowered[0];
    for (const m of metrics) m.reset();
    const tCols = index ? 1 : c.outputUnits;
    let sum = 0;
    try {
      for (let start = 0; start < data.rows; start += c.maxRows) {
        const rows = Math.min(c.maxRows, data.rows - start);
        const yp = data.y + start * tCols * 4;
        this.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.bind(p.target!, yp);
        prog.exec(rows);
        sum += prog.scalar(p.loss!) * rows;
        if (metrics.length) {
          this.heap.refresh();
          for (const m of metrics) m.add(this.heap.f32, this.heap.i32, prog.ptr(out) >>> 2, yp >>> 2, rows, c.outputUnits, index);
        }
      }
    } finally {
      for (const t of this.inputs) prog.unbind(t);
      prog.unbind(p.target!);
    }
    // As Keras: the reported loss includes the weight penalties.
    let penalty = 0;
    for (const { p: w, r } of this.weights.penalties) penalty += r.value(k, w.valuePtr, w.size);
    const logs: EpochLogs = { loss: sum / data.rows + penalty };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  evaluate(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): EpochLogs {
    this.compiled.requireCompiled('evaluate');
    this.checks.requireTargets(yIn, 'evaluate');
    const { x, y, index } = this.checks.checkData(xIn, yIn);
    if (this.compiled.maxRows === 0) this.compiled.maxRows = 32;
    const data = makeResident(this.rt, x, y, index);
    try {
      return this.evaluateResident(data, index, this.metrics());
    } finally {
      data.release();
    }
  }

  predict(xIn: MatrixLike | readonly MatrixLike[]): Matrix {
    this.weights.alive();
    const c = this.compiled;
    const { x } = this.checks.checkData(xIn);
    if (c.maxRows === 0) c.maxRows = Math.min(Math.max(x[0].rows, 1), 1024);
    const rowsIn = x[0].rows;
    const lowered = c.lowered;
    // An output with fixed rows (a reduction over the batch) depends on every row at once: then
    // the whole input goes through in one run.
    const whole = lowered.some((t) => t.rows !== BATCH);
    if (whole && rowsIn > c.maxRows) c.maxRows = rowsIn;
    const { prog } = c.program('predict', false);
    const data = makeResident(this.rt, x, undefined, false);
    const rowsOf = (t: SymbolicTensor) => (t.rows === BATCH ? rowsIn : t.rows);
    const outs = lowered.map((t) => new Float32Array(rowsOf(t) * t.cols));
    try {
      for (let start = 0; start < rowsIn; start += c.maxRows) {
        const rows = Math.min(c.maxRows, rowsIn - start);
        this.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.exec(rows);
        lowered.forEach((t, i) => outs[i].set(this.rt.arena.f32(prog.ptr(t), (t.rows === BATCH ? rows : t.rows) * t.cols), t.rows === BATCH ? start * t.cols : 0));
      }
    } finally {
      for (const t of this.inputs) prog.unbind(t);
      data.release();
    }
    const mats = outs.map((o, i) => new Matrix(o, rowsOf(lowered[i]), lowered[i].cols));
    return (mats.length === 1 ? mats[0] : mats) as Matrix;
  }
}
