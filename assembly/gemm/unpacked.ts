// The unpacked path: C = alpha*op(A)*B + beta*C with op(A) read in place through strides (NN, TN,
// and NT once B is transposed) and B's rows contiguous in j, four rows of C at a time through the
// 4x8 and 4x4 micro-kernels (kernels.ts), the m tail one row at a time.

import { madd, out4, out1, scaleRows, kernel4x8, kernel4x4 } from './kernels';
import { NARROW, packNarrow } from './packing';

const KC: i32 = 256;
const NC: i32 = 256;

// A(i,p) at a + i*ai + p*ap (bytes); B(p,j) at b + p*bn + j*4; C(i,j) at c + i*cn + j*4.
// Blocked KC x NC so the B block a 4-row strip sweeps stays in L2 (no packing: kernels
// allocate nothing); NC is a multiple of 8, so column tails only occur in the last block.
export function gemmRowsB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize, bn: usize, cn: usize): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scaleRows(c, m, n, cn, beta);
    return;
  }
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = min(KC, k - p0);
    const bet: f32 = p0 == 0 ? beta : 1;
    const aP = a + <usize>p0 * ap;
    const bP = b + <usize>p0 * bn;
    for (let j0 = 0; j0 < n; j0 += NC) {
      const j1 = min(j0 + NC, n);
      const jt = j1 - ((j1 - j0) & 3);
      if (jt < j1 && m >= 4) packNarrow(bP + (<usize>jt << 2), bn, kc, j1 - jt); // for rows4 only
      let i = 0;
      for (; i + 4 <= m; i += 4) rows4(c + <usize>i * cn, aP + <usize>i * ai, bP, bn, cn, ai, ap, j0, j1, kc, alpha, bet);
      for (; i < m; i++) row1(c + <usize>i * cn, aP + <usize>i * ai, bP, bn, ap, j0, j1, kc, alpha, bet);
    }
  }
}

// Four rows of C, columns j0..j1: the 4x8 micro-kernel, then 4-wide columns, the last of them
// (1-3 columns, from NARROW) partly stored.
function rows4(c0: usize, a0: usize, bP: usize, bn: usize, cn: usize, ai: usize, ap: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const jo = <usize>j << 2;
    kernel4x8(a0, ai, ap, bP + jo, bn, kc, c0 + jo, cn, alpha, bet);
  }
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    kernel4x4(a0, ai, ap, bP + jo, bn, kc, c0 + jo, cn, 4, alpha, bet);
  }
  if (j < j1) kernel4x4(a0, ai, ap, NARROW, 16, kc, c0 + (<usize>j << 2), cn, j1 - j, alpha, bet);
}

// One row of C (the m tail), columns j0..j1.
function row1(c0: usize, a0: usize, bP: usize, bn: usize, ap: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  const av = f32x4.splat(alpha);
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const jo = <usize>j << 2;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0);
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      const s = v128.load32_splat(a0 + po);
      x0 = madd(s, v128.load(bp), x0);
      x1 = madd(s, v128.load(bp, 16), x1);
      bp += bn;
      po += ap;
    }
    out4(c0 + jo, x0, av, bet);
    out4(c0 + jo + 16, x1, av, bet);
  }
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    let x0 = f32x4.splat(0);
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      x0 = madd(v128.load32_splat(a0 + po), v128.load(bp), x0);
      bp += bn;
      po += ap;
    }
    out4(c0 + jo, x0, av, bet);
  }
  for (; j < j1; j++) {
    // One lane of the same multiply-add as rows4's NARROW lanes, so that a row's result does not
    // depend on whether it fell in a block of four (with relaxed_madd a scalar a*b+s would differ).
    const jo = <usize>j << 2;
    let x0 = f32x4.splat(0);
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      x0 = madd(v128.load32_splat(a0 + po), v128.load32_splat(bp), x0);
      bp += bn;
      po += ap;
    }
    out1(c0 + jo, f32x4.extract_lane(x0, 0), alpha, bet);
  }
}
