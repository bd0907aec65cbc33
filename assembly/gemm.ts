// C[m,n] = alpha*op(A)*op(B) + beta*C, f32, row-major, contiguous, no leading dimensions.
//   nn: A[m,k] B[k,n]   nt: A[m,k] B[n,k]   tn: A[k,m] B[k,n]
// beta == 0 makes C write-only (NaN in C does not propagate). C must not alias A or B.
// Any 4-byte alignment (v128.load/store need none).
// Paths, chosen per call by shape (packedNN, packedTN and the entries at the end say which, with
// the measurements behind each choice):
// - Unpacked (small NN/TN, and NN/TN with 8-23 columns): a register-blocked micro-kernel of 4
//   rows x 8 columns (8 f32x4 accumulators, within V8's ~15 vector registers) reading the operands
//   in place: B rows are contiguous in j, A(i,p) is read through strides (v128.load32_splat: one
//   broadcast load per row and step), so the transposed A costs nothing extra; k and n blocked by
//   KC x NC. NT with short rows (k < 16), or with 8-63 rows of B against at least as many of A,
//   transposes B into a static buffer and takes this path too; NT with few long columns uses a
//   dot-product kernel (2 rows of A x 4 rows of B, horizontal sums).
// - Packed (large NN/TN, NN/TN whose rows are 4 KiB apart, the other NT): GotoBLAS order, op(A)
//   and op(B) blocks copied into static panels, then the same 4x8 kernel over two sequential
//   streams whatever the layouts.
// - One output column (n == 1, k >= 16): gemvN (NN, NT) and gemvT (TN); TN with 2-4 columns
//   (k >= 16): gemmFewT.
// The 4x8-kernel paths sum each element of C in the same order (over p, in blocks of 256 steps);
// the others (n <= 4 above, and NT's dot products for n < 8) are chosen by n and k alone: either
// way a row of C never depends on how many rows come with it (tested bit for bit).
// Tails: 4-wide columns, the last 1-3 through a zero-padded copy (NARROW); single rows; scalar k
// tail in NT; zero-padded panels.
// The relaxed build (ASC_FEATURE_RELAXED_SIMD) fuses multiply-add with relaxed_madd,
// which may round differently in the last bit.

import { SCRATCH_BASE, S_PACK_A, S_PACK_B, S_TILE, S_NARROW, PACK_A_BYTES, PACK_B_BYTES, TILE_BYTES, NARROW_BYTES } from './scratch';

const KC: i32 = 256;
const NC: i32 = 256;
const NT_KC: i32 = 1024; // NT streams whole rows: blocking k finer only re-reads C
const NT_NC: i32 = 256;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline function out4(cp: usize, acc: v128, alpha: v128, beta: f32): void {
  if (beta == 0) v128.store(cp, f32x4.mul(acc, alpha));
  else v128.store(cp, madd(f32x4.splat(beta), v128.load(cp), f32x4.mul(acc, alpha)));
}

@inline function out1(cp: usize, acc: f32, alpha: f32, beta: f32): void {
  store<f32>(cp, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(cp));
}

function scaleC(c: usize, count: i32, beta: f32): void {
  for (let i = 0; i < count; i++) {
    const p = c + (<usize>i << 2);
    store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
  }
}

// A(i,p) at a + i*ai + p*ap (bytes); B(p,j) at b + p*bn + j*4.
// Blocked KC x NC so the B block a 4-row strip sweeps stays in L2 (no packing: kernels
// allocate nothing); NC is a multiple of 8, so column tails only occur in the last block.
function gemmRowsB(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scaleC(c, m * n, beta);
    return;
  }
  const bn = <usize>n << 2;
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
      for (; i + 4 <= m; i += 4) rows4(c + <usize>i * bn, aP + <usize>i * ai, bP, bn, ai, ap, j0, j1, kc, alpha, bet);
      for (; i < m; i++) row1(c + <usize>i * bn, aP + <usize>i * ai, bP, bn, ap, j0, j1, kc, alpha, bet);
    }
  }
}

