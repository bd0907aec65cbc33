// A row-major float32 matrix: the type inputs and outputs cross the API in.
// Matrix.from accepts nested arrays, flat arrays (a column), or { data, shape },
// and refuses ragged rows, bad shapes and NaN/Infinity with a message that says where.

export type Shaped = { data: Float32Array | Float64Array | readonly number[]; shape: readonly [number, number] | readonly [number] };
export type MatrixLike = Matrix | readonly (readonly number[] | Float32Array | Float64Array)[] | readonly number[] | Shaped;

/** A row of nested input: a number array or a typed array of numbers. */
const isRow = (v: unknown): v is ArrayLike<number> =>
  Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array));

/** What a value that should have been a number is, for an error message. */
function what(v: unknown): string {
  if (typeof v === 'string') return `the string '${v.length > 20 ? v.slice(0, 20) + '...' : v}' (labels and features must be numbers: class indices, 0/1, or values; convert strings first)`;
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'object') return `a${/^[AEIOU]/.test(v.constructor?.name ?? '') ? 'n' : ''} ${v.constructor?.name ?? 'object'}`;
  return `a ${typeof v} (${String(v)})`;
}

/** Throws a TypeError naming the first value of `values` that is not a number, at (row, col) of a `cols`-wide matrix. */
function checkNumbers(values: ArrayLike<unknown>, name: string, cols: number, offset = 0): void {
  if (!Array.isArray(values)) return; // typed arrays hold numbers only
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') {
      const at = offset + i;
      throw new TypeError(`wasmnn: ${name}: row ${Math.floor(at / cols)}, column ${at % cols} is ${what(values[i])}, not a number`);
    }
  }
}

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
      if (isRow(x[0])) {
        const rows = x as readonly ArrayLike<number>[];
        const cols = rows[0].length;
        if (cols === 0) throw new RangeError(`wasmnn: ${name} row 0 is empty`);
        const data = new Float32Array(rows.length * cols);
        for (let r = 0; r < rows.length; r++) {
          const row = rows[r];
          if (!isRow(row) || row.length !== cols) {
            throw new RangeError(`wasmnn: ${name}: row ${r} ${isRow(row) ? `has ${row.length} values` : `is ${what(row)}`}, row 0 has ${cols}`);
          }
          checkNumbers(row, name, cols, r * cols);
          data.set(row, r * cols);
        }
        m = new Matrix(data, rows.length, cols);
      } else {
        checkNumbers(x, name, 1);
        m = new Matrix(Float32Array.from(x as readonly number[]), x.length, 1);
      }
    } else if (Matrix.isShaped(x)) {
      Matrix.checkShaped(x, name);
      checkNumbers(x.data, name, x.shape[1] ?? 1);
      m = new Matrix(x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), x.shape[0], x.shape[1] ?? 1);
    } else {
      throw new TypeError(`wasmnn: ${name} must be nested number arrays, a Matrix, or { data, shape }`);
    }
    if (checkFinite) Matrix.assertFinite(m, name);
    return m;
  }
}
