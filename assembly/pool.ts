// 2-D pooling, channels-last (x [n, h, w, c], y [n, oh, ow, c]), float32, forward and backward:
//   max:  y[b,i,j,ch] = max of x[b, r, col, ch] over the window's taps inside x,
//         r = i*sh - pt + p (p < kh), col = j*sw - pl + q (q < kw); padding is never read
//   avg:  y = (sum of those taps) / count, count = the taps inside x (countPad 0: TensorFlow's and
//         Keras' 'same', PyTorch's count_include_pad=False) or kh*kw (countPad 1: PyTorch's
//         count_include_pad=True; with floor-sized outputs every window lies inside the padded input)
//   global average: y[b, ch] = mean over the hw pixels of x[b, :, ch]
// The references are src/reference/pool.ts (which divides by the taps inside x: countPad 0).
// Channels are contiguous: four at a time in f32x4 lanes, the c % 4 left in scalar code doing the
// same operations, so a channel's result does not depend on c. No output may alias an input.
// Backward kernels zero dx first and then add each window's share, windows in order (b, i, j), so
// each dx element's sum has one fixed order; an image's dx comes from that image's dy alone, and
// the threaded runtime splits all of these by images.
// NOTE: a window with no tap inside x (pool2dGeometry refuses such geometry) gives -Infinity for
// max and 0/0 = NaN for avg with countPad 0, and sends no gradient.
import { copyRun } from './runs';

// Max pooling's rule, as PyTorch 1.13's CPU kernel and the reference: taps scanned row-major, a tap
// replaces the maximum if it is greater or NaN; so the first maximum wins a tie, the last NaN wins
// over everything, and a window of -Infinity keeps its first tap. The scan starts from the first
// tap itself (greater than -Infinity unless it is -Infinity, the same maximum either way).
@inline function takes4(v: v128, best: v128): v128 {
  return v128.or(f32x4.gt(v, best), f32x4.ne(v, v));
}
@inline function takes1(v: f32, best: f32): bool {
  return v > best || v != v;
}

// The window of output row i along one axis: taps lo .. hi - 1 of x, clipped to [0, size).
@inline function winLo(i: i32, s: i32, pad: i32): i32 {
  const t = i * s - pad;
  return t > 0 ? t : 0;
}
@inline function winHi(i: i32, s: i32, pad: i32, k: i32, size: i32): i32 {
  const t = i * s - pad + k;
  return t < size ? t : size;
}

// The byte offset (from the image's start) of each lane's first maximum over the window, by the
// rule above; xo is the image's start plus the channel's byte offset.
@inline function argmax4(xo: usize, r0: i32, r1: i32, c0: i32, c1: i32, rowB: usize, pixB: usize): v128 {
  const first = <usize>r0 * rowB + <usize>c0 * pixB;
  let best = v128.load(xo + first);
  let at = i32x4.splat(<i32>first);
  for (let r = r0; r < r1; r++) {
    let off = <usize>r * rowB + <usize>c0 * pixB;
    for (let col = c0; col < c1; col++, off += pixB) {
      const v = v128.load(xo + off);
      const m = takes4(v, best);
      best = v128.bitselect(v, best, m);
      at = v128.bitselect(i32x4.splat(<i32>off), at, m);
    }
  }
  return at;
}
@inline function argmax1(xo: usize, r0: i32, r1: i32, c0: i32, c1: i32, rowB: usize, pixB: usize): usize {
  const first = <usize>r0 * rowB + <usize>c0 * pixB;
  let best = load<f32>(xo + first);
  let at = first;
  for (let r = r0; r < r1; r++) {
    let off = <usize>r * rowB + <usize>c0 * pixB;
    for (let col = c0; col < c1; col++, off += pixB) {
      const v = load<f32>(xo + off);
      if (takes1(v, best)) {
        best = v;
        at = off;
      }
    }
  }
  return at;
}