// The 4x8 micro-kernel, shared by both paths: C[4 x 8 at c, rows ldc bytes apart] =
// alpha * sum_p A(r,p) B(p,j) + bet*C, with A(r,p) at a + r*ai + p*ap and B(p,j) at
// b + p*bp + j*4. 8 f32x4 accumulators; per step two B loads and four broadcast loads of A,
// at fixed offsets when the four values are contiguous (ai == 4: packed panels, and TN).
// Inlined at each call site: a call per tile, with both loops in one function, cost ~10%.
@inline function kernel4x8(a: usize, ai: usize, ap: usize, b: usize, bp: usize, kc: i32, c: usize, ldc: usize, alpha: f32, bet: f32, unroll2: bool = false): void {
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  const pe = a + <usize>kc * ap;
  if (unroll2) {
    // Packed panels: two steps per iteration (+5-10% here). The second step sits behind a
    // branch binaryen cannot fold; without it binaryen sinks the first step's arithmetic below
    // the second step's loads, and V8 then spills. kc is odd at most in a last step.
    const pe2 = a + <usize>(kc & ~1) * ap;
    const two = kc > 1;
    while (pa < pe2) {
      let b0 = v128.load(pb);
      let b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      if (two) {
        const qa = pa + ap, qb = pb + bp;
        b0 = v128.load(qb);
        b1 = v128.load(qb, 16);
        s = v128.load32_splat(qa);
        x00 = madd(s, b0, x00);
        x01 = madd(s, b1, x01);
        s = v128.load32_splat(qa, 4);
        x10 = madd(s, b0, x10);
        x11 = madd(s, b1, x11);
        s = v128.load32_splat(qa, 8);
        x20 = madd(s, b0, x20);
        x21 = madd(s, b1, x21);
        s = v128.load32_splat(qa, 12);
        x30 = madd(s, b0, x30);
        x31 = madd(s, b1, x31);
      }
      pb += bp << 1;
      pa += ap << 1;
    }
    // The odd last step, written out again: letting it fall through to the one-step loop below
    // measured 5-8% slower (side by side, 256x784x256 and 1024^3).
    if (pa < pe) {
      let b0 = v128.load(pb);
      let b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
    }
  } else if (ai == 4) {
    while (pa < pe) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      pb += bp;
      pa += ap;
    }
  } else {
    const d1 = ai, d2 = ai << 1, d3 = ai * 3;
    while (pa < pe) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa + d1);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa + d2);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa + d3);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      pb += bp;
      pa += ap;
    }
  }
  const av = f32x4.splat(alpha);
  out4(c, x00, av, bet);
  out4(c + 16, x01, av, bet);
  c += ldc;
  out4(c, x10, av, bet);
  out4(c + 16, x11, av, bet);
  c += ldc;
  out4(c, x20, av, bet);
  out4(c + 16, x21, av, bet);
  c += ldc;
  out4(c, x30, av, bet);
  out4(c + 16, x31, av, bet);
}

// The last 1-3 columns of a B block (kc rows, w columns at b, rows bn bytes apart), copied once
// per block into NARROW as kc rows of four floats, zero-padded: rows4's kernel4x4 then covers
// them, at the price of lanes it discards (200x3x20 7.0 -> 3.6 us). Each kept lane sums in the same
// order as a scalar loop. row1 (at most 3 rows, where the copy would not pay) stays scalar.
const NARROW: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_NARROW : memory.data(NARROW_BYTES, 16);
function packNarrow(b: usize, bn: usize, kc: i32, w: i32): void {
  let s = b;
  const end = NARROW + (<usize>kc << 4);
  for (let d = NARROW; d < end; d += 16) {
    let v = v128.load32_zero(s);
    if (w > 1) v = f32x4.replace_lane(v, 1, load<f32>(s, 4));
    if (w > 2) v = f32x4.replace_lane(v, 2, load<f32>(s, 8));
    v128.store(d, v);
    s += bn;
  }
}

// The first w (1-3) lanes of acc into C at cp (alpha, beta as out1).
@inline function outNarrow(cp: usize, acc: v128, w: i32, alpha: f32, beta: f32): void {
  out1(cp, f32x4.extract_lane(acc, 0), alpha, beta);
  if (w > 1) out1(cp + 4, f32x4.extract_lane(acc, 1), alpha, beta);
  if (w > 2) out1(cp + 8, f32x4.extract_lane(acc, 2), alpha, beta);
}

// Four rows of C, columns j0..j1: the 4x8 micro-kernel, then 4-wide columns, the last of them
// (1-3 columns, from NARROW) partly stored.
function rows4(c0: usize, a0: usize, bP: usize, bn: usize, ai: usize, ap: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const jo = <usize>j << 2;
    kernel4x8(a0, ai, ap, bP + jo, bn, kc, c0 + jo, bn, alpha, bet);
  }
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    kernel4x4(a0, ai, ap, bP + jo, bn, kc, c0 + jo, bn, 4, alpha, bet);
  }
  if (j < j1) kernel4x4(a0, ai, ap, NARROW, 16, kc, c0 + (<usize>j << 2), bn, j1 - j, alpha, bet);
}

