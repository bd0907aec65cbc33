// C[m,n] = alpha*op(A)*op(B) + beta*C, f32, row-major, contiguous, no leading dimensions.
//   nn: A[m,k] B[k,n]   nt: A[m,k] B[n,k]   tn: A[k,m] B[k,n]
// beta == 0 makes C write-only (NaN in C does not propagate). C must not alias A or B.
// Any 4-byte alignment (v128.load/store need none).
// This file holds the exported entries and the choice of path; the paths are in gemm/.
// Paths, chosen per call by shape (packedNN, packedTN and the entries below say which, with
// the measurements behind each choice):
// - Unpacked (gemm/unpacked.ts; small NN/TN, and NN/TN with 8-23 columns): a register-blocked
//   micro-kernel of 4 rows x 8 columns (gemm/kernels.ts; 8 f32x4 accumulators, within V8's ~15
//   vector registers) reading the operands in place: B rows are contiguous in j, A(i,p) is read
//   through strides (v128.load32_splat: one broadcast load per row and step), so the transposed A
//   costs nothing extra; k and n blocked by KC x NC. NT with short rows (k < 16), or with 8-63 rows
//   of B against at least as many of A, transposes B into a static buffer and takes this path too;
//   NT with few long columns uses a dot-product kernel (gemm/nt.ts: 2 rows of A x 4 rows of B,
//   horizontal sums).
// - Packed (gemm/packed.ts; large NN/TN, NN/TN whose rows are 4 KiB apart, the other NT):
//   GotoBLAS order, op(A) and op(B) blocks copied into static panels (gemm/packing.ts, which holds
//   every copy and static buffer), then the same 4x8 kernel over two sequential streams whatever
//   the layouts.
// - One output column (gemm/fewcolumns.ts; n == 1, k >= 16): gemvN (NN, NT) and gemvT (TN); TN
//   with 2-4 columns (k >= 16): gemmFewT.
// The 4x8-kernel paths sum each element of C in the same order (over p, in blocks of 256 steps);
// the others (n <= 4 above, and NT's dot products for n < 8) are chosen by n and k alone: either
// way a row of C never depends on how many rows come with it (tested bit for bit).
// Tails: 4-wide columns, the last 1-3 through a zero-padded copy (NARROW); single rows; scalar k
// tail in NT; zero-padded panels.
// The relaxed build (ASC_FEATURE_RELAXED_SIMD) fuses multiply-add with relaxed_madd,
// which may round differently in the last bit.

import { gemvN, gemvT, gemmFewT } from './gemm/fewcolumns';
import { scaleC } from './gemm/kernels';
import { gemmDotNT } from './gemm/nt';
import { gemm_packed_f32, packedRun } from './gemm/packed';
import { PKC, PNC, PACK_B, transposeRows } from './gemm/packing';
import { gemmRowsB } from './gemm/unpacked';

// Which path: packing pays once the operands outgrow the caches (rows of 1024 floats put a
// strip's rows in the same L1 sets) and is about even below; measured on this project's
// machine (bench/gemm-quick.mjs with pnn/pnt/ptn): 256x784x256 even, 1024^3 +40-60%.
const PACK_MIN_WORK: i64 = 1 << 23; // m*n*k
@inline function bigEnough(m: i32, n: i32, k: i32): bool {
  return <i64>m * <i64>n * <i64>k >= PACK_MIN_WORK;
}

// Rows of w floats, w a multiple of 512 from 1024 up: rows 4 KiB (or a multiple of 2 KiB) apart,
// which the unpacked kernels walk down one per step, fall in one or two L1 sets.
@inline function setConflict(w: i32): bool {
  return w >= 1024 && (w & 511) == 0;
}

// Whether NN and TN take the packed path (measured on this project's machine, GFLOP/s):
// - past the size threshold, except for 8-23 columns, where the packed path computes whole
//   8-column panels and copies all of A for few columns (NN 1000x10x1000 12.8 vs 15.6 unpacked,
//   2048x8x1024 13.7 vs 16.0, 2000x16x512 19.8 vs 21.8; TN 784x12x1000 14.0 vs 17-20, 960x10x1000
//   10.4 vs 14.6, 2000x16x512 16-19 vs 20-21, but 1000x10x1000 10-11 vs 9.5; at 24-31 even;
//   below 8, mixed);
// - rows that conflict in L1 (above), from 128 steps on even below the threshold, with at least 8
//   rows (NN) or columns (TN) (NN 16x1024x128 15.8 -> 19.7, 32x1024x128 16.2 -> 20.8; TN
//   1024x32x128 16.3 -> 20.7, 2048x10x256 9.8 -> 12.1; but NN 8x1024x64 20.8 vs 15.8).
@inline function fewColumns(n: i32): bool {
  return n >= 8 && n < 24;
}

// ldb (and lda) the row strides in floats, which the set conflicts go by: n (m) for a whole product.
@inline function packedNN(m: i32, n: i32, k: i32, ldb: i32 = n): bool {
  if (setConflict(ldb)) return (k >= 128 && m >= 8) || bigEnough(m, n, k);
  return bigEnough(m, n, k) && !fewColumns(n);
}

@inline function packedTN(m: i32, n: i32, k: i32, lda: i32 = m, ldb: i32 = n): bool {
  if (n >= 8 && (setConflict(lda) || setConflict(ldb))) return k >= 128 || bigEnough(m, n, k);
  return bigEnough(m, n, k) && !fewColumns(n);
}

