// attention_f32 / attention_backward_f32 against their float64 twin (src/reference/attention.ts),
// the inputs rounded to float32 first, over sequence lengths t = 1, 3, 4, 5, 17, 64 (one query
// tile of 32 and a tail, one key tile of 64), lengths past a tile (70, 130), head sizes
// d = 1, 4, 7, 16, 32 (dv = d and not), causal and not, tq != tk, an additive mask (with -inf
// entries, a boolean mask's form), both causal diagonals, unaligned offsets, dropout factors on P
// (p 0.3 and 0.9, with and without causal and mask, at tile tails).
// Tolerance: |got - want| <= 2e-5 * max |want| + 1e-5 * |want| per output (float32 sums of up to 130
// terms and exp4's 1-2 ulp; the worst seen is MEASURED below); a kernel with a row, a tile edge or a
// rescale broken misses it by orders of magnitude.
import { describe, expect, it } from 'vitest';
import { attention, attentionArgs, attentionBackward, type AttentionGeometry } from '../../src/reference/attention.js';
import { loadWasm, randn } from '../helpers/wasm.js';

const w = loadWasm();
const GUARD = 8;

function outBlock(n: number, skew: number): [number, () => void] {
  const p = w.out(n + GUARD, skew);
  return [p, () => expect(Array.from(w.f32(p + n * 4, GUARD)).every(Number.isNaN), 'nothing written past the output').toBe(true)];
}
const read = (p: number, n: number) => Float32Array.from(w.f32(p, n));
const f32 = (n: number, seed: number, scale = 1) => Float32Array.from(randn(n, seed, scale));