// C[4 x w at c] (w <= 4) = alpha * sum_p A(r,p) B(p,j) + bet*C, A as in kernel4x8, B(p,j) at
// b + p*bp + j*4 (four columns read, w kept). One pointer per operand and the stride chosen
// before the loop: with a select and four row pointers inside it V8 took ~7 cycles a step.
@inline function kernel4x4(a: usize, ai: usize, ap: usize, b: usize, bp: usize, kc: i32, c: usize, ldc: usize, w: i32, alpha: f32, bet: f32): void {
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  const pe = a + <usize>kc * ap;
  if (ai == 4) {
    while (pa < pe) {
      const b0 = v128.load(pb);
      x0 = madd(v128.load32_splat(pa), b0, x0);
      x1 = madd(v128.load32_splat(pa, 4), b0, x1);
      x2 = madd(v128.load32_splat(pa, 8), b0, x2);
      x3 = madd(v128.load32_splat(pa, 12), b0, x3);
      pb += bp;
      pa += ap;
    }
  } else {
    const d1 = ai, d2 = ai << 1, d3 = ai * 3;
    while (pa < pe) {
      const b0 = v128.load(pb);
      x0 = madd(v128.load32_splat(pa), b0, x0);
      x1 = madd(v128.load32_splat(pa + d1), b0, x1);
      x2 = madd(v128.load32_splat(pa + d2), b0, x2);
      x3 = madd(v128.load32_splat(pa + d3), b0, x3);
      pb += bp;
      pa += ap;
    }
  }
  if (w >= 4) {
    const av = f32x4.splat(alpha);
    out4(c, x0, av, bet);
    out4(c + ldc, x1, av, bet);
    out4(c + 2 * ldc, x2, av, bet);
    out4(c + 3 * ldc, x3, av, bet);
  } else {
    outNarrow(c, x0, w, alpha, bet);
    outNarrow(c + ldc, x1, w, alpha, bet);
    outNarrow(c + 2 * ldc, x2, w, alpha, bet);
    outNarrow(c + 3 * ldc, x3, w, alpha, bet);
  }
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

// One column of C (n == 1: a layer of one unit), where the 4-wide kernels keep one lane in four
// (8192x1x1024 NN 1.4 GFLOP/s, TN 1.5).
// gemvN: C[i] = alpha * dot(A[i,:], b) + beta*C[i], rows of A contiguous along k: NN, and NT,
// whose 1 x k B is the same k floats. Four rows at a time, one accumulator each along k; their
// lanes reduced by hsum4, then the k % 4 tail in order. A lone row goes through the same
// hsum4 and tail, so a row's result does not depend on the rows that come with it.
@inline function gemvTail(ar: usize, b: usize, k4: usize, rk: usize): f32 {
  let t: f32 = 0;
  for (let o = k4; o < rk; o += 4) t += load<f32>(ar + o) * load<f32>(b + o);
  return t;
}

function gemvN(c: usize, a: usize, b: usize, m: i32, k: i32, alpha: f32, beta: f32): void {
  const rk = <usize>k << 2;
  const k4 = <usize>(k & ~3) << 2;
  const av = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const a0 = a + <usize>i * rk, a1 = a0 + rk, a2 = a1 + rk, a3 = a2 + rk;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    for (let o: usize = 0; o < k4; o += 16) {
      const bv = v128.load(b + o);
      x0 = madd(v128.load(a0 + o), bv, x0);
      x1 = madd(v128.load(a1 + o), bv, x1);
      x2 = madd(v128.load(a2 + o), bv, x2);
      x3 = madd(v128.load(a3 + o), bv, x3);
    }
    let r = hsum4(x0, x1, x2, x3);
    if (k4 < rk) {
      const t = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(gemvTail(a0, b, k4, rk)), 1, gemvTail(a1, b, k4, rk)), 2, gemvTail(a2, b, k4, rk)), 3, gemvTail(a3, b, k4, rk));
      r = f32x4.add(r, t);
    }
    out4(c + (<usize>i << 2), r, av, beta);
  }
  for (; i < m; i++) {
    const a0 = a + <usize>i * rk;
    let x0 = f32x4.splat(0);
    for (let o: usize = 0; o < k4; o += 16) x0 = madd(v128.load(a0 + o), v128.load(b + o), x0);
    let r = f32x4.extract_lane(hsum4(x0, x0, x0, x0), 0);
    if (k4 < rk) r += gemvTail(a0, b, k4, rk);
    out1(c + (<usize>i << 2), r, alpha, beta);
  }
}

