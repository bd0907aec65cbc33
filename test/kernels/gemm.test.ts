// The wasm GEMM against the naive TS twin: every mix of awkward sizes, unaligned
// offsets, alpha/beta, NaN in C with beta 0, and both builds where the runtime has them.
import { beforeAll, describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/init.js';
import { loadWasm, randn } from '../helpers/wasm.js';
import { gemmNN, gemmNT, gemmTN } from '../../src/reference/gemm.js';

const BUILDS = ['build/wasmnn.wasm', 'build/wasmnn-relaxed.wasm'];
let w = loadWasm();
// The entries choose a path by shape; 'packed' rows call the packed path (gemm_packed_f32) at
// every shape, so both paths meet every size below.
const VARIANTS = [
  ['gemm_nn_f32', gemmNN],
  ['gemm_nt_f32', gemmNT],
  ['gemm_tn_f32', gemmTN],
  ['packed nn', gemmNN],
  ['packed nt', gemmNT],
  ['packed tn', gemmTN],
] as const;
const PACKED: Record<string, number> = { 'packed nn': 0, 'packed nt': 1, 'packed tn': 2 };
const SMALL = [0, 1, 3, 4, 5, 8, 9, 17];
const BIG: [number, number, number][] = [[64, 64, 64], [33, 65, 129], [1, 1023, 5], [1023, 1, 3], [127, 255, 63], [5, 7, 1023], [9, 300, 270], [6, 521, 300], [20, 3, 200], [200, 20, 3], [100, 20, 70], [77, 63, 33], [9, 1024, 130], [1024, 9, 129], [37, 1, 300], [1030, 1, 41], [1000, 12, 700], [784, 10, 1100], [37, 2, 300], [29, 3, 65], [19, 4, 130], [1030, 3, 20]];
// Past the packed path's blocks (128 rows, 256 steps, 512 columns) and its size threshold (m*n*k >= 2^23).
const HUGE: [number, number, number][] = [[130, 521, 301], [257, 17, 2100]];

function check(name: string, ref: typeof gemmNN, m: number, n: number, k: number, alpha: number, beta: number, skew: number) {
  const A = Float32Array.from(randn(m * k, m * 7 + k + 1));
  const B = Float32Array.from(randn(k * n, n * 11 + k + 2));
  const C0 = Float32Array.from(randn(m * n, m + n + 3));
  const want = new Float64Array(C0);
  ref(want, A, B, m, n, k, alpha, beta);
  // Tolerance from the magnitude of the products summed: accumulation order differs.
  const absA = A.map(Math.abs);
  const absB = B.map(Math.abs);
  const bound = new Float64Array(m * n);
  ref(bound, absA, absB, m, n, k, Math.abs(alpha), 0);
  const pa = w.put(A, skew);
  const pb = w.put(B, (skew + 1) % 4);
  const pc = beta === 0 ? w.out(m * n, (skew + 2) % 4) : w.put(C0, (skew + 2) % 4);
  if (name in PACKED) w.k.gemm_packed_f32(pc, pa, pb, m, n, k, alpha, beta, PACKED[name]);
  else w.k[name](pc, pa, pb, m, n, k, alpha, beta);
  const got = w.f32(pc, m * n);
  for (let i = 0; i < m * n; i++) {
    const tol = 1e-6 * (bound[i] + Math.abs(beta * C0[i])) + 1e-30;
    if (!(Math.abs(got[i] - want[i]) <= tol)) {
      throw new Error(`${name} ${m}x${n}x${k} alpha ${alpha} beta ${beta} skew ${skew}: C[${i}] = ${got[i]}, want ${want[i]} (tol ${tol})`);
    }
  }
}

describe.each(BUILDS)('%s', (file) => {
  beforeAll(() => {
    if (file.includes('relaxed') && !relaxedSimdSupported()) throw new Error('relaxed SIMD unavailable: run vitest with --experimental-wasm-relaxed-simd (vitest.config.ts sets it)');
    w = loadWasm(file);
  });
  // A model's output for one sample must not depend on the batch it came in: every row of C is
  // computed with the same operations whether it falls in a block of four rows, a leftover row,
  // or a packed panel. Bit for bit, in both builds (relaxed_madd fuses where a scalar a*b+s would not).
  it.each([['gemm_nn_f32', 0], ['gemm_nt_f32', 1], ['gemm_tn_f32', 2]] as const)('%s: each row of C is the same, bit for bit, whatever the number of rows', (name, variant) => {
    for (const [m, n, k] of [[9, 1, 3], [9, 1, 40], [1030, 1, 21], [23, 2, 40], [22, 3, 17], [21, 4, 33], [9, 3, 17], [7, 10, 300], [40, 20, 70], [9, 1024, 130], [6, 13, 5], [5, 7, 2], [130, 521, 301]]) {
      const A = Float32Array.from(randn(m * k, m + 2 * k));
      const B = Float32Array.from(randn(k * n, n + 3 * k));
      const pb = w.put(B);
      const all = w.out(m * n);
      w.k[name](all, w.put(A), pb, m, n, k, 1, 0);
      const whole = Array.from(w.f32(all, m * n));
      for (const i of [0, 3, 4, m - 1]) {
        // Row i of op(A) alone: a row of A, or (tn) a column of A^T stored k x m.
        const row = variant === 2 ? Float32Array.from({ length: k }, (_, p) => A[p * m + i]) : A.subarray(i * k, (i + 1) * k);
        const one = w.out(n);
        w.k[name](one, w.put(row), pb, 1, n, k, 1, 0);
        expect(Array.from(w.f32(one, n)), `${name} ${m}x${n}x${k} row ${i}`).toEqual(whole.slice(i * n, (i + 1) * n));
      }
    }
  });

describe.each(VARIANTS)('%s', (name, ref) => {
  it('matches the twin for every combination of awkward m, n, k (beta 0: NaN in C ignored)', () => {
    for (const m of SMALL) for (const n of SMALL) for (const k of SMALL) check(name, ref, m, n, k, 1, 0, (m + n + k) % 4);
  });
  it('matches the twin with alpha and beta, at unaligned offsets', () => {
    for (const [alpha, beta] of [[0.5, 2], [-1, 1], [2, -0.5]]) {
      for (const m of [1, 4, 5, 9]) for (const n of [1, 2, 3, 7, 8, 13]) for (const k of [0, 1, 6, 17]) check(name, ref, m, n, k, alpha, beta, (m * n + k) % 4);
    }
  });
  it('matches the twin on large and thin shapes (k blocking, tails in every dimension)', () => {
    for (const [m, n, k] of BIG) check(name, ref, m, n, k, 1, 0, 1);
    check(name, ref, 17, 33, 600, 0.5, 1, 3); // k spans three cache blocks, with beta applied once
  });
  it('matches the twin past every block of the packed path and its size threshold', () => {
    for (const [m, n, k] of HUGE) check(name, ref, m, n, k, 1, 0, 2);
    check(name, ref, 130, 521, 301, -0.5, 0.25, 1);
  });
});
});
