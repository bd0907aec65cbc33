// Reductions and elementwise helpers against plain loops, at awkward sizes and offsets, with aliasing.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';

const w = loadWasm();
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);

describe('reduce kernels', () => {
  it.each(AWKWARD_SIZES)('sums, fill, scale, axpy, mul, non-finite count at n=%i', (n) => {
    for (const skew of [0, 1, 3]) {
      const x = f32(randn(n, n + 1));
      const y = f32(randn(n, n + 2));
      const px = w.put(x, skew);
      let s = 0, sq = 0, ab = 0;
      for (const v of x) { s += v; sq += v * v; ab += Math.abs(v); }
      expect(w.k.sum_f32(px, n)).toBeCloseTo(s, 10);
      expect(w.k.sum_sq_f32(px, n)).toBeCloseTo(sq, 10);
      expect(w.k.sum_abs_f32(px, n)).toBeCloseTo(ab, 10);
      const py = w.put(y, (skew + 2) % 4);
      w.k.axpy_f32(py, px, n, 0.5);
      expect(Array.from(w.f32(py, n))).toEqual(Array.from(y.map((v, i) => Math.fround(v + Math.fround(0.5 * x[i])))));
      w.k.mul_f32(py, py, px, n); // aliasing output and input
      const prod = y.map((v, i) => Math.fround(Math.fround(v + Math.fround(0.5 * x[i])) * x[i]));
      expect(Array.from(w.f32(py, n))).toEqual(Array.from(prod));
      w.k.scale_f32(px, px, n, 3);
      expect(Array.from(w.f32(px, n))).toEqual(Array.from(x.map((v) => Math.fround(3 * v))));
      w.k.fill_f32(px, n, 7);
      expect(w.f32(px, n).every((v) => v === 7)).toBe(true);
      if (n > 2) {
        w.f32(px, n)[n - 1] = NaN;
        w.f32(px, n)[1] = -Infinity;
      }
      expect(w.k.count_non_finite_f32(px, n)).toBe(n > 2 ? 2 : 0);
    }
  });

  it.each([[0, 5], [1, 1], [3, 4], [5, 5], [17, 3], [1023, 9], [9, 2], [7, 1], [4, 6], [6, 255], [5, 257], [3, 300]])('bias_add and col_sum on %ix%i, unaligned and aliased', (rows, cols) => {
    const x = f32(randn(rows * cols, rows + cols));
    const b = f32(randn(cols, 9));
    const px = w.put(x, 1);
    const pb = w.put(b, 3);
    w.k.bias_add_f32(px, px, pb, rows, cols);
    const want = x.map((v, i) => Math.fround(v + b[i % cols]));
    expect(Array.from(w.f32(px, rows * cols))).toEqual(Array.from(want));
    // The fused bias and ReLU: exactly relu(x + bias), NaN passing through, -0 as +0.
    const xr = f32(randn(rows * cols, rows + 2 * cols)).map((v, i) => (i % 11 === 5 ? NaN : v));
    const pr = w.put(xr, 2);
    const py = w.out(rows * cols, 3);
    w.k.bias_relu_f32(py, pr, pb, rows, cols);
    const relu = (v: number) => (v < 0 ? 0 : v) + 0;
    expect(Array.from(w.f32(py, rows * cols))).toEqual(Array.from(xr.map((v, i) => relu(Math.fround(v + b[i % cols])))));
    w.k.bias_relu_f32(pr, pr, pb, rows, cols); // in place
    expect(Array.from(w.f32(pr, rows * cols))).toEqual(Array.from(w.f32(py, rows * cols)));
    const out = w.put(f32(randn(cols, 4)), 2);
    const before = Array.from(w.f32(out, cols));
    w.k.col_sum_f32(out, px, rows, cols, 0.5);
    const got = w.f32(out, cols);
    for (let c = 0; c < cols; c++) {
      let s = 0.5 * before[c];
      let mag = Math.abs(s);
      for (let r = 0; r < rows; r++) { s += want[r * cols + c]; mag += Math.abs(want[r * cols + c]); }
      expect(Math.abs(got[c] - s)).toBeLessThanOrEqual(1e-6 * mag + 1e-7);
    }
    const fresh = w.out(cols, 1); // NaN-filled: beta 0 must not read it
    w.k.col_sum_f32(fresh, px, rows, cols, 0);
    expect(w.f32(fresh, cols).every(Number.isFinite)).toBe(true);
  });

  it('gather_rows, gather_i32 and argmax_rows', () => {
    const rows = 17, cols = 5;
    const src = f32(randn(rows * cols, 3));
    const ps = w.put(src, 1);
    const idx = [16, 0, 3, 3, 9];
    const pi = w.arena.alloc(idx.length * 4);
    w.i32(pi, idx.length).set(idx);
    const po = w.out(idx.length * cols, 2);
    w.k.gather_rows_f32(po, ps, pi, idx.length, cols);
    expect(Array.from(w.f32(po, idx.length * cols))).toEqual(idx.flatMap((r) => Array.from(src.subarray(r * cols, r * cols + cols))));
    const labels = w.arena.alloc(rows * 4);
    w.i32(labels, rows).set(Array.from({ length: rows }, (_, i) => 100 + i));
    const pg = w.arena.alloc(idx.length * 4);
    w.k.gather_i32(pg, labels, pi, idx.length);
    expect(Array.from(w.i32(pg, idx.length))).toEqual(idx.map((r) => 100 + r));
    const pa = w.arena.alloc(rows * 4);
    w.k.argmax_rows_f32(pa, ps, rows, cols);
    for (let r = 0; r < rows; r++) {
      const row = Array.from(src.subarray(r * cols, r * cols + cols));
      expect(w.i32(pa, rows)[r]).toBe(row.indexOf(Math.max(...row)));
    }
  });
});
