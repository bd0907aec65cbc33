// sgd_f32 (f32x4 with a scalar tail) against float32 arithmetic done by hand, bit for bit,
// and against its float64 twin in src/reference/optim.ts.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';
import { sgd, adam } from '../../src/reference/optim.js';

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

describe('adam_f32: f32x4 with a scalar tail, PyTorch Adam / AMSGrad / AdamW', () => {
  const f = Math.fround;
  // The kernel's float32 operations, one rounding each, in its order.
  function byHand(W: Float32Array, G: Float32Array, M: Float32Array, V: Float32Array, VM: Float32Array | null, a: number[]) {
    const [stepSize, beta1, beta2, eps, ib, wd, keep] = a.map(f);
    const ob1 = f(1 - a[1]), ob2 = f(1 - a[2]);
    for (let i = 0; i < W.length; i++) {
      let gi = G[i];
      if (a[5] !== 0) gi = f(gi + f(wd * W[i]));
      M[i] = f(f(beta1 * M[i]) + f(ob1 * gi));
      V[i] = f(f(beta2 * V[i]) + f(ob2 * f(gi * gi)));
      let vi = V[i];
      if (VM) vi = VM[i] = Math.max(VM[i], vi);
      const den = f(f(f(Math.sqrt(vi)) * ib) + eps);
      W[i] = f((a[6] === 1 ? W[i] : f(keep * W[i])) - f(f(stepSize * M[i]) / den));
    }
  }
  const cases = [
    ['adam', [1e-3 / 0.1, 0.9, 0.999, 1e-8, 1 / Math.sqrt(1 - 0.999), 0, 1], false],
    ['adam, coupled weight decay', [0.01, 0.8, 0.99, 1e-6, 1.3, 0.05, 1], false],
    ['amsgrad', [0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1], true],
    ['adamw (keep = 1 - lr*decay)', [0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1 - 0.01 * 0.01], false],
  ] as const;
  for (const [name, args, ams] of cases) {
    it.each(AWKWARD_SIZES)(`${name}: bit for bit the float32 formula at n=%i, three steps, unaligned`, (n) => {
      const W = Float32Array.from(randn(n, n + 7)), G = Float32Array.from(randn(n, n + 8, 0.1));
      const M = Float32Array.from(randn(n, n + 9, 0.01)), V = Float32Array.from(randn(n, n + 10, 0.001)).map(Math.abs);
      const VM = ams ? V.map((x) => x * 1.5) : null;
      const pw = w.put(W, n % 4), pg = w.put(G, 1), pm = w.put(M, 2), pv = w.put(V, 3), pvm = VM ? w.put(VM, 0) : 0;
      for (let step = 0; step < 3; step++) {
        w.k.adam_f32(pw, pg, pm, pv, pvm, n, ...(args as unknown as [number, number, number, number, number, number, number]));
        byHand(W, G, M, V, VM, args as unknown as number[]);
      }
      expect(Array.from(w.f32(pw, n))).toEqual(Array.from(W));
      expect(Array.from(w.f32(pm, n))).toEqual(Array.from(M));
      expect(Array.from(w.f32(pv, n))).toEqual(Array.from(V));
      if (VM) expect(Array.from(w.f32(pvm, n))).toEqual(Array.from(VM));
    });
  }
  it('agrees with the float64 twin over 20 steps to float32 rounding of the update', () => {
    const n = 37;
    const W = Float32Array.from(randn(n, 3)), G = Float32Array.from(randn(n, 4, 0.3));
    const pw = w.put(W), pg = w.put(G), pm = w.put(new Float32Array(n)), pv = w.put(new Float32Array(n)), pvm = w.put(new Float32Array(n));
    const ref = { w: Float64Array.from(W), s: { m: new Float64Array(n), v: new Float64Array(n), vmax: new Float64Array(n) } };
    for (let t = 1; t <= 20; t++) {
      const a = [0.01 / (1 - 0.9 ** t), 0.9, 0.999, 1e-8, 1 / Math.sqrt(1 - 0.999 ** t), 0.01, 1] as const;
      w.k.adam_f32(pw, pg, pm, pv, pvm, n, ...a);
      adam(ref.w, G, ref.s, ...a);
    }
    // Each step moves w by at most ~lr; its float32 rounding is a few ulps of that step.
    const got = w.f32(pw, n);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - ref.w[i])).toBeLessThan(2e-6 * (Math.abs(ref.w[i]) + 0.2));
    // And it did move: a kernel that left w alone would fail here.
    for (let i = 0; i < n; i++) expect(Math.abs(ref.w[i] - W[i])).toBeGreaterThan(0.1);
  });
});
