// attention_decode_f32 (a generating model's attention over its key/value cache) against its
// float64 twin (src/reference/attention.ts's attentionDecode), over cache lengths len = 1, 3, 4,
// 5, 17, 64, 65, 130, 1023 (tile edges of 64 keys), one query, a few and all of them (a prefill),
// head sizes d = 1, 4, 7, 32, dv = d and not, unaligned offsets, and caches whose rows past len
// hold NaN (never read). Tolerance as test/kernels/attention.test.ts (5e-6 of the largest output
// + 1e-5 relative + 1e-6). Then the property generation rests on: each query row has the bits of
// the same row of a causal attention_f32 over the whole sequence.
import { describe, expect, it } from 'vitest';
import { attention, attentionDecode, type DecodeGeometry } from '../../src/reference/attention.js';
import { loadWasm, randn } from '../helpers/wasm.js';

const w = loadWasm();
const GUARD = 8;
const f32 = (n: number, seed: number) => Float32Array.from(randn(n, seed));
const bits = (p: number, n: number) => Buffer.from(Float32Array.from(w.f32(p, n)).buffer);

// A cache [bh, ld, width] holding `rows` [bh, len, width] in its first len rows, NaN after.
function cache(rows: Float32Array, g: DecodeGeometry, width: number, skew: number): number {
  const c = new Float32Array(g.bh * g.ld * width).fill(NaN);
  for (let u = 0; u < g.bh; u++) c.set(rows.subarray(u * g.len * width, (u + 1) * g.len * width), u * g.ld * width);
  return w.put(c, skew);
}

function run(g: DecodeGeometry, skew: number, seed: number) {
  const { bh, tq, len, d, dv } = g;
  const q = f32(bh * tq * d, seed), k = f32(bh * len * d, seed + 1), v = f32(bh * len * dv, seed + 2);
  const po = w.out(bh * tq * dv + GUARD, skew);
  w.k.attention_decode_f32(po, w.put(q, (skew + 1) % 4), cache(k, g, d, (skew + 2) % 4), cache(v, g, dv, (skew + 3) % 4), bh, tq, len, g.ld, d, dv, g.scale);
  expect(Array.from(w.f32(po + bh * tq * dv * 4, GUARD)).every(Number.isNaN), 'nothing written past the output').toBe(true);
  return { po, got: Float32Array.from(w.f32(po, bh * tq * dv)), q, k, v };
}

const cases: DecodeGeometry[] = [];
for (const len of [1, 3, 4, 5, 17, 64, 65, 130, 1023]) {
  for (const tq of [...new Set([1, Math.min(3, len), len])]) {
    const d = [1, 4, 7, 32][cases.length % 4], dv = cases.length % 3 === 0 ? d : 5;
    cases.push({ bh: (cases.length % 3) + 1, tq, len, ld: len + (cases.length % 5), d: len === 1023 && tq > 3 ? 4 : d, dv, scale: 1 / Math.sqrt(d) });
  }
}

describe('attention_decode_f32 against the float64 twin', () => {
  cases.forEach((g, i) => {
    it(`bh ${g.bh}, tq ${g.tq} of len ${g.len} (ld ${g.ld}), d ${g.d}, dv ${g.dv}`, () => {
      const { got, q, k, v } = run(g, i % 4, 7 * i + 1);
      const want = attentionDecode(q, k, v, { ...g, ld: g.len }); // k and v as written, before the cache spaced them
      const top = Math.max(...Array.from(want, Math.abs));
      for (let j = 0; j < want.length; j++) {
        const tol = 5e-6 * top + 1e-5 * Math.abs(want[j]) + 1e-6;
        if (!(Math.abs(got[j] - want[j]) <= tol)) throw new Error(`[${j}]: got ${got[j]}, want ${want[j]} (tolerance ${tol})`);
      }
    });
  });

  it('the twin is the causal attention of the whole sequence, its last tq rows', () => {
    const g: DecodeGeometry = { bh: 1, tq: 2, len: 5, ld: 5, d: 3, dv: 2, scale: 0.5 };
    const q = randn(5 * 3, 1), k = randn(5 * 3, 2), v = randn(5 * 2, 3);
    const whole = attention(q, k, v, { bh: 1, tq: 5, tk: 5, d: 3, dv: 2, scale: 0.5, causal: true }).o;
    expect(Array.from(attentionDecode(q.subarray(9), k, v, g))).toEqual(Array.from(whole.subarray(6)));
  });
});

describe('attention_decode_f32: generation', () => {
  it("each query row has the bits of that row of a causal attention_f32 over all len positions (the uncached model's)", () => {
    for (const [bh, len, d] of [[2, 1, 4], [4, 7, 32], [3, 64, 16], [2, 65, 8], [4, 100, 32], [1, 257, 5]]) {
      const q = f32(bh * len * d, len), k = f32(bh * len * d, len + 1), v = f32(bh * len * d, len + 2);
      const pq = w.put(q, 1), pk = w.put(k, 2), pv = w.put(v, 3), whole = w.out(bh * len * d);
      w.k.attention_f32(whole, 0, pq, pk, pv, 0, 0, bh, len, len, d, d, 1 / Math.sqrt(d), 1, 0);
      for (const tq of [1, 2, len]) {
        if (tq > len) continue;
        // The last tq queries of each unit, packed [bh, tq, d], over caches of ld = len + 3 rows.
        const g: DecodeGeometry = { bh, tq, len, ld: len + 3, d, dv: d, scale: 1 / Math.sqrt(d) };
        const qs = new Float32Array(bh * tq * d);
        for (let u = 0; u < bh; u++) qs.set(q.subarray((u * len + len - tq) * d, (u + 1) * len * d), u * tq * d);
        const po = w.out(bh * tq * d, 2);
        w.k.attention_decode_f32(po, w.put(qs), cache(k, g, d, 0), cache(v, g, d, 1), bh, tq, len, g.ld, d, d, g.scale);
        for (let u = 0; u < bh; u++) {
          const want = bits(whole + ((u * len + len - tq) * d) * 4, tq * d), got = bits(po + u * tq * d * 4, tq * d);
          expect(got.equals(want), `bh ${bh}, len ${len}, d ${d}, tq ${tq}, unit ${u}`).toBe(true);
        }
      }
    }
  });

  it('bh 0 or tq 0 writes nothing; tq > len, len > ld or a head over 128 traps', () => {
    const po = w.out(GUARD, 1), p = w.put(f32(64, 1));
    w.k.attention_decode_f32(po, p, p, p, 0, 1, 4, 4, 4, 4, 0.5);
    w.k.attention_decode_f32(po, p, p, p, 3, 0, 4, 4, 4, 4, 0.5);
    expect(Array.from(w.f32(po, GUARD)).every(Number.isNaN)).toBe(true);
    expect(() => w.k.attention_decode_f32(po, p, p, p, 1, 5, 4, 4, 4, 4, 0.5)).toThrow(WebAssembly.RuntimeError);
    expect(() => w.k.attention_decode_f32(po, p, p, p, 1, 1, 5, 4, 4, 4, 0.5)).toThrow(WebAssembly.RuntimeError);
    expect(() => w.k.attention_decode_f32(po, p, p, p, 1, 1, 1, 1, 129, 4, 0.5)).toThrow(WebAssembly.RuntimeError);
  });
});
