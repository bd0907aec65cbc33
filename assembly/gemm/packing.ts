// GEMM's copies of its operands and the static buffers they go to. The buffers are single
// instances: static data below __heap_base in the single-threaded builds, a fixed offset in each
// instance's scratch block in the threaded one (scratch.ts); no allocation, not reentrant. PACK_A
// and PACK_B hold the packed path's panels (packed.ts), and PACK_B also NT's transposed B and
// PACK_A gemvT's column accumulators (gemm.ts, fewcolumns.ts); TILE a partial packed tile;
// NARROW the unpacked path's last 1-3 columns (unpacked.ts).

import { SCRATCH_BASE, S_PACK_A, S_PACK_B, S_TILE, S_NARROW, PACK_A_BYTES, PACK_B_BYTES, TILE_BYTES, NARROW_BYTES } from '../scratch';

// The last 1-3 columns of a B block (kc rows, w columns at b, rows bn bytes apart), copied once
// per block into NARROW as kc rows of four floats, zero-padded: rows4's kernel4x4 then covers
// them, at the price of lanes it discards (200x3x20 7.0 -> 3.6 us). Each kept lane sums in the same
// order as a scalar loop. row1 (at most 3 rows, where the copy would not pay) stays scalar.
export const NARROW: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_NARROW : memory.data(NARROW_BYTES, 16);
export function packNarrow(b: usize, bn: usize, kc: i32, w: i32): void {
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

export const PMC: i32 = 128;
export const PKC: i32 = 256;
export const PNC: i32 = 512;
export const PACK_A: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_PACK_A : memory.data(PACK_A_BYTES, 64);
export const PACK_B: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_PACK_B : memory.data(PACK_B_BYTES, 64);
export const TILE: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_TILE : memory.data(TILE_BYTES, 16);

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
export function transposeRows(dst: usize, b: usize, n: i32, k: i32): void {
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

@inline export function panelA(i: i32, kc: i32): usize {
  return panelAt(i, kc, 4);
}

@inline export function panelB(j: i32, kc: i32): usize {
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
export function packA(dst: usize, a: usize, ai: usize, ap: usize, mc: i32, kc: i32): void {
  packPanels(dst, a, ap, ai, kc, mc, 4);
}

// B(p,j) at b + p*bp + j*bj; steps 0..kc, columns 0..nc into panels of 8 columns (zero columns
// past nc).
export function packB(dst: usize, b: usize, bp: usize, bj: usize, kc: i32, nc: i32): void {
  packPanels(dst, b, bp, bj, kc, nc, 8);
}
