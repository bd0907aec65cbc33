// Convolution as a product (channels-last, float32): im2col lays out each output pixel's receptive
// field as one row, so that y[n*oh*ow, cout] = col[n*oh*ow, kh*kw*cg] @ W[kh*kw*cg, cout] with W the
// HWIO filter, and col2im is its adjoint (dx from dcol = dy @ W^T):
//   col[(b*oh + i)*ow + j, (p*kw + q)*cg + ch] = x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c0 + ch]
// or 0 where that row or column of x is outside the input (padding).
// Both take channels c0 .. c0 + cg - 1 of x's c (a group of a grouped convolution; c0 = 0, cg = c
// for a plain one). Layout: contiguous, any 4-byte alignment. No allocation, no state; the
// reference twins are im2col / col2im in src/reference/conv.ts.
//
// Speed (bench/conv-kernels.mjs; figures at the end of this comment): a tap's cg channels are one
// contiguous run of x and of col, copied four floats (one v128) at a time, sixteen a step. With
// dw == 1 and cg == c the taps of a kernel row that lie inside x are one run of x too (kw*c floats
// minus the clipped ones), copied in one go, and the clipped taps are zero-filled on either side.
// The taps inside x are worked out once per output row and pixel, so the inner loops have no
// per-tap test.
import { zeroRun, copyRun, addRun } from './runs';

/** First tap t >= 0 with start + t*step >= 0, and one past the last with start + t*step < size; clamped to [0, k], lo <= hi. */
@inline function tapsLo(start: i32, step: i32, k: i32): i32 {
  if (start >= 0) return 0;
  const t = (-start + step - 1) / step;
  return t < k ? t : k;
}
@inline function tapsHi(start: i32, step: i32, k: i32, size: i32, lo: i32): i32 {
  if (start >= size) return lo;
  const t = (size - start + step - 1) / step;
  return t < lo ? lo : t < k ? t : k;
}

// NOTE: the argument order is the graph engine's ABI (src/wasm/exports.ts): output, input, then
// the input's shape, the channel range, the kernel, the output's size, strides, dilations, and the
// top and left pads (the bottom and right ones follow from oh and ow).
export function im2col_f32(col: usize, x: usize, n: i32, h: i32, w: i32, c: i32, c0: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const xRowB = <usize>w * pixB;
  const imgB = <usize>h * xRowB;
  const tapB = <usize>cg << 2;
  const kRowB = <usize>kw * tapB; // one kernel row's taps in col
  const run = dw == 1 && cg == c;
  let out = col;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * imgB + (<usize>c0 << 2);
    for (let i = 0; i < oh; i++) {
      const iy = i * sh - pt;
      const plo = tapsLo(iy, dh, kh);
      const phi = tapsHi(iy, dh, kh, h, plo);
      for (let j = 0; j < ow; j++) {
        const jx = j * sw - pl;
        const qlo = tapsLo(jx, dw, kw);
        const qhi = tapsHi(jx, dw, kw, w, qlo);
        if (plo > 0) zeroRun(out, plo * kw * cg);
        for (let p = plo; p < phi; p++) {
          const dst = out + <usize>p * kRowB;
          const src = xb + <usize>(iy + p * dh) * xRowB;
          if (qlo > 0) zeroRun(dst, qlo * cg);
          if (run) copyRun(dst + <usize>qlo * tapB, src + <usize>(jx + qlo) * pixB, (qhi - qlo) * cg);
          else for (let q = qlo; q < qhi; q++) copyRun(dst + <usize>q * tapB, src + <usize>(jx + q * dw) * pixB, cg);
          if (qhi < kw) zeroRun(dst + <usize>qhi * tapB, (kw - qhi) * cg);
        }
        if (phi < kh) zeroRun(out + <usize>phi * kRowB, (kh - phi) * kw * cg);
        out += <usize>kh * kRowB;
      }
    }
  }
}

// The adjoint of im2col_f32, same arguments: dx[b, y, x, c0 + ch] = the sum of the dcol entries
// im2col_f32 would have copied from there. Channels c0 .. c0 + cg - 1 of dx's n images are zeroed
// first (all of dx when cg == c), then each row of dcol is added in, rows in order and taps in
// order within a row, so each element's sum has one fixed order (an element gets at most one
// entry per tap and row; the one-run path adds the same entries in the same order). Each image's
// dx is written from its own rows of dcol only: the threaded runtime splits by images.
// dx must not overlap dcol.
export function col2im_f32(dx: usize, dcol: usize, n: i32, h: i32, w: i32, c: i32, c0: i32, cg: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const xRowB = <usize>w * pixB;
  const imgB = <usize>h * xRowB;
  const tapB = <usize>cg << 2;
  const kRowB = <usize>kw * tapB;
  const run = dw == 1 && cg == c;
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
      for (let j = 0; j < ow; j++) {
        const jx = j * sw - pl;
        const qlo = tapsLo(jx, dw, kw);
        const qhi = tapsHi(jx, dw, kw, w, qlo);
        for (let p = plo; p < phi; p++) {
          const s = src + <usize>p * kRowB;
          const d = xb + <usize>(iy + p * dh) * xRowB;
          if (run) addRun(d + <usize>(jx + qlo) * pixB, s + <usize>qlo * tapB, (qhi - qlo) * cg);
          else for (let q = qlo; q < qhi; q++) addRun(d + <usize>(jx + q * dw) * pixB, s + <usize>q * tapB, cg);
        }
        src += <usize>kh * kRowB;
      }
    }
  }
}