export function maxpool2d_f32(y: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const rowB = <usize>w * pixB;
  let out = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowB;
    for (let i = 0; i < oh; i++) {
      const r0 = winLo(i, sh, pt), r1 = winHi(i, sh, pt, kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = winLo(j, sw, pl), c1 = winHi(j, sw, pl, kw, w);
        if (r0 >= r1 || c0 >= c1) {
          const inf = f32x4.splat(-Infinity);
          let ch = 0;
          for (; ch + 4 <= c; ch += 4) v128.store(out + (<usize>ch << 2), inf);
          for (; ch < c; ch++) store<f32>(out + (<usize>ch << 2), -Infinity);
          out += pixB;
          continue;
        }
        const first = xb + <usize>r0 * rowB + <usize>c0 * pixB;
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          let best = v128.load(first + o);
          for (let r = r0; r < r1; r++) {
            let p = xb + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) {
              const v = v128.load(p);
              best = v128.bitselect(v, best, takes4(v, best));
            }
          }
          v128.store(out + o, best);
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let best = load<f32>(first + o);
          for (let r = r0; r < r1; r++) {
            let p = xb + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) {
              const v = load<f32>(p);
              if (takes1(v, best)) best = v;
            }
          }
          store<f32>(out + o, best);
        }
        out += pixB;
      }
    }
  }
}

// dx[b, r, col, ch] = the sum of dy over the windows whose (first) maximum is that tap, the
// maximum found again from x by maxpool2d_f32's rule (no index tensor). In lanes: each lane keeps
// the byte offset of its best tap, then adds its dy there (a scalar add per lane: lanes of one
// window are distinct channels, so they never collide).
export function maxpool2d_backward_f32(dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const rowB = <usize>w * pixB;
  const imgB = <usize>h * rowB;
  if (sh >= kh && sw >= kw) {
    maxpoolBackwardDisjoint(dx, dy, x, n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl);
    return;
  }
  memory.fill(dx, 0, <usize>n * imgB);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * imgB;
    const db = dx + <usize>b * imgB;
    for (let i = 0; i < oh; i++) {
      const r0 = winLo(i, sh, pt), r1 = winHi(i, sh, pt, kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = winLo(j, sw, pl), c1 = winHi(j, sw, pl, kw, w);
        if (r0 >= r1 || c0 >= c1) {
          g += pixB;
          continue;
        }
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          const at = argmax4(xb + o, r0, r1, c0, c1, rowB, pixB);
          const d = db + o;
          const s = g + o;
          let p = d + <usize>i32x4.extract_lane(at, 0);
          store<f32>(p, load<f32>(p) + load<f32>(s));
          p = d + <usize>i32x4.extract_lane(at, 1) + 4;
          store<f32>(p, load<f32>(p) + load<f32>(s, 4));
          p = d + <usize>i32x4.extract_lane(at, 2) + 8;
          store<f32>(p, load<f32>(p) + load<f32>(s, 8));
          p = d + <usize>i32x4.extract_lane(at, 3) + 12;
          store<f32>(p, load<f32>(p) + load<f32>(s, 12));
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          const at = argmax1(xb + o, r0, r1, c0, c1, rowB, pixB);
          const p = db + at + o;
          store<f32>(p, load<f32>(p) + load<f32>(g + o));
        }
        g += pixB;
      }
    }
  }
}

