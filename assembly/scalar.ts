// Scalar helpers shared by the kernel files (not exported from the module): f32 memory read
// and written through f64, a stable sigmoid, and a row's log-sum-exp.

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
