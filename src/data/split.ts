// Splitting, shuffling and standardising (StandardScaler: mean 0, population std 1 per column).
import { Matrix } from './matrix.js';
import { Xoshiro128 } from '../reference/rng.js';
import type { Labeled } from './synthetic.js';
import { checkOptions } from '../validate/options.js';

function permutation(n: number, seed: number): Int32Array {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  new Xoshiro128(seed >>> 0, 0x73706c74).shuffle(idx);
  return idx;
}

/** Splits rows into train and test; testSize is a fraction in (0, 1) or a row count. */
export function trainTestSplit(x: Matrix, y: Matrix, options: { testSize?: number; shuffle?: boolean; seed?: number } = {}): { train: Labeled; test: Labeled } {
  checkOptions('data.trainTestSplit', options, ['testSize', 'shuffle', 'seed']);
  const { testSize = 0.25, shuffle = true, seed = 0 } = options;
  if (x.rows !== y.rows) throw new RangeError(`wasmnn: x has ${x.rows} rows but y has ${y.rows}`);
  const nTest = testSize < 1 ? Math.ceil(testSize * x.rows) : testSize;
  if (!(testSize > 0) || !Number.isInteger(nTest) || nTest >= x.rows) {
    throw new RangeError(`wasmnn: testSize ${testSize} leaves no training rows out of ${x.rows}`);
  }
  const idx = shuffle ? permutation(x.rows, seed) : Int32Array.from({ length: x.rows }, (_, i) => i);
  const tr = idx.subarray(0, x.rows - nTest);
  const te = idx.subarray(x.rows - nTest);
  return { train: { x: x.take(tr), y: y.take(tr) }, test: { x: x.take(te), y: y.take(te) } };
}

/** The same permutation applied to x and y. */
export function shuffleRows(x: Matrix, y: Matrix, seed = 0): Labeled {
  const idx = permutation(x.rows, seed);
  return { x: x.take(idx), y: y.take(idx) };
}

export interface Standardizer {
  mean: Float64Array;
  std: Float64Array;
  transform(x: Matrix): Matrix;
  inverse(x: Matrix): Matrix;
}

/** Per-column mean and population std of x; a constant column maps to 0 instead of dividing by zero. */
export function fitStandardizer(x: Matrix): Standardizer {
  const mean = new Float64Array(x.cols);
  const std = new Float64Array(x.cols);
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) mean[c] += x.data[r * x.cols + c];
  for (let c = 0; c < x.cols; c++) mean[c] /= x.rows;
  for (let r = 0; r < x.rows; r++) for (let c = 0; c < x.cols; c++) std[c] += (x.data[r * x.cols + c] - mean[c]) ** 2;
  for (let c = 0; c < x.cols; c++) std[c] = Math.sqrt(std[c] / x.rows);
  const map = (m: Matrix, f: (v: number, c: number) => number) => {
    if (m.cols !== x.cols) throw new RangeError(`wasmnn: the standardizer was fitted on ${x.cols} columns, got ${m.cols}`);
    const out = new Float32Array(m.data.length);
    for (let i = 0; i < out.length; i++) out[i] = f(m.data[i], i % m.cols);
    return new Matrix(out, m.rows, m.cols);
  };
  return {
    mean,
    std,
    transform: (m) => map(m, (v, c) => (std[c] > 0 ? (v - mean[c]) / std[c] : 0)),
    inverse: (m) => map(m, (v, c) => v * (std[c] > 0 ? std[c] : 1) + mean[c]),
  };
}

/** One-hot rows from integer labels in [0, classes). */
export function oneHot(labels: Matrix | readonly number[], classes: number): Matrix {
  const ls = labels instanceof Matrix ? labels.data : labels;
  const out = new Float32Array(ls.length * classes);
  for (let i = 0; i < ls.length; i++) {
    const l = ls[i];
    if (!Number.isInteger(l) || l < 0 || l >= classes) throw new RangeError(`wasmnn: label ${l} at row ${i} is not in [0, ${classes - 1}]`);
    out[i * classes + l] = 1;
  }
  return new Matrix(out, ls.length, classes);
}
