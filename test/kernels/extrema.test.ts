// reduce_max_f32 and reduce_max_backward_f32 (assembly/extrema.ts) against their plain-loop twins
// (src/reference/extrema.ts) over x [outer, r, inner] with inner and r at the awkward sizes,
// unaligned offsets, integer values (so ties are many), aliasing where allowed, and NaN.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, expectClose, loadWasm, randn } from '../helpers/wasm.js';
import { reduceMax, reduceMaxBackward } from '../../src/reference/extrema.js';

const w = loadWasm();
const ints = (n: number, seed: number) => Float32Array.from(randn(n, seed), (v) => Math.round(2 * v));

function check(outer: number, r: number, inner: number, skew: number) {
  const x = ints(outer * r * inner, outer + 7 * r + 13 * inner);
  const dy = Float32Array.from(randn(outer * inner, 3 + inner));
  for (const isMin of [0, 1]) {
    const px = w.put(x, skew), py = w.out(outer * inner, (skew + 1) % 4);
    w.k.reduce_max_f32(py, px, outer, r, inner, isMin);
    const want = reduceMax(x, outer, r, inner, isMin === 1);
    expect(Array.from(w.f32(py, outer * inner)), `y isMin ${isMin}`).toEqual(Array.from(want));
    const pdy = w.put(dy, (skew + 2) % 4), pdx = w.out(x.length, (skew + 3) % 4);
    w.k.reduce_max_backward_f32(pdx, pdy, px, py, outer, r, inner);
    const dx = reduceMaxBackward(dy, x, want, outer, r, inner);
    expectClose(w.f32(pdx, x.length), dx, 1e-7, 0, `dx isMin ${isMin}`);
    // dx may alias x, y may alias x.
    w.k.reduce_max_backward_f32(px, pdy, px, py, outer, r, inner);
    expectClose(w.f32(px, x.length), dx, 1e-7, 0, 'dx aliasing x');
    const pz = w.put(x, skew);
    w.k.reduce_max_f32(pz, pz, outer, r, inner, isMin);
    expect(Array.from(w.f32(pz, outer * inner)), 'y aliasing x').toEqual(Array.from(want));
  }
}

describe('reduce_max_f32 / reduce_max_backward_f32', () => {
  it.each(AWKWARD_SIZES)('inner %i (r 3, outer 2) at offsets 0, 1, 3', (inner) => {
    for (const skew of [0, 1, 3]) check(2, 3, inner, skew);
  });
  it.each(AWKWARD_SIZES.filter((r) => r > 0))('r %i (inner 5, outer 3)', (r) => check(3, r, 5, 1));
  it('ties split dy evenly; NaN propagates and takes no gradient', () => {
    // x [1, 3, 5]: column 0 ties three ways, column 1 twice, column 2 holds a NaN.
    const x = Float32Array.from([2, 1, NaN, 0, -1, 2, 1, 0, 4, -1, 2, 0, 0, 4, -1]);
    const px = w.put(x, 1), py = w.out(5);
    w.k.reduce_max_f32(py, px, 1, 3, 5, 0);
    expect(Array.from(w.f32(py, 5))).toEqual([2, 1, NaN, 4, -1]);
    const pdy = w.put([3, 2, 5, 7, 9]), pdx = w.out(15);
    w.k.reduce_max_backward_f32(pdx, pdy, px, py, 1, 3, 5);
    expect(Array.from(w.f32(pdx, 15))).toEqual([1, 1, 0, 0, 3, 1, 1, 0, 3.5, 3, 1, 0, 0, 3.5, 3]);
  });
});
