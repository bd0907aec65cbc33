// The PRNG: wasm and TS twin bit-identical, determinism, moments, dropout and shuffles.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, loadWasm } from '../helpers/wasm.js';
import { Xoshiro128 } from '../../src/reference/rng.js';

const w = loadWasm();
const state = (lo: number, hi = 0) => {
  const p = w.arena.alloc(16, 16);
  w.k.rng_seed(p, lo, hi);
  return p;
};

describe('xoshiro128** in wasm and its TS twin', () => {
  it('seeding and uniforms are bit-identical, and advance the state identically', () => {
    for (const [lo, hi] of [[0, 0], [1, 0], [0xffffffff, 0x9e3779b9], [42, 7]]) {
      const s = state(lo, hi);
      const t = new Xoshiro128(lo, hi);
      expect(Array.from(w.i32(s, 4)).map((v) => v >>> 0)).toEqual(Array.from(t.s));
      for (const n of AWKWARD_SIZES) {
        const p = w.out(n, n % 4);
        w.k.rng_uniform_f32(p, n, 0, 1, s);
        expect(Array.from(w.f32(p, n))).toEqual(Array.from({ length: n }, () => Math.fround(t.uniform())));
      }
      expect(Array.from(w.i32(s, 4)).map((v) => v >>> 0)).toEqual(Array.from(t.s));
    }
  });
  it('uniform on [lo, hi) is lo + (hi-lo)*u rounded once to float32, bit for bit', () => {
    const s = state(21);
    const t = new Xoshiro128(21, 0);
    const [lo, hi] = [Math.fround(-0.3), Math.fround(2.7)];
    const n = 1023;
    const p = w.out(n, 3);
    w.k.rng_uniform_f32(p, n, lo, hi, s);
    const got = w.f32(p, n);
    expect(Array.from(got)).toEqual(Array.from({ length: n }, () => Math.fround(lo + (hi - lo) * t.uniform())));
    expect(got.every((v) => v >= lo && v < hi)).toBe(true);
  });
  it('normals at awkward sizes (odd n drops the last sine), unaligned, as the twin', () => {
    for (const n of AWKWARD_SIZES) {
      const s = state(n + 1);
      const t = new Xoshiro128(n + 1, 0);
      const p = w.out(n + 1, (n + 3) % 4); // one guard float past the end
      w.k.rng_normal_f32(p, n, 0, 1, s);
      expect(w.f32(p, n + 1)[n]).toBeNaN();
      const got = w.f32(p, n);
      for (let i = 0; i < n; i++) expect(Math.abs(got[i] - t.normal())).toBeLessThanOrEqual(2 ** -20 * Math.max(1, Math.abs(got[i])));
      // Odd n: the twin holds the last sine as its spare; both drew ceil(n/2) pairs of uniforms.
      expect(Array.from(w.i32(s, 4)).map((v) => v >>> 0)).toEqual(Array.from(t.s));
    }
  });
  it('normals agree with the twin (Box-Muller; libm may differ in the last bit)', () => {
    const s = state(3);
    const t = new Xoshiro128(3, 0);
    const n = 1023;
    const p = w.out(n, 1);
    w.k.rng_normal_f32(p, n, 0.5, 2, s);
    const got = w.f32(p, n);
    for (let i = 0; i < n; i++) expect(Math.abs(got[i] - (0.5 + 2 * t.normal()))).toBeLessThan(1e-5);
  });
  it('moments: uniform mean 1/2 var 1/12, normal mean 0 std 1 over 1e5 draws', () => {
    const n = 100_000;
    const s = state(11);
    const p = w.out(n);
    w.k.rng_uniform_f32(p, n, 0, 1, s);
    let m = 0, v = 0;
    for (const x of w.f32(p, n)) { m += x; v += x * x; }
    m /= n; v = v / n - m * m;
    expect(Math.abs(m - 0.5)).toBeLessThan(0.005); // ~5 standard errors
    expect(Math.abs(v - 1 / 12)).toBeLessThan(0.002);
    w.k.rng_normal_f32(p, n, 0, 1, s);
    m = 0; v = 0;
    for (const x of w.f32(p, n)) { m += x; v += x * x; }
    m /= n; v = v / n - m * m;
    expect(Math.abs(m)).toBeLessThan(0.016);
    expect(Math.abs(Math.sqrt(v) - 1)).toBeLessThan(0.012);
  });
  it('same seed repeats, different seeds differ', () => {
    const draw = (seed: number) => {
      const p = w.out(8);
      w.k.rng_uniform_f32(p, 8, 0, 1, state(seed));
      return Array.from(w.f32(p, 8));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });
});

describe('dropout masks', () => {
  it('keep-rate about 1-p, kept values scaled by exactly 1/(1-p), the same as the twin', () => {
    const n = 100_000;
    for (const p of [0.1, 0.3, 0.5]) {
      const s = state(9);
      const t = new Xoshiro128(9, 0);
      const x = w.put(new Float32Array(n).fill(2));
      const y = w.out(n);
      const mask = w.out(n, 1);
      w.k.dropout_f32(y, mask, x, n, p, s);
      const m = w.f32(mask, n);
      const keep = Math.fround(1 / (1 - p));
      let kept = 0;
      for (let i = 0; i < n; i++) {
        const want = t.uniform() >= Math.fround(p) ? keep : 0;
        if (m[i] !== want) throw new Error(`mask[${i}] = ${m[i]}, twin says ${want}`);
        if (m[i] !== 0) kept++;
      }
      const ys = w.f32(y, n);
      for (let i = 0; i < n; i++) if (ys[i] !== Math.fround(2 * m[i])) throw new Error(`y[${i}] = ${ys[i]}, mask ${m[i]}`);
      expect(Math.abs(kept / n - (1 - p))).toBeLessThan(0.01);
    }
  });
  it('at awkward sizes, unaligned, y aliasing x: y = x*mask, masks as the twin draws them', () => {
    for (const n of AWKWARD_SIZES) {
      const s = state(n + 100);
      const t = new Xoshiro128(n + 100, 0);
      const x = Float32Array.from({ length: n }, (_, i) => i - 7.25);
      const px = w.put(x, (n + 1) % 4);
      const mask = w.out(n, n % 4);
      w.k.dropout_f32(px, mask, px, n, 0.25, s);
      const want = Array.from({ length: n }, () => (t.uniform() >= 0.25 ? Math.fround(4 / 3) : 0));
      expect(Array.from(w.f32(mask, n))).toEqual(want);
      expect(Array.from(w.f32(px, n))).toEqual(Array.from(x, (v, i) => Math.fround(v * want[i])));
      expect(Array.from(w.i32(s, 4)).map((v) => v >>> 0)).toEqual(Array.from(t.s)); // one draw per element
    }
  });
  it('p = 0 keeps all; p = 1 drops all', () => {
    const x = w.put([1, 2, 3]);
    const y = w.out(3);
    const mask = w.out(3);
    w.k.dropout_f32(y, mask, x, 3, 0, state(1));
    expect(Array.from(w.f32(y, 3))).toEqual([1, 2, 3]);
    w.k.dropout_f32(y, mask, x, 3, 1, state(1));
    expect(Array.from(w.f32(y, 3))).toEqual([0, 0, 0]);
  });
});

describe('shuffle', () => {
  it('is a permutation, identical to the twin, at awkward sizes', () => {
    for (const n of AWKWARD_SIZES) {
      const s = state(n);
      const t = new Xoshiro128(n, 0);
      const p = w.arena.alloc(Math.max(n, 1) * 4);
      const ref = Int32Array.from({ length: n }, (_, i) => i);
      w.i32(p, n).set(ref);
      w.k.shuffle_i32(p, n, s);
      t.shuffle(ref);
      expect(Array.from(w.i32(p, n))).toEqual(Array.from(ref));
      expect(Array.from(ref).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }
  });
  it('puts each element at each position about equally often (5 elements, 20000 shuffles)', () => {
    const counts = Array.from({ length: 5 }, () => new Array(5).fill(0));
    const s = state(77);
    const p = w.arena.alloc(20);
    for (let k = 0; k < 20000; k++) {
      w.i32(p, 5).set([0, 1, 2, 3, 4]);
      w.k.shuffle_i32(p, 5, s);
      w.i32(p, 5).forEach((v, pos) => counts[v][pos]++);
    }
    for (const row of counts) for (const c of row) expect(Math.abs(c - 4000)).toBeLessThan(250); // ~4.5 sd
  });
});
