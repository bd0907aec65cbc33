// Data for a program's inputs: rows and columns read from what the user passes, checked against
// the input's width, then copied into the planned buffer (a Matrix or { data: Float32Array,
// shape } is read in place: no allocation per call). NaN and infinity are refused.
import { Matrix, type MatrixLike } from '../data/matrix.js';
import type { Runtime } from '../wasm/init.js';
import type { Program } from './program.js';
import { ShapeError } from './op.js';
import type { SymbolicTensor } from './symbolic.js';

export class Feed {
  rows = 0;
  cols = 0;
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
   * Matrix or { data: Float32Array, shape } is read in place (other forms go through Matrix.from).
   */
  read(v: MatrixLike, name: string): Float32Array {
    // A Matrix is shaped too, but its `shape` getter builds an array: take its fields instead.
    if (!(v instanceof Matrix) && Matrix.isShaped(v) && v.data instanceof Float32Array) {
      Matrix.checkShaped(v, name);
      this.rows = v.shape[0];
      this.cols = v.shape[1] ?? 1;
      return v.data;
    }
    const m = v instanceof Matrix ? v : Matrix.from(v, name, false);
    this.rows = m.rows;
    this.cols = m.cols;
    return m.data;
  }

  /** Checks a batch read by read() against input t (its width; int32 class indices). */
  check(t: SymbolicTensor, values: ArrayLike<number>, name: string): void {
    if (this.cols !== t.cols) throw new ShapeError(`wasmnn: ${name} has ${this.cols} columns but its input takes ${t.cols}`);
    if (t.dtype === 'int32') {
      for (let i = 0; i < values.length; i++) {
        const v = values[i];
        if (!Number.isInteger(v)) throw new RangeError(`wasmnn: ${name} row ${Math.floor(i / this.cols)}: ${v} is not an integer (the input is int32)`);
      }
    }
  }

  /** Copies values into t's planned buffer in prog (the plan must cover the rows). */
  write(prog: Program, t: SymbolicTensor, values: Float32Array, name: string): void {
    const buf = this.rt.arena.memory.buffer;
    if (this.heapF.buffer !== buf) {
      this.heapF = new Float32Array(buf);
      this.heapI = new Int32Array(buf);
    }
    prog.unbind(t);
    const at = prog.ptr(t) >>> 2;
    if (t.dtype === 'int32') {
      for (let i = 0; i < values.length; i++) this.heapI[at + i] = values[i];
      return;
    }
    this.heapF.set(values, at);
    if (this.rt.kernels.count_non_finite_f32(prog.ptr(t), values.length) > 0) Matrix.assertFinite(new Matrix(values, values.length / t.cols, t.cols), name);
  }
}
