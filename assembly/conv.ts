// Convolution as a product (channels-last, float32): im2col lays out each output pixel's receptive
// field as one row, so that y[n*oh*ow, cout] = col[n*oh*ow, kh*kw*cg] @ W[kh*kw*cg, cout] with W the
// HWIO filter, and col2im is its adjoint (dx from dcol = dy @ W^T):
//   col[(b*oh + i)*ow + j, (p*kw + q)*cg + ch] = x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c0 + ch]
// or 0 where that row or column of x is outside the input (padding).
// Both take channels c0 .. c0 + cg - 1 of x's c (a group of a grouped convolution; c0 = 0, cg = c
// for a plain one). Layout: contiguous, any 4-byte alignment. No allocation, no state; the
// reference twins are im2col / col2im in src/reference/im2col.ts.
//
// Speed: a tap's cg channels are one contiguous run of x and of col, copied four floats (one v128)
// at a time, sixteen a step (assembly/runs.ts). With dw == 1 and cg == c the taps of a kernel row
// are one run of x too, kw*c floats. The loops go image, output row, kernel row, output column: the
// columns whose taps all lie inside x (worked out once per call) are then one copy each with two
// pointer steps, and only the columns at the edges clip their taps (the clipped ones zero-filled).
// That order against row by row of col (each row's kernel rows, with the clipping per pixel) on
// the MNIST CNN's shapes, Zen 5: im2col 1.12 -> 0.49 ms (c = 1), 0.31 -> 0.22 ms (c = 16).
//
// bench/conv-kernels.mjs, 2026-12-07, AMD EPYC Zen 5 (2 cores, shared, load ~2.7), Node 20, plain
// build, one thread, batch 128, 3x3 valid; GFLOP/s (2MNK / median time) of the pass against the
// GEMM alone on the same [M,K]x[K,N], and im2col's or col2im's share of the pass:
//   layer                 M x N x K        forward (im2col + NN)   dW (TN, col kept)  dx (NT + col2im)
//   [128,28,28,1] -> 16   86528 x 16 x 9   22.6 vs 41.1, im2col 45%  47.7 vs 47.4       18.3 vs 29.1, col2im 36%
//   [128,13,13,16] -> 32  15488 x 32 x 144 51.4 vs 54.7, im2col 6%   52.7 vs 52.6       48.3 vs 52.7, col2im 9%
//   [128,5,5,32] -> 32    1152 x 32 x 288  49.0 vs 53.2, im2col 7%   52.2 vs 52.5       49.1 vs 54.5, col2im 10%
// (im2col 0.50, 0.18, 0.03 ms; col2im 0.49, 0.26, 0.04 ms.) The first layer's product is short (K = 9),
// so its copy weighs: 3.1 MB of col written from 0.4 MB of x.
import { zeroRun, copyRun, addRun } from './runs';

/** First tap t >= 0 with start + t*step >= 0, clamped to k. */
@inline function tapsLo(start: i32, step: i32, k: i32): i32 {
  if (start >= 0) return 0;
  const t = step == 1 ? -start : (-start + step - 1) / step;
  return t < k ? t : k;
}
/** One past the last tap t < k with start + t*step < size, at least lo. */
@inline function tapsHi(start: i32, step: i32, k: i32, size: i32, lo: i32): i32 {
  if (start >= size) return lo;
  const t = step == 1 ? size - start : (size - start + step - 1) / step;
  return t < lo ? lo : t < k ? t : k;
}
/** The output columns [lo, hi) whose every tap is inside x: lo = ceil(pad/s), hi from the last tap's reach. */
@inline function innerLo(pad: i32, s: i32, out: i32): i32 {
  const t = (pad + s - 1) / s;
  return t < out ? t : out;
}
@inline function innerHi(size: i32, k: i32, d: i32, s: i32, pad: i32, out: i32, lo: i32): i32 {
  const num = size - 1 - (k - 1) * d + pad; // jx + (k-1)*d <= size - 1
  const t = num < 0 ? 0 : num / s + 1;
  return t < lo ? lo : t < out ? t : out;
}

// One output pixel's taps of one kernel row, x's row at src (clipped to the taps inside x), into dst.
@inline function copyTaps(dst: usize, src: usize, jx: i32, w: i32, kw: i32, dw: i32, cg: i32, pixB: usize, run: bool): void {
  const qlo = tapsLo(jx, dw, kw);
  const qhi = tapsHi(jx, dw, kw, w, qlo);
  const tapB = <usize>cg << 2;
  if (qlo > 0) zeroRun(dst, qlo * cg);
  if (run) copyRun(dst + <usize>qlo * tapB, src + <usize>(jx + qlo) * pixB, (qhi - qlo) * cg);
  else for (let q = qlo; q < qhi; q++) copyRun(dst + <usize>q * tapB, src + <usize>(jx + q * dw) * pixB, cg);
  if (qhi < kw) zeroRun(dst + <usize>qhi * tapB, (kw - qhi) * cg);
}
@inline function addTaps(dst: usize, src: usize, jx: i32, w: i32, kw: i32, dw: i32, cg: i32, pixB: usize, run: bool): void {
  const qlo = tapsLo(jx, dw, kw);
  const qhi = tapsHi(jx, dw, kw, w, qlo);
  const tapB = <usize>cg << 2;
  if (run) addRun(dst + <usize>(jx + qlo) * pixB, src + <usize>qlo * tapB, (qhi - qlo) * cg);
  else for (let q = qlo; q < qhi; q++) addRun(dst + <usize>(jx + q * dw) * pixB, src + <usize>q * tapB, cg);
}

