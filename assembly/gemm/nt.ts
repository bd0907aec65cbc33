// NT as dot products, the path for few long columns (gemm.ts says when):
// C[i,j] = alpha * dot(A[i,:], B[j,:]) + beta*C[i,j]; both rows contiguous along k.
// Micro-kernel: 2 rows of A x 4 rows of B (8 accumulators along k), reduced with hsum4
// straight into C[i, j..j+3]; k and n blocked by NT_KC x NT_NC. Tails: 1 row of A x 4 of
// B, then single dot products for the last n%4 columns; scalar k tail.

import { madd, out4, out1, hsum, hsum4 } from './kernels';

const NT_KC: i32 = 1024; // NT streams whole rows: blocking k finer only re-reads C
const NT_NC: i32 = 256;

// The whole product this way (m, n, k > 0: the caller handles empty products): k and n blocked
// by NT_KC x NT_NC, two rows of A at a time, then the last row.
@inline export function gemmDotNT(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32): void {
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
