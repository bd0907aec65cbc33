// Data for a program's inputs: rows and columns read from what the user passes, checked against
// the input's width, then copied into the planned buffer (a Matrix or { data: Float32Array,
// shape } is read in place: no allocation per call; so is { data: Int32Array, shape }, ids and
// class indices such as data.sequenceBatches writes). NaN and infinity are refused.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import type { Runtime } from '../wasm/init.js';
import type { Program } from './program.js';
import { ShapeError } from './op.js';
import type { SymbolicTensor } from './symbolic.js';

export class Feed {
  rows = 0;
  cols = 0;
  /** The whole shape of what read() last read, when it is not 2-D (or undefined). */
  dims: readonly number[] | undefined = undefined;
  private heapF: Float32Array;
  private heapI: Int32Array;
  private readonly rt: Runtime;

  constructor(rt: Runtime) {
    this.rt = rt;
    this.heapF = new Float32Array(rt.arena.memory.buffer);
    this.heapI = new Int32Array(rt.arena.memory.buffer);
  }

  /**
   * The values of v as a flat array, leaving its rows and columns in this.rows / this.cols; a
   * Matrix or { data: Float32Array | Int32Array, shape } is read in place (other forms go through Matrix.from).
   */
  read(v: MatrixLike, name: string): Float32Array | Int32Array {
    // A Matrix is shaped too, but its `shape` getter builds an array: take its fields instead.
    if (!(v instanceof Matrix) && Matrix.isShaped(v) && (v.data instanceof Float32Array || v.data instanceof Int32Array)) {
      Matrix.checkShaped(v, name);
      this.rows = v.shape[0];
      this.cols = Matrix.colsOf(v.shape);
      this.dims = v.shape.length === 2 ? undefined : v.shape;
      return v.data;
    }
    const m = v instanceof Matrix ? v : Matrix.from(v, name, false);
    this.rows = m.rows;
    this.cols = m.cols;
    this.dims = m.dims;
    return m.data;
  }

  /** Checks a batch read by read() against input t (its width; int32 class indices). */
  check(t: SymbolicTensor, values: ArrayLike<number>, name: string): void {
    checkSample(name, this.dims, this.rows, this.cols, t, 'its input');
    if (t.dtype === 'int32') {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isInteger(v)) throw new RangeError(`wasmnn: ${name} row ${Math.floor(i / this.cols)}: ${v} is not an integer (the input is int32)`);
      }
    }
  }

  /** Copies values into t's planned buffer in prog (the plan must cover the rows). */
  write(prog: Program, t: SymbolicTensor, values: Float32Array | Int32Array, name: string): void {
    const buf = this.rt.arena.memory.buffer;
    if (this.heapF.buffer !== buf) {
      this.heapF = new Float32Array(buf);
      this.heapI = new Int32Array(buf);
    }
    prog.unbind(t);
    const at = prog.ptr(t) >>> 2;
    if (t.dtype === 'int32') {
      if (values instanceof Int32Array) this.heapI.set(values, at);
      else for (let i = 0; i < values.length; i++) this.heapI[at + i] = values[i];
      return;
    }
    this.heapF.set(values, at);
    if (values instanceof Int32Array) return; // whole numbers, all finite
    if (this.rt.kernels.count_non_finite_f32(prog.ptr(t), values.length) > 0) Matrix.assertFinite(new Matrix(values, values.length / t.cols, t.cols), name);
  }
}

/**
 * Refuses data whose samples do not have t's shape: images [n, h, w, c] for an input of that
 * shape, rows [n, cols] (or a column [n]) for a 2-D one. Nothing is reshaped that the user did not.
 */
export function checkSample(name: string, dims: readonly number[] | undefined, rows: number, cols: number, t: SymbolicTensor, what: string): void {
  // No arrays made on the way: trainOnBatch and valueAndGrad check every call.
  const haveRank = dims ? dims.length - 1 : 1;
  let fits = t.rank <= 2 ? haveRank <= 1 && cols === t.cols : haveRank === t.rank - 1;
  for (let i = 1; fits && t.rank > 2 && i < t.rank; i++) fits = dims![i] === t.shape[i];
  if (fits) return;
  const want = t.shape.slice(1);
  if (t.rank <= 2) throw new ShapeError(`wasmnn: ${name} has ${dims ? `shape [${dims.join(', ')}]` : `${cols} columns`} but ${what} takes ${t.cols}${haveRank > 1 ? ' columns (flatten the samples first)' : ''}`);
  throw new ShapeError(`wasmnn: ${name} has shape [${dims ? dims.join(', ') : `${rows}, ${cols}`}] but ${what} takes [n, ${want.join(', ')}]${dims ? '' : ': give { data, shape: [n, ' + want.join(', ') + '] }'}`);
}
