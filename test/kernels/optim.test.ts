// The optimizer update kernels against their twins in src/reference/optim.ts: float32 arithmetic
// bit for bit, and the float64 update to float32 accuracy, at awkward sizes and offsets.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';
import { sgd, sgdMomentum, adagrad, rmsprop, adam, adamax, nadam, adadelta, type Arr } from '../../src/reference/optim.js';

const w = loadWasm();
/** adam_f32's 7 scalars (stepSize, beta1, beta2, eps, invSqrtBc2, wd, keep) as f64 in memory: its last argument. */
const hyper = (...v: number[]) => {
  const p = w.put(new Float32Array(14));
  new Float64Array(w.memory.buffer, p, 7).set(v);
  return p;
};

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

// Every other update kernel (f32x4, the n%4 tail through the same formula on a padded copy)
// against its twin in src/reference/optim.ts: bit for bit with float32 rounding after every
// operation, and to float32 accuracy against the exact (float64) update.
type Case = {
  name: string;
  slots: number; // state slots, each n floats
  kernel: (pw: number, pg: number, ps: number[], n: number) => void;
  twin: (W: Arr, G: Arr, S: Arr[], r?: (x: number) => number) => void;
};
const f = Math.fround;
// A decay mask as the optimizer writes it: an int32 per element, 0 where no decay applies (here
// every third element, and nonzero values other than 1), put unaligned.
const maskOf = (n: number) => Int32Array.from({ length: n }, (_, i) => (i % 3 === 1 ? 0 : i % 3 === 2 ? 7 : 1));
const putMask = (n: number) => w.put(new Float32Array(maskOf(n).buffer), 3);
const CASES: Case[] = [
  { name: 'sgd momentum + dampening + coupled decay', slots: 1, kernel: (pw, pg, [b], n) => w.k.sgd_momentum_f32(pw, pg, b, n, 0.1, 0.9, 0.1, 0.01, 0, 0), twin: (W, G, [b], r) => sgdMomentum(W, G, b, 0.1, 0.9, 0.1, 0.01, 0, false, false, r) },
  { name: 'sgd nesterov, first step, decoupled decay', slots: 1, kernel: (pw, pg, [b], n) => w.k.sgd_momentum_f32(pw, pg, b, n, 0.1, 0.9, 0, 0, 0.01, 3), twin: (W, G, [b], r) => sgdMomentum(W, G, b, 0.1, 0.9, 0, 0, 0.01, true, true, r) },
  { name: 'sgd without momentum, coupled decay', slots: 0, kernel: (pw, pg, _, n) => w.k.sgd_momentum_f32(pw, pg, 0, n, 0.1, 0, 0, 0.05, 0, 0), twin: (W, G, _, r) => sgdMomentum(W, G, null, 0.1, 0, 0, 0.05, 0, false, false, r) },
  { name: 'adagrad', slots: 1, kernel: (pw, pg, [s], n) => w.k.adagrad_f32(pw, pg, s, n, 0.01, 1e-10, 0.01), twin: (W, G, [s], r) => adagrad(W, G, s, 0.01, 1e-10, 0.01, r) },
  { name: 'rmsprop', slots: 1, kernel: (pw, pg, [q], n) => w.k.rmsprop_f32(pw, pg, q, 0, 0, n, 0.01, 0.99, 1e-8, 0, 0), twin: (W, G, [q], r) => rmsprop(W, G, q, null, null, 0.01, 0.99, 1e-8, 0, 0, r) },
  { name: 'rmsprop centered, momentum, decay', slots: 3, kernel: (pw, pg, [q, a, b], n) => w.k.rmsprop_f32(pw, pg, q, a, b, n, 0.01, 0.9, 1e-6, 0.5, 0.01), twin: (W, G, [q, a, b], r) => rmsprop(W, G, q, a, b, 0.01, 0.9, 1e-6, 0.5, 0.01, r) },
  { name: 'adam', slots: 2, kernel: (pw, pg, [m, v], n) => w.k.adam_f32(pw, pg, m, v, 0, 0, n, hyper(0.01 / 0.1, 0.9, 0.999, 1e-8, 1 / Math.sqrt(0.001), 0, 1)), twin: (W, G, [m, v], r) => adam(W, G, { m, v }, 0.01 / 0.1, 0.9, 0.999, 1e-8, 1 / Math.sqrt(0.001), 0, 1, r) },
  { name: 'adam, coupled decay', slots: 2, kernel: (pw, pg, [m, v], n) => w.k.adam_f32(pw, pg, m, v, 0, 0, n, hyper(0.01, 0.8, 0.99, 1e-6, 1.3, 0.05, 1)), twin: (W, G, [m, v], r) => adam(W, G, { m, v }, 0.01, 0.8, 0.99, 1e-6, 1.3, 0.05, 1, r) },
  { name: 'amsgrad', slots: 3, kernel: (pw, pg, [m, v, x], n) => w.k.adam_f32(pw, pg, m, v, x, 0, n, hyper(0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1)), twin: (W, G, [m, v, vmax], r) => adam(W, G, { m, v, vmax }, 0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1, r) },
  { name: 'adamw (keep = 1 - lr*decay)', slots: 2, kernel: (pw, pg, [m, v], n) => w.k.adam_f32(pw, pg, m, v, 0, 0, n, hyper(0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1 - 1e-4)), twin: (W, G, [m, v], r) => adam(W, G, { m, v }, 0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1 - 1e-4, r) },
  { name: 'adamw with a decay mask', slots: 2, kernel: (pw, pg, [m, v], n) => w.k.adam_f32(pw, pg, m, v, 0, putMask(n), n, hyper(0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1 - 1e-2)), twin: (W, G, [m, v], r) => adam(W, G, { m, v, mask: maskOf(W.length) }, 0.01, 0.9, 0.999, 1e-8, 1.1, 0, 1 - 1e-2, r) },
  { name: 'adam with coupled decay, amsgrad and a decay mask', slots: 3, kernel: (pw, pg, [m, v, x], n) => w.k.adam_f32(pw, pg, m, v, x, putMask(n), n, hyper(0.01, 0.8, 0.99, 1e-6, 1.3, 0.05, 1)), twin: (W, G, [m, v, vmax], r) => adam(W, G, { m, v, vmax, mask: maskOf(W.length) }, 0.01, 0.8, 0.99, 1e-6, 1.3, 0.05, 1, r) },
  { name: 'adamax', slots: 2, kernel: (pw, pg, [m, u], n) => w.k.adamax_f32(pw, pg, m, u, n, 0.02, 0.9, 0.999, 1e-8, 0.01), twin: (W, G, [m, u], r) => adamax(W, G, m, u, 0.02, 0.9, 0.999, 1e-8, 0.01, r) },
  { name: 'nadam', slots: 2, kernel: (pw, pg, [m, v], n) => w.k.nadam_f32(pw, pg, m, v, n, 0.004, 0.006, 0.9, 0.999, 1e-8, 1000, 0.01), twin: (W, G, [m, v], r) => nadam(W, G, m, v, 0.004, 0.006, 0.9, 0.999, 1e-8, 1000, 0.01, r) },
  { name: 'adadelta', slots: 2, kernel: (pw, pg, [q, a], n) => w.k.adadelta_f32(pw, pg, q, a, n, 1, 0.9, 1e-6, 0.01), twin: (W, G, [q, a], r) => adadelta(W, G, q, a, 1, 0.9, 1e-6, 0.01, r) },
];

