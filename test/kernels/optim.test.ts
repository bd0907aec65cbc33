// sgd_f32 (f32x4 with a scalar tail) against float32 arithmetic done by hand, bit for bit,
// and against its float64 twin in src/reference/optim.ts.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';
import { sgd } from '../../src/reference/optim.js';

const w = loadWasm();

describe('sgd_f32: w <- (1 - decay)*w - lr*g', () => {
  it.each(AWKWARD_SIZES)('matches the scalar formula in float32 at n=%i, unaligned', (n) => {
    for (const decay of [0, 0.01]) {
      const W = Float32Array.from(randn(n, n + 3));
      const G = Float32Array.from(randn(n, n + 4));
      const pw = w.put(W, n % 4);
      const pg = w.put(G, (n + 1) % 4);
      w.k.sgd_f32(pw, pg, n, 0.1, decay);
      const lr = Math.fround(0.1);
      const keep = Math.fround(1 - Math.fround(decay));
      const want = W.map((v, i) => Math.fround((decay === 0 ? v : Math.fround(keep * v)) - Math.fround(lr * G[i])));
      expect(Array.from(w.f32(pw, n))).toEqual(Array.from(want));
    }
  });
  it.each(AWKWARD_SIZES)('agrees with the float64 twin at n=%i to float32 rounding', (n) => {
    const W = Float32Array.from(randn(n, n + 5));
    const G = Float32Array.from(randn(n, n + 6));
    const pw = w.put(W, (n + 2) % 4);
    w.k.sgd_f32(pw, w.put(G, 3), n, 0.05, 0.1);
    const want = Float64Array.from(W);
    sgd(want, G, Math.fround(0.05), Math.fround(0.1));
    const got = w.f32(pw, n);
    // Three float32 roundings (keep*w, lr*g, the difference) against one exact result.
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2 ** -22 * (Math.abs(W[i]) + Math.abs(0.05 * G[i])));
  });
  it('the twin in Float32Array: the same update, stored in place', () => {
    const a = Float32Array.from([1, -2, 3]);
    sgd(a, [1, 1, -1], 0.5, 0.5); // 0.5*1 - 0.5 = 0; 0.5*-2 - 0.5 = -1.5; 0.5*3 + 0.5 = 2
    expect(Array.from(a)).toEqual([0, -1.5, 2]);
  });
  it('a zero gradient leaves weights unchanged without decay, and only decays with it', () => {
    const pw = w.put([1, -2, 3, 4, 5]);
    const pg = w.put([0, 0, 0, 0, 0]);
    w.k.sgd_f32(pw, pg, 5, 0.5, 0);
    expect(Array.from(w.f32(pw, 5))).toEqual([1, -2, 3, 4, 5]);
    w.k.sgd_f32(pw, pg, 5, 0.5, 0.5);
    expect(Array.from(w.f32(pw, 5))).toEqual([0.5, -1, 1.5, 2, 2.5]);
  });
});
