// Products with one output column (gemvN for NN and NT, gemvT for TN) and TN with 2-4 columns
// (gemmFewT): the shapes where the 4-wide kernels would keep one lane in four or walk down A^T four
// values a step. Each entry of C sums over p in order with the same multiply-add as those kernels.

import { madd, out4, out1, hsum4 } from './kernels';
import { PMC, PKC, PACK_A } from './packing';

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

export function gemvN(c: usize, a: usize, b: usize, m: i32, k: i32, alpha: f32, beta: f32): void {
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
export function gemvT(c: usize, a: usize, b: usize, m: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
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
export function gemmFewT(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, alpha: f32, beta: f32, lda: i32): void {
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