describe.each(CASES)('$name', (c) => {
  // Non-negative starting slots (sums of squares must be), distinct per slot.
  const start = (n: number, k: number) => Float32Array.from(randn(n, n * 13 + k, 0.01)).map(Math.abs);
  it.each(AWKWARD_SIZES)('bit for bit the twin in float32 at n=%i, three steps, unaligned', (n) => {
    const W = Float32Array.from(randn(n, n + 7)), G = Float32Array.from(randn(n, n + 8, 0.1));
    const S = Array.from({ length: c.slots }, (_, k) => start(n, k));
    const pw = w.put(W, n % 4), pg = w.put(G, 1);
    const ps = S.map((x, k) => w.put(x, (k + 2) % 4));
    for (let step = 0; step < 3; step++) {
      c.kernel(pw, pg, ps, n);
      c.twin(W, G, S, f);
    }
    expect(Array.from(w.f32(pw, n))).toEqual(Array.from(W));
    S.forEach((x, k) => expect(Array.from(w.f32(ps[k], n)), `slot ${k}`).toEqual(Array.from(x)));
  });
  it('agrees with the exact update over 20 steps, and moves the weights', () => {
    const n = 37;
    const W = Float32Array.from(randn(n, 3)), G = Float32Array.from(randn(n, 4, 0.3));
    const S = Array.from({ length: c.slots }, (_, k) => start(n, k));
    const pw = w.put(W), pg = w.put(G);
    const ps = S.map((x) => w.put(x));
    const ref = { W: Float64Array.from(W), S: S.map((x) => Float64Array.from(x)) };
    for (let t = 0; t < 20; t++) {
      c.kernel(pw, pg, ps, n);
      c.twin(ref.W, G, ref.S);
    }
    const got = w.f32(pw, n);
    let moved = 0;
    for (let i = 0; i < n; i++) {
      // Float32 rounding of 20 steps, each much smaller than |w| + 1.
      expect(Math.abs(got[i] - ref.W[i]), `w[${i}]`).toBeLessThan(1e-5 * (Math.abs(ref.W[i]) + 1));
      moved = Math.max(moved, Math.abs(ref.W[i] - W[i]));
    }
    expect(moved).toBeGreaterThan(1e-3);
  });
});

describe('adam_f32 with a decay mask', () => {
  it.each(AWKWARD_SIZES)('gives a masked-out element the bits of a call without decay, and every other one those of a call with it (n=%i)', (n) => {
    const W = Float32Array.from(randn(n, n + 11)), G = Float32Array.from(randn(n, n + 12, 0.1));
    const run = (mask: number, wd: number, keep: number) => {
      const pw = w.put(W, 1), pm = w.put(new Float32Array(n), 2), pv = w.put(new Float32Array(n), 3);
      for (let t = 0; t < 3; t++) w.k.adam_f32(pw, w.put(G), pm, pv, 0, mask, n, hyper(0.01, 0.9, 0.999, 1e-8, 1.1, wd, keep));
      return Array.from(w.f32(pw, n));
    };
    const mask = maskOf(n);
    for (const [wd, keep] of [[0, 1 - 1e-2], [0.05, 1], [0.05, 1 - 1e-2]]) {
      const masked = run(putMask(n), wd, keep), plain = run(0, 0, 1), decayed = run(0, wd, keep);
      expect(masked).toEqual(Array.from(mask, (b, i) => (b === 0 ? plain[i] : decayed[i])));
      if (n > 2) expect(masked).not.toEqual(decayed);
    }
  });
});
