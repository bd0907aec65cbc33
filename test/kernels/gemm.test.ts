// The wasm GEMM against the naive TS twin: every mix of awkward sizes, unaligned
// offsets, alpha/beta, NaN in C with beta 0, and both builds where the runtime has them.
import { beforeAll, describe, it } from 'vitest';
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
const BIG: [number, number, number][] = [[64, 64, 64], [33, 65, 129], [1, 1023, 5], [1023, 1, 3], [127, 255, 63], [5, 7, 1023], [9, 300, 270], [6, 521, 300], [20, 3, 200], [200, 20, 3]];
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
describe.each(VARIANTS)('%s', (name, ref) => {
  it('matches the twin for every combination of awkward m, n, k (beta 0: NaN in C ignored)', () => {
    for (const m of SMALL) for (const n of SMALL) for (const k of SMALL) check(name, ref, m, n, k, 1, 0, (m + n + k) % 4);
  });
  it('matches the twin with alpha and beta, at unaligned offsets', () => {
    for (const [alpha, beta] of [[0.5, 2], [-1, 1], [2, -0.5]]) {
      for (const m of [1, 4, 5, 9]) for (const n of [1, 7, 8, 13]) for (const k of [0, 1, 6, 17]) check(name, ref, m, n, k, alpha, beta, (m * n + k) % 4);
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
