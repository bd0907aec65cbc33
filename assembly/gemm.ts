// C[m,n] = alpha*op(A)*op(B) + beta*C, f32, row-major, contiguous, no leading dimensions.
//   nn: A[m,k] B[k,n]   nt: A[m,k] B[n,k]   tn: A[k,m] B[k,n]
// beta == 0 makes C write-only (NaN in C does not propagate). C must not alias A or B.
// Any 4-byte alignment (v128.load/store need none).
// NN and TN share one register-blocked micro-kernel (4 rows x 8 columns: 8 f32x4
// accumulators, within V8's ~15 vector registers): B rows are contiguous in j, and
// A(i,p) is read through strides (v128.load32_splat: one broadcast load per row and step),
// so the transposed A costs nothing extra. k and n are blocked by KC x NC so the B block
// stays in L2. NT uses a dot-product kernel (2 rows of A x 4 rows of B, horizontal sums
// at the end), since there both operands run along k.
// Tails: 4-wide then scalar columns, single rows; scalar k tail in NT.
// The relaxed build (ASC_FEATURE_RELAXED_SIMD) fuses multiply-add with relaxed_madd,
// which may round differently in the last bit.

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
      let i = 0;
      for (; i + 4 <= m; i += 4) rows4(c + <usize>i * bn, aP + <usize>i * ai, bP, bn, ai, ap, j0, j1, kc, alpha, bet);
      for (; i < m; i++) row1(c + <usize>i * bn, aP + <usize>i * ai, bP, bn, ap, j0, j1, kc, alpha, bet);
    }
  }
}

// Four rows of C, columns j0..j1: the 4x8 micro-kernel, then 4-wide and scalar column tails.
function rows4(c0: usize, a0: usize, bP: usize, bn: usize, ai: usize, ap: usize, j0: i32, j1: i32, kc: i32, alpha: f32, bet: f32): void {
  const av = f32x4.splat(alpha);
  const a1 = a0 + ai;
  const a2 = a1 + ai;
  const a3 = a2 + ai;
  const c1 = c0 + bn;
  const c2 = c1 + bn;
  const c3 = c2 + bn;
  let j = j0;
  for (; j + 8 <= j1; j += 8) {
    const jo = <usize>j << 2;
    let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
    let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
    let bp = bP + jo;
    let pa = a0;
    const pe = a0 + <usize>kc * ap;
    if (ai == 4) {
      // TN: the four rows' A values at step p are contiguous: broadcast loads at fixed offsets.
      while (pa < pe) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
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
        bp += bn;
        pa += ap;
      }
    } else {
      const d1 = ai, d2 = ai << 1, d3 = ai * 3;
      while (pa < pe) {
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
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
        bp += bn;
        pa += ap;
      }
    }
    out4(c0 + jo, x00, av, bet);
    out4(c0 + jo + 16, x01, av, bet);
    out4(c1 + jo, x10, av, bet);
    out4(c1 + jo + 16, x11, av, bet);
    out4(c2 + jo, x20, av, bet);
    out4(c2 + jo + 16, x21, av, bet);
    out4(c3 + jo, x30, av, bet);
    out4(c3 + jo + 16, x31, av, bet);
  }
  for (; j + 4 <= j1; j += 4) {
    const jo = <usize>j << 2;
    let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(bp);
      x0 = madd(v128.load32_splat(a0 + po), b0, x0);
      x1 = madd(v128.load32_splat(a1 + po), b0, x1);
      x2 = madd(v128.load32_splat(a2 + po), b0, x2);
      x3 = madd(v128.load32_splat(a3 + po), b0, x3);
      bp += bn;
      po += ap;
    }
    out4(c0 + jo, x0, av, bet);
    out4(c1 + jo, x1, av, bet);
    out4(c2 + jo, x2, av, bet);
    out4(c3 + jo, x3, av, bet);
  }
  for (; j < j1; j++) {
    const jo = <usize>j << 2;
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      const bv = load<f32>(bp);
      s0 += load<f32>(a0 + po) * bv;
      s1 += load<f32>(a1 + po) * bv;
      s2 += load<f32>(a2 + po) * bv;
      s3 += load<f32>(a3 + po) * bv;
      bp += bn;
      po += ap;
    }
    out1(c0 + jo, s0, alpha, bet);
    out1(c1 + jo, s1, alpha, bet);
    out1(c2 + jo, s2, alpha, bet);
    out1(c3 + jo, s3, alpha, bet);
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
    const jo = <usize>j << 2;
    let s0: f32 = 0;
    let bp = bP + jo;
    let po: usize = 0;
    for (let p = 0; p < kc; p++) {
      s0 += load<f32>(a0 + po) * load<f32>(bp);
      bp += bn;
      po += ap;
    }
    out1(c0 + jo, s0, alpha, bet);
  }
}

export function gemm_nn_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  gemmRowsB(c, a, b, m, n, k, alpha, beta, <usize>k << 2, 4);
}

export function gemm_tn_f32(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
  gemmRowsB(c, a, b, m, n, k, alpha, beta, 4, <usize>m << 2);
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