// gemvT (TN): C[i] = alpha * sum_p A(p,i) b[p] + beta*C[i], A stored k x m: step p's values are
// a contiguous row. Long columns accumulate in PACK_A while the rows stream by; shorter ones keep
// sixteen entries in four vector accumulators. Each entry sums over p in order either way, with
// the same multiply-add, as the 4-wide kernels do.
function gemvT(c: usize, a: usize, b: usize, m: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
  const rm = <usize>lda << 2;
  const be = b + (<usize>k << 2);
  const av = f32x4.splat(alpha);
  let i = 0;
  if (m >= 1024 && m <= PMC * PKC) {
    // Long columns (m >= 1024): the rows streamed once, in order, into accumulators in PACK_A;
    // walking down 16 columns at a time re-fetched rows 4 KiB or more apart for every block
    // (1024x1x256 7.7 -> 15.2 GFLOP/s, 8192x1x1024 1.8 -> 7.2; up to 784 rows the registers win).
    i = m & ~3;
    const end = PACK_A + (<usize>i << 2);
    for (let q = PACK_A; q < end; q += 16) v128.store(q, f32x4.splat(0));
    let pa = a;
    let pb = b;
    // Four rows a pass (each entry still takes them in order): one load and store of the
    // accumulators per four multiply-adds.
    for (; pb + 16 <= be; pb += 16) {
      const s0 = v128.load32_splat(pb), s1 = v128.load32_splat(pb, 4), s2 = v128.load32_splat(pb, 8), s3 = v128.load32_splat(pb, 12);
      let r = pa;
      for (let q = PACK_A; q < end; q += 16) {
        let x = madd(v128.load(r), s0, v128.load(q));
        x = madd(v128.load(r + rm), s1, x);
        x = madd(v128.load(r + 2 * rm), s2, x);
        v128.store(q, madd(v128.load(r + 3 * rm), s3, x));
        r += 16;
      }
      pa += rm << 2;
    }
    for (; pb < be; pb += 4) {
      const s = v128.load32_splat(pb);
      let r = pa;
      for (let q = PACK_A; q < end; q += 16) {
        v128.store(q, madd(v128.load(r), s, v128.load(q)));
        r += 16;
      }
      pa += rm;
    }
    for (let q = PACK_A; q < end; q += 16) out4(c + (q - PACK_A), v128.load(q), av, beta);
  }
  for (; i + 16 <= m; i += 16) {
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let pa = a + (<usize>i << 2);
    for (let pb = b; pb < be; pb += 4) {
      const s = v128.load32_splat(pb);
      x0 = madd(v128.load(pa), s, x0);
      x1 = madd(v128.load(pa, 16), s, x1);
      x2 = madd(v128.load(pa, 32), s, x2);
      x3 = madd(v128.load(pa, 48), s, x3);
      pa += rm;
    }
    const cp = c + (<usize>i << 2);
    out4(cp, x0, av, beta);
    out4(cp + 16, x1, av, beta);
    out4(cp + 32, x2, av, beta);
    out4(cp + 48, x3, av, beta);
  }
  for (; i + 4 <= m; i += 4) {
    let x0 = f32x4.splat(0);
    let pa = a + (<usize>i << 2);
    for (let pb = b; pb < be; pb += 4) {
      x0 = madd(v128.load(pa), v128.load32_splat(pb), x0);
      pa += rm;
    }
    out4(c + (<usize>i << 2), x0, av, beta);
  }
  // The last 1-3 entries: one lane of the same multiply-add (relaxed: fused), in the same order.
  for (; i < m; i++) {
    let x0 = f32x4.splat(0);
    let pa = a + (<usize>i << 2);
    for (let pb = b; pb < be; pb += 4) {
      x0 = madd(v128.load32_splat(pa), v128.load32_splat(pb), x0);
      pa += rm;
    }
    out1(c + (<usize>i << 2), f32x4.extract_lane(x0, 0), alpha, beta);
  }
}

