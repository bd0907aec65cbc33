// Packed path (GotoBLAS order) for operands big enough to pay for the copies. A block of
// op(B) (PKC x PNC) is packed into 8-column panels [p][8], a block of op(A) (PMC x PKC) into
// 4-row panels [p][4], both zero-padded; the 4x8 micro-kernel then reads two sequential
// streams whatever the layouts, so NN, NT and TN all run the same inner loop. The packing
// buffers are static (packing.ts): no allocation, not reentrant (one thread).

import { out1, scaleRows, kernel4x8 } from './kernels';
import { PMC, PKC, PNC, PACK_A, PACK_B, TILE, panelA, panelB, packA, packB } from './packing';

// C tile (mr x nr, at most 4 x 8) = alpha * PA-panel . PB-panel + bet * C. A partial tile (the
// panels are zero-padded) goes through TILE, then the valid part into C.
function micro4x8(pa: usize, pb: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32, alpha: f32, bet: f32): void {
  if (mr == 4 && nr == 8) {
    kernel4x8(pa, 4, 16, pb, 32, kc, c, ldc, alpha, bet, true);
    return;
  }
  kernel4x8(pa, 4, 16, pb, 32, kc, TILE, 32, 1, 0, true);
  for (let r = 0; r < mr; r++) {
    const cr = c + <usize>r * ldc;
    const tr = TILE + (<usize>r << 5);
    for (let j = 0; j < nr; j++) out1(cr + (<usize>j << 2), load<f32>(tr + (<usize>j << 2)), alpha, bet);
  }
}

// op(A)(i,p) at a + i*ai + p*ap, op(B)(p,j) at b + p*bp + j*bj, C(i,j) at c + i*ldc + j*4 (bytes).
function gemmPacked(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize, bp: usize, bj: usize, ldc: usize): void {
  for (let jc = 0; jc < n; jc += PNC) {
    const nc = min(PNC, n - jc);
    for (let pc = 0; pc < k; pc += PKC) {
      const kc = min(PKC, k - pc);
      packB(PACK_B, b + <usize>pc * bp + <usize>jc * bj, bp, bj, kc, nc);
      const bet: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += PMC) {
        const mc = min(PMC, m - ic);
        packA(PACK_A, a + <usize>ic * ai + <usize>pc * ap, ai, ap, mc, kc);
        const cBlock = c + <usize>ic * ldc + (<usize>jc << 2);
        for (let jr = 0; jr < nc; jr += 8) {
          const pb = PACK_B + panelB(jr, kc);
          for (let ir = 0; ir < mc; ir += 4) {
            micro4x8(PACK_A + panelA(ir, kc), pb, kc, cBlock + <usize>ir * ldc + (<usize>jr << 2), ldc, min(4, mc - ir), min(8, nc - jr), alpha, bet);
          }
        }
      }
    }
  }
}

// Exported for benchmarks and tests of the packed path itself; the gemm_* entries choose.
export function gemm_packed_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, variant: i32): void {
  const m4 = <usize>m << 2, n4 = <usize>n << 2, k4 = <usize>k << 2;
  if (variant == 0) packedRun(c, a, b, m, n, k, alpha, beta, k4, 4, n4, 4, n4); // nn
  else if (variant == 1) packedRun(c, a, b, m, n, k, alpha, beta, k4, 4, 4, k4, n4); // nt
  else packedRun(c, a, b, m, n, k, alpha, beta, 4, m4, n4, 4, n4); // tn
}

@inline export function packedRun(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize, bp: usize, bj: usize, ldc: usize): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scaleRows(c, m, n, ldc, beta);
    return;
  }
  gemmPacked(c, a, b, m, n, k, alpha, beta, ai, ap, bp, bj, ldc);
}
