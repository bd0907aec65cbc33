// Scalar helpers shared by the kernel files (not exported from the module): f32 memory read
// and written through f64, a stable sigmoid, a row's log-sum-exp, and the padded copies through
// which the f32x4 kernels run their last n%4 elements.

@inline export function ld(p: usize, i: i32): f64 {
  return <f64>load<f32>(p + (<usize>i << 2));
}

@inline export function st(p: usize, i: i32, v: f64): void {
  store<f32>(p + (<usize>i << 2), <f32>v);
}

@inline export function sigmoid(x: f64): f64 {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

// log(sum(exp(row))) with the row max subtracted first: stable at logits of +-1000.
@inline export function rowLse(row: usize, cols: i32): f64 {
  let m = -Infinity;
  for (let c = 0; c < cols; c++) m = Math.max(m, ld(row, c));
  let s: f64 = 0;
  for (let c = 0; c < cols; c++) s += Math.exp(ld(row, c) - m);
  return m + Math.log(s);
}

// Copies r < 4 floats at src into the 4-lane slot dst, zero-padded, and returns dst; a src of 0
// (an absent optional operand) gives 0.
@inline export function padIn(dst: usize, src: usize, r: i32): usize {
  if (!src) return 0;
  v128.store(dst, f32x4.splat(0));
  for (let j = 0; j < r; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
  return dst;
}

// The first r < 4 floats of the slot src back to dst; nothing when dst is 0.
@inline export function padOut(dst: usize, src: usize, r: i32): void {
  if (!dst) return;
  for (let j = 0; j < r; j++) store<f32>(dst + (<usize>j << 2), load<f32>(src + (<usize>j << 2)));
}
