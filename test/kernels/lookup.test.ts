// The index kernels (assembly/lookup.ts) against their twins in src/reference/lookup.ts, bit for
// bit, at awkward sizes and unaligned offsets: the scatter-add of an embedding gradient (whole, and
// as a thread's range of table rows), the index check, one-hot and the masked select.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';
import { gatherRows, indexCheck, oneHot, scatterAddRows, where } from '../../src/reference/lookup.js';

const w = loadWasm();
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const bitsOf = (a: Float32Array) => Array.from(new Uint32Array(a.slice().buffer));
// Indices with repeats (a small vocabulary): every table row gets several contributions.
const ids = (n: number, vocab: number, seed: number) => Int32Array.from(randn(n, seed), (v, i) => Math.abs(Math.floor(v * 1000) + i) % vocab);
const putI = (v: Int32Array, skew = 0) => {
  const p = w.out(v.length, skew);
  w.i32(p, v.length).set(v);
  return p;
};

describe('index kernels', () => {
  it.each(AWKWARD_SIZES)('scatter_add_rows and gather_rows over n=%i indices, as a whole and by ranges of table rows', (n) => {
    for (const [vocab, cols, skew] of [[1, 1, 0], [3, 5, 1], [7, 4, 3], [17, 33, 2], [5, 257, 1]]) {
      const idx = ids(n, vocab, n + cols), dy = f32(randn(n * cols, n + 7));
      const pi = putI(idx, skew), pdy = w.put(dy, (skew + 1) % 4);
      const want = scatterAddRows(new Float32Array(vocab * cols), dy, idx, cols);
      const out = w.out(vocab * cols, (skew + 2) % 4);
      w.k.scatter_add_rows_f32(out, out, pdy, pi, vocab, n, cols);
      expect(bitsOf(w.f32(out, vocab * cols)), `vocab ${vocab} cols ${cols}`).toEqual(bitsOf(want));
      // A thread's range [lo, hi): out advanced to row lo, base as it was; the others untouched.
      for (const lo of [0, Math.floor(vocab / 2), vocab - 1]) {
        const hi = Math.min(vocab, lo + 2);
        const part = w.out(vocab * cols, 1);
        w.k.scatter_add_rows_f32(part + lo * cols * 4, part, pdy, pi, hi - lo, n, cols);
        const got = w.f32(part, vocab * cols);
        expect(bitsOf(got.subarray(lo * cols, hi * cols))).toEqual(bitsOf(want.subarray(lo * cols, hi * cols)));
        expect(got.subarray(0, lo * cols).every(Number.isNaN) && got.subarray(hi * cols).every(Number.isNaN)).toBe(true);
      }
      const table = f32(randn(vocab * cols, vocab));
      const g = w.out(n * cols, skew);
      w.k.gather_rows_f32(g, w.put(table, 3), pi, n, cols);
      expect(bitsOf(w.f32(g, n * cols))).toEqual(bitsOf(gatherRows(new Float32Array(n * cols), table, idx, cols)));
    }
  });

  it('scatter_add_rows sums a row in index order (float32 rounding shows the order)', () => {
    // 1 + 2^-24 + 2^-24: in order, each tiny term rounds away (1); pairing the tiny ones first would give 1 + 2^-23.
    const idx = Int32Array.from([0, 0, 0]), dy = f32([1, 2 ** -24, 2 ** -24]);
    const out = w.out(1);
    w.k.scatter_add_rows_f32(out, out, w.put(dy), putI(idx), 1, 3, 1);
    expect(w.f32(out, 1)[0]).toBe(1);
  });

  it.each(AWKWARD_SIZES)('index_check_i32 finds the first index outside [0, limit) among n=%i', (n) => {
    const idx = ids(n, 9, n);
    const p = putI(idx, n % 4);
    expect(w.k.index_check_i32(p, n, 9)).toBe(-1);
    expect(w.k.index_check_i32(p, n, 9)).toBe(indexCheck(idx, 9));
    if (n === 0) return;
    for (const [at, v] of [[n - 1, 9], [Math.floor(n / 2), -1], [0, 2 ** 31 - 1], [n - 1, -(2 ** 31)]]) {
      const bad = idx.slice();
      bad[at] = v;
      if (at + 1 < n) bad[n - 1] = -5; // a later one does not hide the first
      expect(w.k.index_check_i32(putI(bad, 1), n, 9), `${v} at ${at}`).toBe(indexCheck(bad, 9));
      expect(indexCheck(bad, 9)).toBe(at);
    }
  });

  it.each(AWKWARD_SIZES)('one_hot_f32 over n=%i indices', (n) => {
    for (const depth of [1, 3, 4, 17]) {
      const idx = ids(n, depth, n + depth);
      const out = w.out(n * depth, depth % 4);
      w.k.one_hot_f32(out, putI(idx, 2), n, depth);
      expect(Array.from(w.f32(out, n * depth))).toEqual(Array.from(oneHot(idx, depth)));
    }
  });

  it.each(AWKWARD_SIZES)('where_f32 with n=%i elements: mask rows, full masks, single values, aliasing, -Infinity kept out', (n) => {
    for (const cols of [1, 3, 4, 5].filter((c) => n % c === 0)) {
      const rows = n / cols;
      const cond = f32(randn(cols, cols + n).map((v) => (v > 0 ? 1 : 0)));
      const a = f32(randn(n, n + 1)), b = f32(randn(n, n + 2)).map((v, i) => (i % 3 === 0 ? -Infinity : v));
      const pc = w.put(cond, 1), pa = w.put(a, 2), pb = w.put(b, 3);
      for (const scalars of [0, 1, 2, 3]) {
        const y = w.out(n, 1);
        const A = scalars & 1 ? w.put([a[0] ?? 0]) : pa, B = scalars & 2 ? w.put([-1e9]) : pb;
        w.k.where_f32(y, pc, A, B, rows, cols, scalars);
        const want = where(cond, scalars & 1 ? (a[0] ?? 0) : a, scalars & 2 ? -1e9 : b, rows);
        expect(bitsOf(w.f32(y, n)), `cols ${cols} scalars ${scalars}`).toEqual(bitsOf(want));
      }
      // The output over b (b dies with the op), and a full mask read as one row.
      const pb2 = w.put(b, 0);
      w.k.where_f32(pb2, pc, pa, pb2, rows, cols, 0);
      expect(bitsOf(w.f32(pb2, n))).toEqual(bitsOf(where(cond, a, b, rows)));
      const full = f32(randn(n, 5).map((v) => (v > 0 ? 1 : 0)));
      const y = w.out(n);
      w.k.where_f32(y, w.put(full, 3), pa, pb, 1, n, 0);
      expect(bitsOf(w.f32(y, n))).toEqual(bitsOf(where(full, a, b, 1)));
    }
  });
});
