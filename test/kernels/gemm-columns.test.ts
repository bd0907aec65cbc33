// The GEMM's column blocks (gemm_{nn,nt,tn}_ld_f32), which the threaded runtime uses to split a
// product by columns of C: against their TS twins (B's and C's rows ldb, ldc floats apart, the
// columns outside the block untouched), and bit for bit against the whole product, in both builds,
// when the product is cut at multiples of 8 columns, the way src/threads/split.ts cuts it.
import { beforeAll, describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/init.js';
import { loadWasm, randn, type Wasm } from '../helpers/wasm.js';
import { gemmNNLd, gemmNTLd, gemmTNLd } from '../../src/reference/gemm.js';

const BUILDS = ['build/wasmnn.wasm', 'build/wasmnn-relaxed.wasm'];
type V = 'nn' | 'nt' | 'tn';

interface Product {
  A: Float32Array;
  B: Float32Array;
  C0: Float32Array;
}
const product = (m: number, n: number, k: number, seed: number): Product => ({
  A: Float32Array.from(randn(m * k, seed)),
  B: Float32Array.from(randn(k * n, seed + 1)),
  C0: Float32Array.from(randn(m * n, seed + 2)),
});

// Columns [j0, j1) of the m x n product into C (m x n, in place), through the ld entry.
function block(w: Wasm, v: V, pc: number, pa: number, pb: number, m: number, n: number, k: number, j0: number, j1: number, alpha: number, beta: number): void {
  const c = pc + 4 * j0;
  if (v === 'nn') w.k.gemm_nn_ld_f32(c, pa, pb + 4 * j0, m, j1 - j0, k, alpha, beta, n, n);
  else if (v === 'nt') w.k.gemm_nt_ld_f32(c, pa, pb + 4 * j0 * k, m, j1 - j0, k, alpha, beta, n);
  else w.k.gemm_tn_ld_f32(c, pa, pb + 4 * j0, m, j1 - j0, k, alpha, beta, m, n, n);
}

let w = loadWasm();

describe.each(['nn', 'nt', 'tn'] as const)('gemm_%s_ld_f32', (v) => {
  it('matches its twin on a block of columns at awkward sizes and offsets, alpha and beta, leaving the other columns alone', () => {
    const shapes = [[1, 1, 1], [3, 5, 7], [4, 8, 16], [5, 9, 33], [17, 24, 3], [9, 40, 300], [64, 64, 64], [33, 100, 129], [130, 521, 130], [200, 300, 150]];
    for (const [m, n, k] of shapes) {
      for (const [j0, j1] of [[0, Math.ceil(n / 2)], [Math.floor(n / 3), n], [0, n]]) {
        for (const beta of [0, 0.5]) {
          const { A, B, C0 } = product(m, n, k, m * 13 + n + k);
          const bw = j1 - j0;
          const want = new Float64Array(C0);
          const Bv = v === 'nt' ? B.subarray(j0 * k) : B.subarray(j0);
          if (v === 'nn') gemmNNLd(want.subarray(j0), A, Bv, m, bw, k, 1.25, beta, n, n);
          else if (v === 'nt') gemmNTLd(want.subarray(j0), A, Bv, m, bw, k, 1.25, beta, n);
          else gemmTNLd(want.subarray(j0), A, Bv, m, bw, k, 1.25, beta, m, n, n);
          const skew = (m + n) % 4;
          const pc = w.put(C0, skew);
          block(w, v, pc, w.put(A, (skew + 1) % 4), w.put(B, (skew + 2) % 4), m, n, k, j0, j1, 1.25, beta);
          const got = w.f32(pc, m * n);
          for (let i = 0; i < m * n; i++) {
            const j = i % n;
            if (j < j0 || j >= j1) expect(got[i], `${v} ${m}x${n}x${k} [${j0},${j1}) C[${i}] outside the block`).toBe(C0[i]);
            else if (!(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])) * Math.sqrt(k + 1))) throw new Error(`${v} ${m}x${n}x${k} [${j0},${j1}) beta ${beta}: C[${i}] = ${got[i]}, want ${want[i]}`);
          }
        }
      }
    }
  });
});

describe.each(BUILDS)('%s', (file) => {
  beforeAll(() => {
    if (file.includes('relaxed') && !relaxedSimdSupported()) throw new Error('relaxed SIMD unavailable: run vitest with --experimental-wasm-relaxed-simd (vitest.config.ts sets it)');
    w = loadWasm(file);
  });
  // Shapes on every path a product of 8+ columns takes: unpacked, packed (2^23 multiply-adds and
  // more, and rows 4 KiB apart), 8-23 columns, NT's transposed B (8-63 rows of B) and NT's short
  // rows (k < 16), column tails of 1-7, past the packed blocks (128 rows, 256 steps, 512 columns).
  it.each(['nn', 'nt', 'tn'] as const)('%s: columns cut at multiples of 8 have the bits of the whole product', (v) => {
    const shapes = [[9, 16, 3], [7, 17, 300], [40, 20, 70], [128, 256, 784], [784, 256, 128], [9, 1024, 130], [130, 521, 301], [64, 40, 10], [200, 63, 150], [33, 100, 12], [5, 24, 1030]];
    for (const [m, n, k] of shapes) {
      for (const beta of [0, 0.5]) {
        const { A, B, C0 } = product(m, n, k, m + 7 * n + k);
        const pa = w.put(A), pb = w.put(B);
        const whole = w.put(C0);
        w.k[`gemm_${v}_f32`](whole, pa, pb, m, n, k, 1.25, beta);
        const want = Array.from(w.f32(whole, m * n));
        for (const parts of [2, 3, 4]) {
          const step = Math.max(8, Math.ceil(n / parts / 8) * 8);
          const pc = w.put(C0);
          for (let j0 = 0; j0 < n; j0 += step) block(w, v, pc, pa, pb, m, n, k, j0, Math.min(n, j0 + step), 1.25, beta);
          expect(Array.from(w.f32(pc, m * n)), `${v} ${m}x${n}x${k} beta ${beta} in blocks of ${step} columns`).toEqual(want);
        }
      }
    }
  });
});