// TN with 2-4 columns (a layer of 2-4 units' weight gradient), where the 4-wide kernels walk
// down A^T four values a step: C[i,j] = alpha * sum_p A(p,i) B(p,j) + beta*C[i,j], A stored k x m.
// Blocks of rows of C, 16 (n = 2) or 8 (n = 3, 4), sit in n columns of vector accumulators
// while the rows of A go by, each multiplied by the broadcast B(p,j); the block is then
// interleaved into C's rows. Each entry sums over p in order, as gemvT.
function gemmFewT(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
  const rm = <usize>lda << 2;
  const rn = <usize>n << 2;
  const be = b + <usize>k * rn;
  const av = f32x4.splat(alpha);
  let i = 0;
  if (n == 2) {
    for (; i + 16 <= m; i += 16) {
      let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
      let y0 = f32x4.splat(0), y1 = f32x4.splat(0), y2 = f32x4.splat(0), y3 = f32x4.splat(0);
      let pa = a + (<usize>i << 2);
      for (let pb = b; pb < be; pb += 8) {
        const a0 = v128.load(pa), a1 = v128.load(pa, 16), a2 = v128.load(pa, 32), a3 = v128.load(pa, 48);
        const s = v128.load32_splat(pb), t = v128.load32_splat(pb, 4);
        x0 = madd(a0, s, x0);
        x1 = madd(a1, s, x1);
        x2 = madd(a2, s, x2);
        x3 = madd(a3, s, x3);
        y0 = madd(a0, t, y0);
        y1 = madd(a1, t, y1);
        y2 = madd(a2, t, y2);
        y3 = madd(a3, t, y3);
        pa += rm;
      }
      const cp = c + <usize>i * rn;
      out4(cp, v128.shuffle<f32>(x0, y0, 0, 4, 1, 5), av, beta);
      out4(cp + 16, v128.shuffle<f32>(x0, y0, 2, 6, 3, 7), av, beta);
      out4(cp + 32, v128.shuffle<f32>(x1, y1, 0, 4, 1, 5), av, beta);
      out4(cp + 48, v128.shuffle<f32>(x1, y1, 2, 6, 3, 7), av, beta);
      out4(cp + 64, v128.shuffle<f32>(x2, y2, 0, 4, 1, 5), av, beta);
      out4(cp + 80, v128.shuffle<f32>(x2, y2, 2, 6, 3, 7), av, beta);
      out4(cp + 96, v128.shuffle<f32>(x3, y3, 0, 4, 1, 5), av, beta);
      out4(cp + 112, v128.shuffle<f32>(x3, y3, 2, 6, 3, 7), av, beta);
    }
  } else {
    const four = n == 4;
    for (; i + 8 <= m; i += 8) {
      let x0 = f32x4.splat(0), x1 = f32x4.splat(0), y0 = f32x4.splat(0), y1 = f32x4.splat(0);
      let z0 = f32x4.splat(0), z1 = f32x4.splat(0), w0 = f32x4.splat(0), w1 = f32x4.splat(0);
      let pa = a + (<usize>i << 2);
      for (let pb = b; pb < be; pb += rn) {
        const a0 = v128.load(pa), a1 = v128.load(pa, 16);
        const s = v128.load32_splat(pb), t = v128.load32_splat(pb, 4), u = v128.load32_splat(pb, 8);
        x0 = madd(a0, s, x0);
        x1 = madd(a1, s, x1);
        y0 = madd(a0, t, y0);
        y1 = madd(a1, t, y1);
        z0 = madd(a0, u, z0);
        z1 = madd(a1, u, z1);
        if (four) {
          const v = v128.load32_splat(pb, 12);
          w0 = madd(a0, v, w0);
          w1 = madd(a1, v, w1);
        }
        pa += rm;
      }
      const cp = c + <usize>i * rn;
      if (four) {
        // Two 4x4 transposes: (x, y, z, w) columns -> four rows of four.
        transposeOut(cp, x0, y0, z0, w0, av, beta);
        transposeOut(cp + 64, x1, y1, z1, w1, av, beta);
      } else {
        interleave3(cp, x0, y0, z0, av, beta);
        interleave3(cp + 48, x1, y1, z1, av, beta);
      }
    }
  }
  // Four rows at a time, one vector a column, then the last 1-3 rows: one lane of the same
  // multiply-add, in the same order.
  for (; i + 4 <= m; i += 4) {
    let x = f32x4.splat(0), y = f32x4.splat(0), z = f32x4.splat(0), w = f32x4.splat(0);
    let pa = a + (<usize>i << 2);
    for (let pb = b; pb < be; pb += rn) {
      const a0 = v128.load(pa);
      x = madd(a0, v128.load32_splat(pb), x);
      y = madd(a0, v128.load32_splat(pb, 4), y);
      if (n >= 3) z = madd(a0, v128.load32_splat(pb, 8), z);
      if (n == 4) w = madd(a0, v128.load32_splat(pb, 12), w);
      pa += rm;
    }
    const cp = c + <usize>i * rn;
    if (n == 2) {
      out4(cp, v128.shuffle<f32>(x, y, 0, 4, 1, 5), av, beta);
      out4(cp + 16, v128.shuffle<f32>(x, y, 2, 6, 3, 7), av, beta);
    } else if (n == 3) interleave3(cp, x, y, z, av, beta);
    else transposeOut(cp, x, y, z, w, av, beta);
  }
  for (; i < m; i++) {
    let x = f32x4.splat(0), y = f32x4.splat(0), z = f32x4.splat(0);
    let pa = a + (<usize>i << 2);
    if (n == 4) {
      // B's rows are exactly one vector: the four columns in its lanes.
      for (let pb = b; pb < be; pb += 16) {
        x = madd(v128.load32_splat(pa), v128.load(pb), x);
        pa += rm;
      }
      out4(c + <usize>i * rn, x, av, beta);
      continue;
    }
    for (let pb = b; pb < be; pb += rn) {
      const a0 = v128.load32_splat(pa);
      x = madd(a0, v128.load32_splat(pb), x);
      y = madd(a0, v128.load32_splat(pb, 4), y);
      if (n == 3) z = madd(a0, v128.load32_splat(pb, 8), z);
      pa += rm;
    }
    const cp = c + <usize>i * rn;
    out1(cp, f32x4.extract_lane(x, 0), alpha, beta);
    out1(cp + 4, f32x4.extract_lane(y, 0), alpha, beta);
    if (n == 3) out1(cp + 8, f32x4.extract_lane(z, 0), alpha, beta);
  }
}

// Columns x, y, z, w of a 4x4 block of C (rows at cp, 16 bytes apart) stored as its rows.
@inline function transposeOut(cp: usize, x: v128, y: v128, z: v128, w: v128, av: v128, beta: f32): void {
  const t0 = v128.shuffle<f32>(x, y, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x, y, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(z, w, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(z, w, 2, 6, 3, 7);
  out4(cp, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), av, beta);
  out4(cp + 16, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), av, beta);
  out4(cp + 32, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), av, beta);
  out4(cp + 48, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), av, beta);
}