// Windows that do not overlap (strides >= the pool, the common 2x2 stride 2): each tap of x lies
// in one window at most, so every tap of a window is written once, dy at its first maximum and 0
// elsewhere, with no zeroing pass and no read-modify-write (CNN of bench/cnn.js, 128x26x26x16 ->
// 13x13, one thread: 1.64 ms -> see bench/README.md). dy + 0 is stored, not dy: the general path
// adds dy to a zeroed dx, which turns -0 into +0, and the bits must be the same. Taps no window
// covers (a stride longer than the pool, or an edge the windows leave out) are zeroed first.
function maxpoolBackwardDisjoint(dx: usize, dy: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32): void {
  const pixB = <usize>c << 2;
  const rowB = <usize>w * pixB;
  const imgB = <usize>h * rowB;
  const covered = sh == kh && sw == kw && (oh - 1) * sh - pt + kh >= h && (ow - 1) * sw - pl + kw >= w;
  if (!covered) memory.fill(dx, 0, <usize>n * imgB);
  const zero = f32x4.splat(0);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * imgB;
    const db = dx + <usize>b * imgB;
    for (let i = 0; i < oh; i++) {
      const r0 = winLo(i, sh, pt), r1 = winHi(i, sh, pt, kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = winLo(j, sw, pl), c1 = winHi(j, sw, pl, kw, w);
        if (r0 >= r1 || c0 >= c1) {
          g += pixB;
          continue;
        }
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          const at = argmax4(xb + o, r0, r1, c0, c1, rowB, pixB);
          const d = f32x4.add(v128.load(g + o), zero);
          for (let r = r0; r < r1; r++) {
            let off = <usize>r * rowB + <usize>c0 * pixB;
            for (let col = c0; col < c1; col++, off += pixB) v128.store(db + off + o, v128.and(d, i32x4.eq(at, i32x4.splat(<i32>off))));
          }
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          const at = argmax1(xb + o, r0, r1, c0, c1, rowB, pixB);
          const d = load<f32>(g + o) + <f32>0;
          for (let r = r0; r < r1; r++) {
            let off = <usize>r * rowB + <usize>c0 * pixB;
            for (let col = c0; col < c1; col++, off += pixB) store<f32>(db + off + o, off == at ? d : <f32>0);
          }
        }
        g += pixB;
      }
    }
  }
}

// The divisor of window (r0..r1, c0..c1): its taps inside x, or all kh*kw of them.
@inline function divisor(r0: i32, r1: i32, c0: i32, c1: i32, kh: i32, kw: i32, countPad: i32): f32 {
  return <f32>(countPad ? kh * kw : (r1 - r0) * (c1 - c0));
}

// Each lane's sum in f32, taps in row-major order from 0, then one f32 division by the count.
export function avgpool2d_f32(y: usize, x: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32, countPad: i32): void {
  const pixB = <usize>c << 2;
  const rowB = <usize>w * pixB;
  let out = y;
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>h * rowB;
    for (let i = 0; i < oh; i++) {
      const r0 = winLo(i, sh, pt), r1 = winHi(i, sh, pt, kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = winLo(j, sw, pl), c1 = winHi(j, sw, pl, kw, w);
        const cnt = divisor(r0, r1, c0, c1, kh, kw, countPad);
        const cv = f32x4.splat(cnt);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          let s = f32x4.splat(0);
          for (let r = r0; r < r1; r++) {
            let p = xb + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) s = f32x4.add(s, v128.load(p));
          }
          v128.store(out + o, f32x4.div(s, cv));
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          let s: f32 = 0;
          for (let r = r0; r < r1; r++) {
            let p = xb + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) s += load<f32>(p);
          }
          store<f32>(out + o, s / cnt);
        }
        out += pixB;
      }
    }
  }
}

