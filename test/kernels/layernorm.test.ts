// LayerNorm and RMSNorm kernels (assembly/layernorm.ts) against their twins in src/reference/norm.ts,
// bit for bit, at awkward widths, unaligned offsets and in place; the parameter gradient over a
// thread's columns (ld > cols); and the twins against a float64 formula (ops64-style check).
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn, maxRelErr } from '../helpers/wasm.js';
import { normRows, normRowsBackward } from '../../src/reference/norm.js';

const w = loadWasm();
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describe('norm kernels', () => {
  for (const rms of [false, true]) {
    it.each(AWKWARD_SIZES)(`${rms ? 'rms' : 'layer'} norm forward and backward on rows of %i, as the twin`, (cols) => {
      for (const [rows, skew, eps] of [[1, 0, 1e-5], [3, 1, 1e-3], [5, 3, 1e-5]] as const) {
        const n = rows * cols;
        const x = f32(randn(n, cols + rows).map((v, i) => v + (i % 3) * 10));
        const gamma = f32(randn(cols, 3).map((v) => 1 + 0.3 * v)), beta = f32(randn(cols, 4));
        const dy = f32(randn(n, 5));
        const ref = normRows(x, gamma, beta, cols, eps, rms);
        const px = w.put(x, skew), pg = w.put(gamma, 1), pb = w.put(beta, 2);
        const y = w.out(n, (skew + 1) % 4), mean = w.out(rows, 2), rstd = w.out(rows, 3);
        const pe = w.put([eps], skew);
        if (rms) w.k.rms_norm_f32(y, rstd, px, pg, pe, rows, cols);
        else w.k.layer_norm_f32(y, mean, rstd, px, pg, pb, pe, rows, cols);
        if (cols === 0) continue;
        expect(bitsOf(w.f32(y, n))).toEqual(bitsOf(ref.y));
        expect(bitsOf(w.f32(rstd, rows))).toEqual(bitsOf(ref.rstd));
        if (!rms) expect(bitsOf(w.f32(mean, rows))).toEqual(bitsOf(ref.mean));
        // In place: y over x.
        const inPlace = w.put(x, skew);
        if (rms) w.k.rms_norm_f32(inPlace, rstd, inPlace, pg, pe, rows, cols);
        else w.k.layer_norm_f32(inPlace, mean, rstd, inPlace, pg, pb, pe, rows, cols);
        expect(bitsOf(w.f32(inPlace, n))).toEqual(bitsOf(ref.y));
        const back = normRowsBackward(dy, x, w.f32(mean, rows), w.f32(rstd, rows), gamma, cols, rms);
        const dx = w.out(n, 1), dg = w.out(cols, 2), db = w.out(cols, 3), pdy = w.put(dy, 3);
        w.k.norm_rows_backward_f32(dx, pdy, px, rms ? rstd : mean, rstd, pg, rows, cols, rms ? 1 : 0);
        expect(bitsOf(w.f32(dx, n))).toEqual(bitsOf(back.dx));
        w.k.norm_param_grad_f32(dg, db, pdy, px, rms ? rstd : mean, rstd, rows, cols, cols, rms ? 1 : 0);
        expect(bitsOf(w.f32(dg, cols))).toEqual(bitsOf(back.dgamma));
        if (rms) expect(w.f32(db, cols).every(Number.isNaN)).toBe(true); // rms writes no dbeta
        else expect(bitsOf(w.f32(db, cols))).toEqual(bitsOf(back.dbeta));
        // dx over dy.
        w.k.norm_rows_backward_f32(pdy, pdy, px, rms ? rstd : mean, rstd, pg, rows, cols, rms ? 1 : 0);
        expect(bitsOf(w.f32(pdy, n))).toEqual(bitsOf(back.dx));
      }
    });
  }

  it('norm_param_grad over the first columns of wider rows (a thread\'s columns) equals it on those columns alone', () => {
    for (const [rows, cols, ld] of [[5, 4, 9], [17, 3, 20], [3, 12, 40], [1, 1, 1]]) {
      const X = f32(randn(rows * ld, rows)), DY = f32(randn(rows * ld, cols));
      const compact = (A: Float32Array) => f32(Array.from({ length: rows * cols }, (_, i) => A[Math.floor(i / cols) * ld + (i % cols)]));
      const mean = w.put(randn(rows, 2)), rstd = w.put(randn(rows, 3).map(Math.abs));
      const g1 = w.out(cols), b1 = w.out(cols), g2 = w.out(cols), b2 = w.out(cols);
      w.k.norm_param_grad_f32(g1, b1, w.put(DY, 1), w.put(X, 2), mean, rstd, rows, cols, ld, 0);
      w.k.norm_param_grad_f32(g2, b2, w.put(compact(DY), 3), w.put(compact(X)), mean, rstd, rows, cols, cols, 0);
      expect(bitsOf(w.f32(g1, cols))).toEqual(bitsOf(w.f32(g2, cols)));
      expect(bitsOf(w.f32(b1, cols))).toEqual(bitsOf(w.f32(b2, cols)));
    }
  });

  it('the float64 twins are the formulas: y, and dx against central differences of sum(y * dy)', () => {
    const cols = 7, rows = 3, eps = 1e-5;
    const x = randn(rows * cols, 9), gamma = randn(cols, 10).map((v) => 1 + 0.3 * v), beta = randn(cols, 11), dy = randn(rows * cols, 12);
    for (const rms of [false, true]) {
      const L = (xs: ArrayLike<number>, g = gamma, b = beta) => normRows(xs, g, b, cols, eps, rms, false).y.reduce((s, v, i) => s + v * dy[i], 0);
      const f = normRows(x, gamma, beta, cols, eps, rms, false);
      const back = normRowsBackward(dy, x, f.mean, f.rstd, gamma, cols, rms, false);
      const fd = (i: number, which: 'x' | 'g' | 'b') => {
        const h = 1e-6, up = Float64Array.from(which === 'x' ? x : which === 'g' ? gamma : beta), dn = up.slice();
        up[i] += h;
        dn[i] -= h;
        const at = (v: Float64Array) => (which === 'x' ? L(v) : which === 'g' ? L(x, v) : L(x, gamma, v));
        return (at(up) - at(dn)) / (2 * h);
      };
      expect(maxRelErr(back.dx, Array.from(x, (_, i) => fd(i, 'x')), 1e-6)).toBeLessThan(1e-6);
      expect(maxRelErr(back.dgamma, Array.from(gamma, (_, i) => fd(i, 'g')), 1e-6)).toBeLessThan(1e-6);
      if (!rms) expect(maxRelErr(back.dbeta, Array.from(beta, (_, i) => fd(i, 'b')), 1e-6)).toBeLessThan(1e-6);
      // One row by hand: x = [1, 2, 3], layer: mean 2, var 2/3, y = (x - 2)/sqrt(2/3 + eps).
      const h = normRows([1, 2, 3], [1, 1, 1], [0, 0, 0], 3, eps, rms, false).y;
      const s = rms ? Math.sqrt(14 / 3 + eps) : Math.sqrt(2 / 3 + eps);
      expect(Array.from(h)).toEqual(rms ? [1 / s, 2 / s, 3 / s] : [-1 / s, 0, 1 / s]);
    }
  });
});