// Columns x, y, z of four rows of C with 3 columns (12 floats at cp) stored row after row.
@inline function interleave3(cp: usize, x: v128, y: v128, z: v128, av: v128, beta: f32): void {
  const t = v128.shuffle<f32>(x, y, 0, 4, 1, 5); // x0 y0 x1 y1
  const t2 = v128.shuffle<f32>(x, y, 2, 6, 3, 7); // x2 y2 x3 y3
  const u = v128.shuffle<f32>(y, z, 1, 5, 2, 6); // y1 z1 .. ..
  out4(cp, v128.shuffle<f32>(t, z, 0, 1, 4, 2), av, beta); // x0 y0 z0 x1
  out4(cp + 16, v128.shuffle<f32>(u, t2, 0, 1, 4, 5), av, beta); // y1 z1 x2 y2
  out4(cp + 32, v128.shuffle<f32>(z, t2, 2, 6, 7, 3), av, beta); // z2 x3 y3 z3
}

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

@inline function packedNN(m: i32, n: i32, k: i32): bool {
  if (setConflict(n)) return (k >= 128 && m >= 8) || bigEnough(m, n, k);
  return bigEnough(m, n, k) && !fewColumns(n);
}

@inline function packedTN(m: i32, n: i32, k: i32): bool {
  if (n >= 8 && (setConflict(m) || setConflict(n))) return k >= 128 || bigEnough(m, n, k);
  return bigEnough(m, n, k) && !fewColumns(n);
}

export function gemm_nn_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  if (n == 1 && k >= 16) gemvN(c, a, b, m, k, alpha, beta);
  else if (packedNN(m, n, k)) gemm_packed_f32(c, a, b, m, n, k, alpha, beta, 0);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4);
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
  else if (packedTN(m, n, k)) packedRun(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2, <usize>n << 2, 4);
  else gemmRowsB(c, a, b, m, n, k, alpha, beta, 4, <usize>lda << 2);
}

@inline function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// [sum(x0), sum(x1), sum(x2), sum(x3)]: four horizontal sums with six shuffles.
@inline function hsum4(x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), v128.shuffle<f32>(x0, x1, 2, 6, 3, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), v128.shuffle<f32>(x2, x3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
}

// Scalar k tail (p in k4..kc) of one A row against four B rows, as a vector.
@inline function ntTail4(ar: usize, b0: usize, rk: usize, k4: i32, kc: i32): v128 {
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
  for (let p = k4; p < kc; p++) {
    const o = <usize>p << 2;
    const u = load<f32>(ar + o);
    t0 += u * load<f32>(b0 + o);
    t1 += u * load<f32>(b0 + rk + o);
    t2 += u * load<f32>(b0 + 2 * rk + o);
    t3 += u * load<f32>(b0 + 3 * rk + o);
  }
  return f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(t0), 1, t1), 2, t2), 3, t3);
}

// C[i,j] = alpha * dot(A[i,:], B[j,:]) + beta*C[i,j]; both rows contiguous along k.
// Micro-kernel: 2 rows of A x 4 rows of B (8 accumulators along k), reduced with hsum4
// straight into C[i, j..j+3]; k and n blocked by KC x NC like NN. Tails: 1 row of A x 4 of
// B, then single dot products for the last n%4 columns; scalar k tail.
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
  if (n * k <= PKC * PNC && ((k < 16 && !bigEnough(m, n, k)) || (n >= 8 && n < 64 && n <= m))) {
    transposeRows(PACK_B, b, n, k);
    gemmRowsB(c, a, PACK_B, m, n, k, alpha, beta, <usize>k << 2, 4);
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
  const rk = <usize>k << 2;
  const cn = <usize>n << 2;
  for (let p0 = 0; p0 < k; p0 += NT_KC) {
    const kc = min(NT_KC, k - p0);
    const bet: f32 = p0 == 0 ? beta : 1;
    const aP = a + (<usize>p0 << 2);
    const bP = b + (<usize>p0 << 2);
    for (let j0 = 0; j0 < n; j0 += NT_NC) {
      const j1 = min(j0 + NT_NC, n);
      let i = 0;
      for (; i + 2 <= m; i += 2) ntRows2(c + <usize>i * cn, aP + <usize>i * rk, bP, rk, cn, j0, j1, kc, alpha, bet);
      if (i < m) ntRow1(c + <usize>i * cn, aP + <usize>i * rk, bP, rk, j0, j1, kc, alpha, bet);
    }
  }
}