// dx = the sum over the windows a tap is in of f32(dy / count), windows in order.
export function avgpool2d_backward_f32(dx: usize, dy: usize, n: i32, h: i32, w: i32, c: i32, kh: i32, kw: i32, oh: i32, ow: i32, sh: i32, sw: i32, pt: i32, pl: i32, countPad: i32): void {
  const pixB = <usize>c << 2;
  const rowB = <usize>w * pixB;
  const imgB = <usize>h * rowB;
  memory.fill(dx, 0, <usize>n * imgB);
  let g = dy;
  for (let b = 0; b < n; b++) {
    const db = dx + <usize>b * imgB;
    for (let i = 0; i < oh; i++) {
      const r0 = winLo(i, sh, pt), r1 = winHi(i, sh, pt, kh, h);
      for (let j = 0; j < ow; j++) {
        const c0 = winLo(j, sw, pl), c1 = winHi(j, sw, pl, kw, w);
        const cnt = divisor(r0, r1, c0, c1, kh, kw, countPad);
        const cv = f32x4.splat(cnt);
        let ch = 0;
        for (; ch + 4 <= c; ch += 4) {
          const o = <usize>ch << 2;
          const share = f32x4.div(v128.load(g + o), cv);
          for (let r = r0; r < r1; r++) {
            let p = db + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) v128.store(p, f32x4.add(v128.load(p), share));
          }
        }
        for (; ch < c; ch++) {
          const o = <usize>ch << 2;
          const share = load<f32>(g + o) / cnt;
          for (let r = r0; r < r1; r++) {
            let p = db + <usize>r * rowB + <usize>c0 * pixB + o;
            for (let col = c0; col < c1; col++, p += pixB) store<f32>(p, load<f32>(p) + share);
          }
        }
        g += pixB;
      }
    }
  }
}

// y[b, ch] = f32(sum_p x[b, p, ch] / hw), each channel summed in f64, pixels in order (two f64x2
// accumulators per four channels; the scalar tail the same), so the result is the reference's
// float64 mean rounded once: exact against globalAvgPool2d. y must not overlap x.
export function global_avgpool_f32(y: usize, x: usize, n: i32, hw: i32, c: i32): void {
  const pixB = <usize>c << 2;
  const d = f64x2.splat(<f64>hw);
  for (let b = 0; b < n; b++) {
    const xb = x + <usize>b * <usize>hw * pixB;
    const yb = y + <usize>b * pixB;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) {
      const o = <usize>ch << 2;
      let lo = f64x2.splat(0), hi = f64x2.splat(0);
      let p = xb + o;
      for (let k = 0; k < hw; k++, p += pixB) {
        const v = v128.load(p);
        lo = f64x2.add(lo, f64x2.promote_low_f32x4(v));
        hi = f64x2.add(hi, f64x2.promote_low_f32x4(f32x4.shuffle(v, v, 2, 3, 2, 3)));
      }
      const l = f32x4.demote_f64x2_zero(f64x2.div(lo, d));
      const u = f32x4.demote_f64x2_zero(f64x2.div(hi, d));
      v128.store(yb + o, f32x4.shuffle(l, u, 0, 1, 4, 5));
    }
    for (; ch < c; ch++) {
      const o = <usize>ch << 2;
      let s: f64 = 0;
      let p = xb + o;
      for (let k = 0; k < hw; k++, p += pixB) s += <f64>load<f32>(p);
      store<f32>(yb + o, <f32>(s / <f64>hw));
    }
  }
}

// dx[b, p, ch] = dy[b, ch] / hw, one f32 division (the reference's float64 quotient rounded once
// is the same number): the first pixel's row is computed, the others copied from it.
export function global_avgpool_backward_f32(dx: usize, dy: usize, n: i32, hw: i32, c: i32): void {
  if (hw <= 0) return;
  const pixB = <usize>c << 2;
  const d = f32x4.splat(<f32>hw);
  const ds = <f32>hw;
  for (let b = 0; b < n; b++) {
    const xb = dx + <usize>b * <usize>hw * pixB;
    const g = dy + <usize>b * pixB;
    let ch = 0;
    for (; ch + 4 <= c; ch += 4) v128.store(xb + (<usize>ch << 2), f32x4.div(v128.load(g + (<usize>ch << 2)), d));
    for (; ch < c; ch++) store<f32>(xb + (<usize>ch << 2), load<f32>(g + (<usize>ch << 2)) / ds);
    for (let k = 1; k < hw; k++) copyRun(xb + <usize>k * pixB, xb, c);
  }
}