let worst = 0;
const maxAbs = (...xs: Float64Array[]) => Math.max(0, ...xs.flatMap((x) => Array.from(x, (v) => (Number.isFinite(v) ? Math.abs(v) : 0))));
/** want within 5e-6 * top + 1e-5 * |want| + 1e-6, top the largest of the outputs that share a scale. */
function expectNear(got: Float32Array, want: Float64Array, top: number, what: string): void {
  for (let i = 0; i < want.length; i++) {
    if (!Number.isFinite(want[i])) { // a row that sees no key: o NaN, lse -inf
      expect(Object.is(got[i], want[i]), `${what}[${i}]: got ${got[i]}, want ${want[i]}`).toBe(true);
      continue;
    }
    const err = Math.abs(got[i] - want[i]);
    const tol = 5e-6 * top + 1e-5 * Math.abs(want[i]) + 1e-6;
    if (!(err <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
    if (top > 0) worst = Math.max(worst, err / top);
  }
}

interface Case extends AttentionGeometry {
  name: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  let bh = 1;
  for (const t of [1, 3, 4, 5, 17, 64]) {
    for (const d of [1, 4, 7, 16, 32]) {
      for (const causal of [false, true]) {
        bh = (bh % 3) + 1;
        out.push({ name: `t ${t}, d ${d}${causal ? ', causal' : ''}, bh ${bh}`, bh, tq: t, tk: t, d, dv: d, scale: 1 / Math.sqrt(d), causal });
      }
    }
  }
  for (const [tq, tk, d, dv] of [[3, 17, 4, 7], [17, 5, 7, 1], [64, 1, 16, 16], [5, 64, 32, 8], [1, 70, 5, 3], [70, 130, 16, 32], [130, 70, 32, 16], [33, 65, 9, 12]]) {
    for (const causal of [false, true]) {
      out.push({ name: `tq ${tq}, tk ${tk}, d ${d}, dv ${dv}${causal ? ', causal' : ''}`, bh: 2, tq, tk, d, dv, scale: 1 / Math.sqrt(d), causal });
      if (causal) out.push({ name: `tq ${tq}, tk ${tk}, d ${d}, causal bottom-right`, bh: 2, tq, tk, d, dv, scale: 0.3, causal, diag: tk - tq });
    }
  }
  for (const [tq, tk] of [[5, 5], [17, 70], [70, 17], [40, 100]]) {
    // Additive mask, -inf in a few places but never a whole row (column 0 stays finite).
    const m = Array.from(randn(tq * tk, tq + tk), (x, i) => (i % tk !== 0 && i % 5 === 2 ? -Infinity : 0.5 * x));
    out.push({ name: `tq ${tq}, tk ${tk}, mask`, bh: 3, tq, tk, d: 8, dv: 8, scale: 0.35, causal: false, mask: Float32Array.from(m) });
    out.push({ name: `tq ${tq}, tk ${tk}, mask and causal`, bh: 1, tq, tk, d: 6, dv: 5, scale: 0.4, causal: true, mask: Float32Array.from(m) });
  }
  // Dropout factors Z [bh, tq, tk]: 0 or 1/(1-p), as dropout_f32 draws them.
  const drop = (bh: number, tq: number, tk: number, p: number, seed: number) => Float32Array.from(randn(bh * tq * tk, seed), (x) => (Math.abs(x) > 1 - p ? 0 : 1 / (1 - p)));
  for (const [tq, tk, d, dv, causal, p] of [[1, 1, 4, 4, 0, 0.3], [5, 5, 3, 4, 1, 0.3], [17, 70, 8, 5, 0, 0.3], [70, 33, 16, 16, 1, 0.9], [33, 65, 7, 12, 1, 0.3], [64, 64, 32, 32, 0, 0.5]]) {
    const g = { bh: 2, tq, tk, d, dv, scale: 1 / Math.sqrt(d), causal: causal === 1, drop: drop(2, tq, tk, p, tq * 7 + tk) };
    out.push({ name: `tq ${tq}, tk ${tk}, d ${d}, dv ${dv}${causal ? ', causal' : ''}, dropout ${p}`, ...g });
  }
  const m = Float32Array.from(randn(17 * 70, 3), (x, i) => (i % 70 !== 0 && i % 5 === 2 ? -Infinity : 0.5 * x));
  out.push({ name: 'tq 17, tk 70, mask and causal, dropout 0.3', bh: 3, tq: 17, tk: 70, d: 6, dv: 5, scale: 0.4, causal: true, mask: m, drop: drop(3, 17, 70, 0.3, 9) });
  return out;
}

// Runs both kernels on a case at the given skews; returns outputs and what the twin says.
function runCase(g: Case, skew: number) {
  const { bh, tq, tk, d, dv } = g;
  const seed = tq * 131 + tk * 17 + d * 7 + dv + (g.causal ? 5000 : 0);
  const q = f32(bh * tq * d, seed), k = f32(bh * tk * d, seed + 1), v = f32(bh * tk * dv, seed + 2), dO = f32(bh * tq * dv, seed + 3);
  const pq = w.put(q, skew), pk = w.put(k, (skew + 1) % 4), pv = w.put(v, (skew + 2) % 4), pdo = w.put(dO, (skew + 3) % 4);
  const pm = g.mask ? w.put(g.mask, (skew + 1) % 4) : 0, pz = g.drop ? w.put(Float32Array.from(g.drop), (skew + 3) % 4) : 0;
  const [po, co] = outBlock(bh * tq * dv, skew), [pl, cl] = outBlock(bh * tq, (skew + 2) % 4);
  w.k.attention_f32(po, pl, pq, pk, pv, pm, pz, ...attentionArgs(g));
  const [pdq, cdq] = outBlock(bh * tq * d, (skew + 1) % 4), [pdk, cdk] = outBlock(bh * tk * d, (skew + 3) % 4), [pdv, cdv] = outBlock(bh * tk * dv, skew);
  w.k.attention_backward_f32(pdq, pdk, pdv, pq, pk, pv, po, pdo, pl, pm, pz, ...attentionArgs(g));
  [co, cl, cdq, cdk, cdv].forEach((c) => c());
  const want = attention(q, k, v, g), grads = attentionBackward(q, k, v, dO, g);
  return { got: { o: read(po, bh * tq * dv), lse: read(pl, bh * tq), dq: read(pdq, bh * tq * d), dk: read(pdk, bh * tk * d), dv: read(pdv, bh * tk * dv) }, want: { ...want, ...grads }, ptrs: { po, pq, pk, pv, pm, pz } };
}

describe('attention kernels against the float64 twin', () => {
  cases().forEach((g, i) => {
    it(g.name, () => {
      const { got, want } = runCase(g, i % 4);
      // The gradients share a scale: with tk = 1, dq and dk are 0 but for rounding at dv's scale.
      const top = { o: maxAbs(want.o), lse: maxAbs(want.lse), dq: 0, dk: 0, dv: 0 };
      top.dq = top.dk = top.dv = maxAbs(want.dq, want.dk, want.dv);
      for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) expectNear(got[key], want[key], top[key], `${g.name}: ${key}`);
    });
  });

  it('the worst error seen is well inside the tolerance', () => {
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(5e-6);
    console.log(`attention kernels: worst |got - want| / max |want| = ${worst.toExponential(2)}`);
  });
});

describe('attention kernels: edges', () => {
  it('without an lse pointer gives the same bits of o', () => {
    const g: Case = { name: '', bh: 2, tq: 37, tk: 70, d: 7, dv: 5, scale: 0.4, causal: true };
    const { got, ptrs } = runCase(g, 1);
    const [po] = outBlock(2 * 37 * 5, 3);
    w.k.attention_f32(po, 0, ptrs.pq, ptrs.pk, ptrs.pv, 0, 0, ...attentionArgs(g));
    expect(Buffer.from(read(po, 2 * 37 * 5).buffer).equals(Buffer.from(got.o.buffer))).toBe(true);
  });

  it('dropout factors of all ones give the bits of no dropout; all 1/(1-p) give those outputs scaled (to rounding)', () => {
    const g: Case = { name: '', bh: 2, tq: 37, tk: 70, d: 7, dv: 5, scale: 0.4, causal: true };
    const plain = runCase(g, 1).got, ones = runCase({ ...g, drop: new Float32Array(2 * 37 * 70).fill(1) }, 1).got;
    for (const key of ['o', 'lse', 'dq', 'dk', 'dv'] as const) expect(Buffer.from(ones[key].buffer).equals(Buffer.from(plain[key].buffer)), key).toBe(true);
    // Z = 2 everywhere: o doubles; so does dv, and dq, dk follow from dS = P (2 dP - 2 D) (D of the doubled o).
    const twice = runCase({ ...g, drop: new Float32Array(2 * 37 * 70).fill(2) }, 1).got;
    for (const key of ['o', 'dv', 'dq', 'dk'] as const) twice[key].forEach((x, i) => expect(Math.abs(x - 2 * plain[key][i])).toBeLessThan(1e-5 * (1 + Math.abs(x))));
  });

  it('bh 0 or tq 0 writes nothing', () => {
    const [po, co] = outBlock(0, 1);
    const [pq] = outBlock(0, 2);
    w.k.attention_f32(po, po, pq, pq, pq, 0, 0, 0, 5, 5, 4, 4, 0.5, 0, 0);
    w.k.attention_f32(po, po, pq, pq, pq, 0, pq, 3, 0, 5, 4, 4, 0.5, 0, 0);
    w.k.attention_backward_f32(po, po, po, pq, pq, pq, pq, pq, pq, 0, pq, 0, 5, 5, 4, 4, 0.5, 0, 0);
    co();
  });

  it('a row that sees no key is NaN, as the formula (the twin agrees)', () => {
    const mask = Float32Array.from({ length: 3 * 4 }, (_, i) => (i >= 4 && i < 8 ? -Infinity : 0));
    const g: Case = { name: '', bh: 1, tq: 3, tk: 4, d: 2, dv: 2, scale: 1, causal: false, mask };
    const { got, want } = runCase(g, 0);
    expect(Array.from(got.o)).toEqual(Array.from(want.o, (x) => (Number.isNaN(x) ? NaN : expect.any(Number))));
    expect(Number.isNaN(got.o[2]) && Number.isNaN(got.o[3]) && !Number.isNaN(got.o[0]) && !Number.isNaN(got.o[4])).toBe(true);
  });

  it('a head dimension over 128 traps', () => {
    const p = w.out(4);
    expect(() => w.k.attention_f32(p, 0, p, p, p, 0, 0, 1, 1, 1, 129, 4, 1, 0, 0)).toThrow(WebAssembly.RuntimeError);
    expect(() => w.k.attention_backward_f32(p, p, p, p, p, p, p, p, p, 0, 0, 1, 1, 1, 4, 129, 1, 0, 0)).toThrow(WebAssembly.RuntimeError);
  });
});