function ntRows2(c0: usize, a0: usize, bP: usize, rk: usize, cn: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  const av = f32x4.splat(alpha);
  const a1 = a0 + rk;
  const c1 = c0 + cn;
  const kb = <usize>(kc & ~3) << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const b0 = bP + <usize>j * rk;
    const b1 = b0 + rk;
    const b2 = b1 + rk;
    const b3 = b2 + rk;
    let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x02 = f32x4.splat(0), x03 = f32x4.splat(0);
    let x10 = f32x4.splat(0), x11 = f32x4.splat(0), x12 = f32x4.splat(0), x13 = f32x4.splat(0);
    for (let o: usize = 0; o < kb; o += 16) {
      const u0 = v128.load(a0 + o);
      const u1 = v128.load(a1 + o);
      let v = v128.load(b0 + o);
      x00 = madd(u0, v, x00);
      x10 = madd(u1, v, x10);
      v = v128.load(b1 + o);
      x01 = madd(u0, v, x01);
      x11 = madd(u1, v, x11);
      v = v128.load(b2 + o);
      x02 = madd(u0, v, x02);
      x12 = madd(u1, v, x12);
      v = v128.load(b3 + o);
      x03 = madd(u0, v, x03);
      x13 = madd(u1, v, x13);
    }
    let s0 = hsum4(x00, x01, x02, x03);
    let s1 = hsum4(x10, x11, x12, x13);
    if (kc & 3) {
      const k4 = kc & ~3;
      s0 = f32x4.add(s0, ntTail4(a0, b0, rk, k4, kc));
      s1 = f32x4.add(s1, ntTail4(a1, b0, rk, k4, kc));
    }
    const jo = <usize>j << 2;
    out4(c0 + jo, s0, av, bet);
    out4(c1 + jo, s1, av, bet);
  }
  for (; j < j1; j++) {
    const jo = <usize>j << 2;
    ntDot(c0 + jo, a0, bP + <usize>j * rk, kc, kc & ~3, alpha, bet);
    ntDot(c1 + jo, a1, bP + <usize>j * rk, kc, kc & ~3, alpha, bet);
  }
}

function ntRow1(c0: usize, a0: usize, bP: usize, rk: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  const av = f32x4.splat(alpha);
  const kb = <usize>(kc & ~3) << 2;
  let j = j0;
  for (; j + 4 <= j1; j += 4) {
    const b0 = bP + <usize>j * rk;
    const b1 = b0 + rk;
    const b2 = b1 + rk;
    const b3 = b2 + rk;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    for (let o: usize = 0; o < kb; o += 16) {
      const u = v128.load(a0 + o);
      x0 = madd(u, v128.load(b0 + o), x0);
      x1 = madd(u, v128.load(b1 + o), x1);
      x2 = madd(u, v128.load(b2 + o), x2);
      x3 = madd(u, v128.load(b3 + o), x3);
    }
    let s = hsum4(x0, x1, x2, x3);
    if (kc & 3) s = f32x4.add(s, ntTail4(a0, b0, rk, kc & ~3, kc));
    out4(c0 + (<usize>j << 2), s, av, bet);
  }
  for (; j < j1; j++) ntDot(c0 + (<usize>j << 2), a0, bP + <usize>j * rk, kc, kc & ~3, alpha, bet);
}

@inline function ntDot(cp: usize, ar: usize, br: usize, k: i32, k4: i32, alpha: f32, beta: f32): void {
  let x = f32x4.splat(0);
  for (let p = 0; p < k4; p += 4) {
    const o = <usize>p << 2;
    x = madd(v128.load(ar + o), v128.load(br + o), x);
  }
  let s = hsum(x);
  for (let p = k4; p < k; p++) s += load<f32>(ar + (<usize>p << 2)) * load<f32>(br + (<usize>p << 2));
  out1(cp, s, alpha, beta);
}

// ---------------------------------------------------------------------------------------
// Packed path (GotoBLAS order) for operands big enough to pay for the copies. A block of
// op(B) (PKC x PNC) is packed into 8-column panels [p][8], a block of op(A) (PMC x PKC) into
// 4-row panels [p][4], both zero-padded; the 4x8 micro-kernel then reads two sequential
// streams whatever the layouts, so NN, NT and TN all run the same inner loop. The packing
// buffers are static (below __heap_base): no allocation, not reentrant (one thread).
const PMC: i32 = 128;
const PKC: i32 = 256;
const PNC: i32 = 512;
const PACK_A: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_PACK_A : memory.data(PACK_A_BYTES, 64);
const PACK_B: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_PACK_B : memory.data(PACK_B_BYTES, 64);
const TILE: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_TILE : memory.data(TILE_BYTES, 16);

// Four rows of four floats (at src, rows rs bytes apart) stored as four columns (at dst, ds bytes
// apart): the 4x4 transpose both packings need when the operand runs along k.
@inline function transpose4(src: usize, rs: usize, dst: usize, ds: usize): void {
  const x0 = v128.load(src), x1 = v128.load(src + rs), x2 = v128.load(src + 2 * rs), x3 = v128.load(src + 3 * rs);
  const t0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + ds, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * ds, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * ds, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

// dst (k x n) = B^T for B (n x k) at b, both row-major.
function transposeRows(dst: usize, b: usize, n: i32, k: i32): void {
  const rk = <usize>k << 2, dn = <usize>n << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const s = b + <usize>j * rk, d = dst + (<usize>j << 2);
    let p = 0;
    for (; p + 4 <= k; p += 4) transpose4(s + (<usize>p << 2), rk, d + <usize>p * dn, dn);
    for (; p < k; p++) {
      for (let r = 0; r < 4; r++) store<f32>(d + <usize>p * dn + (<usize>r << 2), load<f32>(s + <usize>r * rk + (<usize>p << 2)));
    }
  }
  for (; j < n; j++) {
    for (let p = 0; p < k; p++) store<f32>(dst + <usize>p * dn + (<usize>j << 2), load<f32>(b + <usize>j * rk + (<usize>p << 2)));
  }
}

