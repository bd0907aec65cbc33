import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';

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
  it('a zero gradient leaves weights unchanged without decay, and only decays with it', () => {
    const pw = w.put([1, -2, 3, 4, 5]);
    const pg = w.put([0, 0, 0, 0, 0]);
    w.k.sgd_f32(pw, pg, 5, 0.5, 0);
    expect(Array.from(w.f32(pw, 5))).toEqual([1, -2, 3, 4, 5]);
    w.k.sgd_f32(pw, pg, 5, 0.5, 0.5);
    expect(Array.from(w.f32(pw, 5))).toEqual([0.5, -1, 1.5, 2, 2.5]);
  });
});
