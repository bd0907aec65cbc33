// A row-major float32 matrix: the type inputs and outputs cross the API in.
// Matrix.from accepts nested arrays, flat arrays (a column), or { data, shape },
// and refuses ragged rows, bad shapes and NaN/Infinity with a message that says where.

export type Shaped = { data: Float32Array | Float64Array | Int32Array | readonly number[]; shape: readonly number[] };
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
  /** The whole shape of data of another rank than 2 ([n, h, w, c] images); cols is then the product after rows. */
  readonly dims: readonly number[] | undefined;

  constructor(data: Float32Array, rows: number, cols: number, dims?: readonly number[]) {
    if (data.length !== rows * cols) throw new RangeError(`wasmnn: a ${rows}x${cols} matrix needs ${rows * cols} values, got ${data.length}`);
    this.data = data;
    this.rows = rows;
    this.cols = cols;
    this.dims = dims && dims.length !== 2 ? [...dims] : undefined;
  }

  get shape(): number[] {
    return this.dims ? [...this.dims] : [this.rows, this.cols];
  }

  get(r: number, c: number): number {
    return this.data[r * this.cols + c];
  }

  /** The same values as samples of `shape` ([8, 8, 1]: rows become images); no copy. */
  reshape(shape: readonly number[]): Matrix {
    const n = shape.reduce((p, d) => p * d, 1);
    if (n !== this.cols) throw new RangeError(`wasmnn: a matrix of ${this.cols} columns cannot hold samples of shape [${shape.join(', ')}] (${n} values)`);
    return new Matrix(this.data, this.rows, this.cols, [this.rows, ...shape]);
  }

  /** A view of row r (no copy). */
  row(r: number): Float32Array {
    return this.data.subarray(r * this.cols, (r + 1) * this.cols);
  }

  /** Nested arrays of the shape's depth. */
  toArray(): number[][] {
    if (this.dims && this.dims.length > 2) {
      const d = this.data, dims = this.dims;
      const nest = (level: number, at: number): unknown => {
        if (level === dims.length - 1) return Array.from(d.subarray(at, at + dims[level]));
        const stride = dims.slice(level + 1).reduce((p, n) => p * n, 1);
        return Array.from({ length: dims[level] }, (_, i) => nest(level + 1, at + i * stride));
      };
      return nest(0, 0) as number[][];
    }
    const out: number[][] = [];
    for (let r = 0; r < this.rows; r++) out.push(Array.from(this.row(r)));
    return out;
  }

  /** Rows picked by index, in that order (a copy). */
  take(indices: ArrayLike<number>): Matrix {
    const out = new Float32Array(indices.length * this.cols);
    for (let i = 0; i < indices.length; i++) out.set(this.row(indices[i]), i * this.cols);
    return new Matrix(out, indices.length, this.cols, this.dims && [indices.length, ...this.dims.slice(1)]);
  }

  /** `{ data, shape }` input. */
  static isShaped(x: unknown): x is Shaped {
    return !!x && typeof x === 'object' && 'data' in x && 'shape' in x;
  }

  /** Throws a RangeError unless shape holds positive integers whose product is data.length. */
  static checkShaped(x: Shaped, name: string): void {
    const s = x.shape;
    if (!Array.isArray(s) || s.length === 0 || !s.every((d) => Number.isInteger(d) && d > 0)) {
      throw new RangeError(`wasmnn: ${name}: shape [${s}] must be positive integers`);
    }
    const n = Matrix.colsOf(s) * s[0];
    if (x.data.length !== n) throw new RangeError(`wasmnn: ${name}: shape [${s.join(', ')}] needs ${n} values, data has ${x.data.length}`);
  }

  /** The product of a shape's dimensions after the first (1 for a rank-1 shape). */
  static colsOf(shape: readonly number[]): number {
    let n = 1;
    for (let i = 1; i < shape.length; i++) n *= shape[i];
    return n;
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
      if (Array.isArray(x[0]) && Array.isArray(x[0][0])) {
        m = Matrix.nested(x as readonly unknown[], name);
      } else if (isRow(x[0])) {
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
      const cols = Matrix.colsOf(x.shape);
      checkNumbers(x.data, name, cols);
      m = new Matrix(x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), x.shape[0], cols, x.shape);
    } else {
      throw new TypeError(`wasmnn: ${name} must be nested number arrays, a Matrix, or { data, shape }`);
    }
    if (checkFinite) Matrix.assertFinite(m, name);
    return m;
  }

  /** Nested arrays three or more deep ([n][h][w] or [n][h][w][c]): every level as long as the first of its depth. */
  private static nested(x: readonly unknown[], name: string): Matrix {
    const dims: number[] = [];
    for (let v: unknown = x; Array.isArray(v) || (dims.length > 0 && isRow(v)); v = (v as ArrayLike<unknown>)[0]) {
      const len = (v as ArrayLike<unknown>).length;
      if (len === 0) throw new RangeError(`wasmnn: ${name}: an empty array at depth ${dims.length}`);
      dims.push(len);
      if (!Array.isArray(v)) break;
    }
    const cols = Matrix.colsOf(dims), data = new Float32Array(dims[0] * cols);
    let at = 0;
    const walk = (v: unknown, level: number, path: number[]): void => {
      if (!isRow(v) || v.length !== dims[level]) {
        throw new RangeError(`wasmnn: ${name}[${path.join('][')}] ${isRow(v) ? `has ${v.length} entries` : `is ${what(v)}`}, the first of its depth has ${dims[level]}`);
      }
      if (level === dims.length - 1) {
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'number') throw new TypeError(`wasmnn: ${name}[${[...path, i].join('][')}] is ${what(v[i])}, not a number`);
          data[at++] = v[i];
        }
        return;
      }
      for (let i = 0; i < v.length; i++) walk((v as ArrayLike<unknown>)[i], level + 1, [...path, i]);
    };
    walk(x, 0, []);
    return new Matrix(data, dims[0], cols, dims);
  }
}