// Where the panel holding rows r..r+lanes-1 of an operand starts: panels of `lanes` (4 for op(A),
// 8 for op(B)) are kc*lanes*4 bytes plus a cache line, so that with kc = 256 they do not start
// 4 KiB apart, in one L1 set (packing TN's A, the stores went to 32 lines of one set at each step:
// 2.2 ns a float against 0.32).
@inline function panelAt(r: i32, kc: i32, lanes: i32): usize {
  return <usize>r / <usize>lanes * ((<usize>kc * <usize>lanes << 2) + 64);
}

@inline function panelA(i: i32, kc: i32): usize {
  return panelAt(i, kc, 4);
}

@inline function panelB(j: i32, kc: i32): usize {
  return panelAt(j, kc, 8);
}

// Both packings: X(p,r) at x + p*sp + r*sr, steps 0..kc and rows (of op(A)) or columns (of op(B))
// 0..count, into panels of `lanes` (4: op(A), 8: op(B)) laid out [p][lanes], zero-padded past
// count. Inlined with a constant `lanes`, so each packing gets its own loops.
@inline function packPanels(dst: usize, x: usize, sp: usize, sr: usize, kc: i32, count: i32, lanes: i32): void {
  const step = <usize>lanes << 2;
  let r = 0;
  if (sr == 4) {
    // Runs along the panel's width (TN's A, NN's and TN's B): each row p read once, in order, its
    // groups of `lanes` scattered to the panels. Panel by panel instead walked down the operand
    // one cache line per step, lines that 1024 floats a row put in one L1 set, and read each line
    // again for every panel (TN 1024x32x1024 13.6 -> 21 GFLOP/s, NN 16x1024x1024 15.2 -> 19.7).
    r = count & ~(lanes - 1);
    const panel = panelAt(lanes, kc, lanes);
    for (let p = 0; p < kc; p++) {
      const s = x + <usize>p * sp;
      let d = dst + <usize>p * step;
      for (let q = 0; q < r; q += lanes) {
        const o = <usize>q << 2;
        v128.store(d, v128.load(s + o));
        if (lanes == 8) v128.store(d, v128.load(s + o, 16), 16);
        d += panel;
      }
    }
  }
  for (; r < count; r += lanes) {
    let d = dst + panelAt(r, kc, lanes);
    const s0 = x + <usize>r * sr;
    if (count - r >= lanes && sp == 4) {
      // Runs along p (NN's A, NT's B): 4x4 transposes, lanes/4 of them per 4 steps.
      let p = 0;
      for (; p + 4 <= kc; p += 4) {
        const o = <usize>p << 2;
        transpose4(s0 + o, sr, d, step);
        if (lanes == 8) transpose4(s0 + 4 * sr + o, sr, d + 16, step);
        d += step << 2;
      }
      for (; p < kc; p++) {
        const o = <usize>p << 2;
        for (let q = 0; q < lanes; q++) store<f32>(d + (<usize>q << 2), load<f32>(s0 + <usize>q * sr + o));
        d += step;
      }
    } else {
      const valid = min(lanes, count - r);
      for (let p = 0; p < kc; p++) {
        const s = s0 + <usize>p * sp;
        for (let q = 0; q < lanes; q++) store<f32>(d + (<usize>q << 2), q < valid ? load<f32>(s + <usize>q * sr) : 0);
        d += step;
      }
    }
  }
}

// A(i,p) at a + i*ai + p*ap; rows 0..mc, steps 0..kc into panels of 4 rows (zero rows past mc).
function packA(dst: usize, a: usize, ai: usize, ap: usize, mc: i32, kc: i32): void {
  packPanels(dst, a, ap, ai, kc, mc, 4);
}

// B(p,j) at b + p*bp + j*bj; steps 0..kc, columns 0..nc into panels of 8 columns (zero columns
// past nc).
function packB(dst: usize, b: usize, bp: usize, bj: usize, kc: i32, nc: i32): void {
  packPanels(dst, b, bp, bj, kc, nc, 8);
}

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

// op(A)(i,p) at a + i*ai + p*ap, op(B)(p,j) at b + p*bp + j*bj, C row-major m x n.
function gemmPacked(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize, bp: usize, bj: usize): void {
  const ldc = <usize>n << 2;
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
  if (variant == 0) packedRun(c, a, b, m, n, k, alpha, beta, k4, 4, n4, 4); // nn
  else if (variant == 1) packedRun(c, a, b, m, n, k, alpha, beta, k4, 4, 4, k4); // nt
  else packedRun(c, a, b, m, n, k, alpha, beta, 4, m4, n4, 4); // tn
}

@inline function packedRun(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, ai: usize, ap: usize, bp: usize, bj: usize): void {
  if (m == 0 || n == 0) return;
  if (k == 0) {
    scaleC(c, m * n, beta);
    return;
  }
  gemmPacked(c, a, b, m, n, k, alpha, beta, ai, ap, bp, bj);
}