export function gemm_nn_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  if (n == 1 && k >= 16) gemvN(c, a, b, m, k, alpha, beta);
  else if (packedNN(m, n, k)) gemm_packed_f32(c, a, b, m, n, k, alpha, beta, 0);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4, <usize>n << 2, <usize>n << 2);
}

export function gemm_tn_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  gemmTN(c, a, b, m, n, k, alpha, beta, m);
}

// TN over m rows of C whose A (k x lda, lda >= m) starts at column a: the rows of C one thread
// owns in the threaded runtime, which calls it with a and c advanced to its first row. Each entry
// is summed as in the whole product (the paths below differ only in how rows are grouped).
export function gemm_tn_lda_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
  gemmTN(c, a, b, m, n, k, alpha, beta, lda);
}

@inline function gemmTN(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
  if (n == 1 && k >= 16) gemvT(c, a, b, m, k, alpha, beta, lda);
  else if (n <= 4 && k >= 16) gemmFewT(c, a, b, m, n, k, alpha, beta, lda);
  else if (packedTN(m, n, k)) packedRun(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2, <usize>n << 2, 4, <usize>n << 2);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2, <usize>n << 2, <usize>n << 2);
}

// Whether NT goes through B's transpose and the unpacked kernels (gemm_nt_f32 says why).
@inline function ntTransposes(m: i32, n: i32, k: i32): bool {
  return n * k <= PKC * PNC && ((k < 16 && !bigEnough(m, n, k)) || (n >= 8 && n < 64 && n <= m));
}

// NT: one column through gemvN, short or few rows of B through B's transpose and the unpacked
// kernels, else the packed path, or the dot products for few long columns (gemm/nt.ts).
export function gemm_nt_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  if (n == 1 && k >= 16) {
    gemvN(c, a, b, m, k, alpha, beta);
    return;
  }
  // Short rows of B (k < 16), or few of them (8 <= n < 64) against at least as many rows of A:
  // B's transpose (k x n) into PACK_B, then the unpacked NN kernels, which beat the packed path
  // there (200x20x3 8.5 vs 4.6 GFLOP/s, 128x128x10 17.4 vs 14.7, 1000x1000x8 18.0 vs 13.9;
  // 128x10x128 15.8 vs 12.2, 200x20x200 21.4 vs 17.9, 128x36x128 21.6 vs 19.5, and past the size
  // threshold 784x10x2048 15.3 vs 11.9, 2048x10x1024 12.2 vs 9.8): the packed path
  // copies all of A for few columns, the transpose copies B once for all rows. Both sum each
  // element in the same order, so the choice by m keeps a row's result independent of the batch.
  // Otherwise the packed path beats the dot-product kernel except for a few long columns (n < 8,
  // k large): 20x3x200 4.8 vs 7.9.
  if (ntTransposes(m, n, k)) {
    transposeRows(PACK_B, b, n, k);
    gemmRowsB(c, a, PACK_B, m, n, k, alpha, beta, <usize>k << 2, 4, <usize>n << 2, <usize>n << 2);
    return;
  }
  if (n >= 8 || k < 16) {
    gemm_packed_f32(c, a, b, m, n, k, alpha, beta, 1);
    return;
  }
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scaleC(c, m * n, beta);
    return;
  }
  gemmDotNT(c, a, b, m, n, k, alpha, beta);
}

// A block of columns of a product, for the threaded runtime's split by columns (src/threads/
// split.ts): the same entries with the row strides of B and C (ld*, in floats) given apart from
// n, so a thread computes C[:, j0:j1] with its pointers advanced to column j0. With ldb == ldc ==
// n (and lda == m for TN) they are the entries above. Otherwise, whatever n, the block goes
// through a 4x8-kernel path (packed or unpacked, chosen by the block's shape as above), never
// the few-column paths: every column of a whole product of 8 columns or more also comes from a
// 4x8-kernel path, summed in the same order, so a block split at a multiple of 8 columns has the
// bits of the whole call (tested bit for bit). NT's B needs no stride: its rows are C's columns.
export function gemm_nn_ld_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ldb: i32, ldc: i32): void {
  if (ldb == n && ldc == n) gemm_nn_f32(c, a, b, m, n, k, alpha, beta);
  else if (packedNN(m, n, k, ldb)) packedRun(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4, <usize>ldb << 2, 4, <usize>ldc << 2);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4, <usize>ldb << 2, <usize>ldc << 2);
}

export function gemm_tn_ld_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, lda: i32, ldb: i32, ldc: i32): void {
  if (ldb == n && ldc == n) gemmTN(c, a, b, m, n, k, alpha, beta, lda);
  else if (packedTN(m, n, k, lda, ldb)) packedRun(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2, <usize>ldb << 2, 4, <usize>ldc << 2);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2, <usize>ldb << 2, <usize>ldc << 2);
}

export function gemm_nt_ld_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ldc: i32): void {
  if (ldc == n) {
    gemm_nt_f32(c, a, b, m, n, k, alpha, beta);
    return;
  }
  if (ntTransposes(m, n, k)) {
    transposeRows(PACK_B, b, n, k);
    gemmRowsB(c, a, PACK_B, m, n, k, alpha, beta, <usize>k << 2, 4, <usize>n << 2, <usize>ldc << 2);
  } else packedRun(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4, 4, <usize>k << 2, <usize>ldc << 2);
}

// Exported for benchmarks and tests of the packed path itself; the gemm_* entries choose.
export { gemm_packed_f32 } from './gemm/packed';
