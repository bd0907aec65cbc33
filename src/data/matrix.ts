// A row-major float32 matrix: the type inputs and outputs cross the API in.
// Matrix.from accepts nested arrays, flat arrays (a column), or { data, shape },
// and refuses ragged rows, bad shapes and NaN/Infinity with a message that says where.

export type Shaped = { data: Float32Array | Float64Array | readonly number[]; shape: readonly [number, number] | readonly [number] };
export type MatrixLike = Matrix | readonly (readonly number[])[] | readonly number[] | Shaped;

export class Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;

  constructor(data: Float32Array, rows: number, cols: number) {
    if (data.length !== rows * cols) throw new RangeError(`wasmnn: a ${rows}x${cols} matrix needs ${rows * cols} values, got ${data.length}`);
    this.data = data;
    this.rows = rows;
    this.cols = cols;
  }

  get shape(): [number, number] {
    return [this.rows, this.cols];
  }

  get(r: number, c: number): number {
    return this.data[r * this.cols + c];
  }

  /** A view of row r (no copy). */
  row(r: number): Float32Array {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }

  toArray(): number[][] {
    const out: number[][] = [];
    for (let r = 0; r < this.rows; r++) out.push(Array.from(this.row(r)));
    return out;
  }

  /** Rows picked by index, in that order (a copy). */
  take(indices: ArrayLike<number>): Matrix {
    const out = new Float32Array(indices.length * this.cols);
    for (let i = 0; i < indices.length; i++) out.set(this.row(indices[i]), i * this.cols);
    return new Matrix(out, indices.length, this.cols);
  }

  /** `{ data, shape }` input. */
  static isShaped(x: unknown): x is Shaped {
    return !!x && typeof x === 'object' && 'data' in x && 'shape' in x;
  }

  /** Throws a RangeError unless shape holds positive integers whose product is data.length. */
  static checkShaped(x: Shaped, name: string): void {
    const rows = x.shape[0], cols = x.shape[1] ?? 1;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows <= 0 || cols <= 0) {
      throw new RangeError(`wasmnn: ${name}: shape [${x.shape}] must be positive integers`);
    }
    if (x.data.length !== rows * cols) throw new RangeError(`wasmnn: ${name}: shape [${rows}, ${cols}] needs ${rows * cols} values, data has ${x.data.length}`);
  }

  /** Throws a RangeError naming the first NaN or infinite value (row, column). */
  static assertFinite(m: Matrix, name: string): void {
    const d = m.data;
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i])) {
        throw new RangeError(`wasmnn: ${name} contains ${d[i]} at row ${Math.floor(i / m.cols)}, column ${i % m.cols}`);
      }
    }
  }

  /**
   * Validates and converts; `name` is used in error messages ("x", "y"). `checkFinite: false`
   * leaves the NaN/infinity scan to the caller (trainOnBatch does it in wasm after the copy).
   */
  static from(x: MatrixLike, name = 'x', checkFinite = true): Matrix {
    let m: Matrix;
    if (x instanceof Matrix) m = x;
    else if (Array.isArray(x)) {
      if (x.length === 0) throw new RangeError(`wasmnn: ${name} is empty`);
      if (Array.isArray(x[0])) {
        const rows = x as readonly (readonly number[])[];
        const cols = rows[0].length;
        if (cols === 0) throw new RangeError(`wasmnn: ${name} row 0 is empty`);
        const data = new Float32Array(rows.length * cols);
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r];
          if (!Array.isArray(row) || row.length !== cols) {
            throw new RangeError(`wasmnn: ${name}: row ${r} has ${Array.isArray(row) ? row.length : 'no'} values, row 0 has ${cols}`);
          }
          for (let c = 0; c < cols; c++) data[r * cols + c] = row[c];
        }
        m = new Matrix(data, rows.length, cols);
      } else {
        m = new Matrix(Float32Array.from(x as readonly number[]), x.length, 1);
      }
    } else if (Matrix.isShaped(x)) {
      Matrix.checkShaped(x, name);
      m = new Matrix(x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), x.shape[0], x.shape[1] ?? 1);
    } else {
      throw new TypeError(`wasmnn: ${name} must be nested number arrays, a Matrix, or { data, shape }`);
    }
    if (checkFinite) Matrix.assertFinite(m, name);
    return m;
  }
}
