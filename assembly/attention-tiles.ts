// The small products and packings of the fused attention kernels (assembly/attention.ts): a
// v128 GEMM over 4 rows x 8 columns on tiles whose widths are multiples of 4, and the copies
// that put q, k and v tiles in that form (zero columns up to a multiple of 4).
import { madd } from './gemm/kernels';
import { copyRun, zeroRun } from './runs';

@inline export function at(p: usize, i: i32): usize {
  return p + (<usize>i << 2);
}

// C[m, n] = (acc ? C : 0) + A[m, kk] @ B[kk, n]; rows lda, ldb, ldc floats apart, n a multiple of 4.
// A is read a float at a time, B and C by v128. Each element adds its kk products in order p = 0, 1, ...
export function mm(c: usize, ldc: i32, a: usize, lda: i32, b: usize, ldb: i32, m: i32, n: i32, kk: i32, acc: bool): void {
  const sa = <usize>lda << 2, sb = <usize>ldb << 2, sc = <usize>ldc << 2;
  const z = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= m; i += 4) {
    const ar = a + <usize>i * sa, cr = c + <usize>i * sc;
    let j = 0;
    for (; j + 8 <= n; j += 8) {
      const c0 = at(cr, j), c1 = c0 + sc, c2 = c1 + sc, c3 = c2 + sc;
      let x00 = acc ? v128.load(c0) : z, x01 = acc ? v128.load(c0, 16) : z;
      let x10 = acc ? v128.load(c1) : z, x11 = acc ? v128.load(c1, 16) : z;
      let x20 = acc ? v128.load(c2) : z, x21 = acc ? v128.load(c2, 16) : z;
      let x30 = acc ? v128.load(c3) : z, x31 = acc ? v128.load(c3, 16) : z;
      let pa = ar, pb = at(b, j);
      for (let p = 0; p < kk; p++) {
        const b0 = v128.load(pb), b1 = v128.load(pb, 16);
        let s = v128.load32_splat(pa);
        x00 = madd(s, b0, x00);
        x01 = madd(s, b1, x01);
        s = v128.load32_splat(pa + sa);
        x10 = madd(s, b0, x10);
        x11 = madd(s, b1, x11);
        s = v128.load32_splat(pa + 2 * sa);
        x20 = madd(s, b0, x20);
        x21 = madd(s, b1, x21);
        s = v128.load32_splat(pa + 3 * sa);
        x30 = madd(s, b0, x30);
        x31 = madd(s, b1, x31);
        pa += 4;
        pb += sb;
      }
      v128.store(c0, x00);
      v128.store(c0, x01, 16);
      v128.store(c1, x10);
      v128.store(c1, x11, 16);
      v128.store(c2, x20);
      v128.store(c2, x21, 16);
      v128.store(c3, x30);
      v128.store(c3, x31, 16);
    }
    if (j < n) {
      const c0 = at(cr, j), c1 = c0 + sc, c2 = c1 + sc, c3 = c2 + sc;
      let x0 = acc ? v128.load(c0) : z, x1 = acc ? v128.load(c1) : z, x2 = acc ? v128.load(c2) : z, x3 = acc ? v128.load(c3) : z;
      let pa = ar, pb = at(b, j);
      for (let p = 0; p < kk; p++) {
        const b0 = v128.load(pb);
        x0 = madd(v128.load32_splat(pa), b0, x0);
        x1 = madd(v128.load32_splat(pa + sa), b0, x1);
        x2 = madd(v128.load32_splat(pa + 2 * sa), b0, x2);
        x3 = madd(v128.load32_splat(pa + 3 * sa), b0, x3);
        pa += 4;
        pb += sb;
      }
      v128.store(c0, x0); v128.store(c1, x1); v128.store(c2, x2); v128.store(c3, x3);
    }
  }
  for (; i < m; i++) {
    const ar = a + <usize>i * sa, cr = c + <usize>i * sc;
    for (let j = 0; j < n; j += 4) {
      const c0 = at(cr, j);
      let x0 = acc ? v128.load(c0) : z;
      let pa = ar, pb = at(b, j);
      for (let p = 0; p < kk; p++) {
        x0 = madd(v128.load32_splat(pa), v128.load(pb), x0);
        pa += 4;
        pb += sb;
      }
      v128.store(c0, x0);
    }
  }
}

// dst[p, c] = src[c, p] for p < n, c < w (src rows n floats apart), dst rows ldd apart; zero for w <= c < wp.
export function packT(dst: usize, ldd: i32, src: usize, n: i32, w: i32, wp: i32): void {
  for (let p = 0; p < n; p++) {
    const row = dst + (<usize>(p * ldd) << 2);
    for (let c = 0; c < w; c++) store<f32>(at(row, c), load<f32>(at(src, c * n + p)));
    for (let c = w; c < wp; c++) store<f32>(at(row, c), 0);
  }
}

// dst[r, 0..n) = src[r, 0..n) for r < rows, then zeros up to ldd (n rounded up to 4).
export function packRows(dst: usize, ldd: i32, src: usize, n: i32, rows: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = dst + (<usize>(r * ldd) << 2);
    copyRun(row, at(src, r * n), n);
    zeroRun(at(row, n), ldd - n);
  }
}