// NOTE: the argument order is the graph engine's ABI (src/wasm/exports.ts): output, input, then
// the input's shape, the channel range, the kernel, the output's size, strides, dilations, and the
// top and left pads (the bottom and right ones follow from oh and ow).
// Loops: image, output row, kernel row, output column, so the innermost loop over the output
// columns whose taps all lie inside x is one copy per column with two pointer steps; the columns
// at the left and right edges clip their taps.
export function im2col_f32(col: usize, x: usize, n: i32, h: i32, w: i32, c: i32, c0: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const xRowB = <usize>w * pixB;
  const imgB = <usize>h * xRowB;
  const tapB = <usize>cg << 2;
  const kRowB = <usize>kw * tapB; // one kernel row's taps in a row of col
  const rowB = <usize>kh * kRowB; // a row of col
  const L = kw * cg;
  const run = dw == 1 && cg == c;
  const jlo = innerLo(pl, sw, ow);
  const jhi = innerHi(w, kw, dw, sw, pl, ow, jlo);
  const step = <usize>sw * pixB;
  let out = col;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * imgB + (<usize>c0 << 2);
    for (let i = 0; i < oh; i++) {
      const iy = i * sh - pt;
      const plo = tapsLo(iy, dh, kh);
      const phi = tapsHi(iy, dh, kh, h, plo);
      for (let p = 0; p < kh; p++) {
        let d = out + <usize>p * kRowB;
        if (p < plo || p >= phi) {
          for (let j = 0; j < ow; j++, d += rowB) zeroRun(d, L);
          continue;
        }
        const src = xb + <usize>(iy + p * dh) * xRowB;
        for (let j = 0; j < jlo; j++, d += rowB) copyTaps(d, src, j * sw - pl, w, kw, dw, cg, pixB, run);
        let s = src + <usize>(jlo * sw - pl) * pixB;
        if (run) for (let j = jlo; j < jhi; j++, d += rowB, s += step) copyRun(d, s, L);
        else {
          for (let j = jlo; j < jhi; j++, d += rowB, s += step) {
            for (let q = 0; q < kw; q++) copyRun(d + <usize>q * tapB, s + <usize>(q * dw) * pixB, cg);
          }
        }
        for (let j = jhi; j < ow; j++, d += rowB) copyTaps(d, src, j * sw - pl, w, kw, dw, cg, pixB, run);
      }
      out += <usize>ow * rowB;
    }
  }
}

// The adjoint of im2col_f32, same arguments: dx[b, y, x, c0 + ch] = the sum of the dcol entries
// im2col_f32 would have copied from there. Channels c0 .. c0 + cg - 1 of dx's n images are zeroed
// first (all of dx when cg == c), then dcol is added in, in im2col_f32's loop order. Each element's
// sum has that one fixed order, which is dcol's row order: within an output row an element is
// reached from one kernel row only, so putting the kernel rows outside the columns leaves each
// element's additions in the order of the columns. Each image's dx is written from its own rows of
// dcol only: the threaded runtime splits by images. dx must not overlap dcol.
export function col2im_f32(dx: usize, dcol: usize, n: i32, h: i32, w: i32, c: i32, c0: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const xRowB = <usize>w * pixB;
  const imgB = <usize>h * xRowB;
  const tapB = <usize>cg << 2;
  const kRowB = <usize>kw * tapB;
  const rowB = <usize>kh * kRowB;
  const L = kw * cg;
  const run = dw == 1 && cg == c;
  const jlo = innerLo(pl, sw, ow);
  const jhi = innerHi(w, kw, dw, sw, pl, ow, jlo);
  const step = <usize>sw * pixB;
  if (cg == c) memory.fill(dx, 0, <usize>n * imgB);
  else {
    const pixels = n * h * w;
    for (let k = 0; k < pixels; k++) zeroRun(dx + <usize>k * pixB + (<usize>c0 << 2), cg);
  }
  let src = dcol;
  for (let b = 0; b < n; b++) {
    const xb = dx + <usize>b * imgB + (<usize>c0 << 2);
    for (let i = 0; i < oh; i++) {
      const iy = i * sh - pt;
      const plo = tapsLo(iy, dh, kh);
      const phi = tapsHi(iy, dh, kh, h, plo);
      for (let p = plo; p < phi; p++) {
        let s = src + <usize>p * kRowB;
        const dst = xb + <usize>(iy + p * dh) * xRowB;
        for (let j = 0; j < jlo; j++, s += rowB) addTaps(dst, s, j * sw - pl, w, kw, dw, cg, pixB, run);
        let d = dst + <usize>(jlo * sw - pl) * pixB;
        if (run) for (let j = jlo; j < jhi; j++, s += rowB, d += step) addRun(d, s, L);
        else {
          for (let j = jlo; j < jhi; j++, s += rowB, d += step) {
            for (let q = 0; q < kw; q++) addRun(d + <usize>(q * dw) * pixB, s + <usize>q * tapB, cg);
          }
        }
        for (let j = jhi; j < ow; j++, s += rowB) addTaps(dst, s, j * sw - pl, w, kw, dw, cg, pixB, run);
      }
      src += <usize>ow * rowB;
    }
  }
}
