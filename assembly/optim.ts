// Fused optimizer updates over one flat region of n parameters (w) and gradients (g).
// sgd: w <- (1 - decay)*w - lr*g
// Layout: contiguous, any 4-byte alignment; f32x4 with a scalar tail.

export function sgd_f32(w: usize, g: usize, n: i32, lr: f32, decay: f32): void {
  const keep: f32 = 1 - decay;
  const kv = f32x4.splat(keep);
  const lv = f32x4.splat(lr);
  let i = 0;
  if (decay == 0) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, f32x4.sub(v128.load(w + o), f32x4.mul(lv, v128.load(g + o))));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(w + o, f32x4.sub(f32x4.mul(kv, v128.load(w + o)), f32x4.mul(lv, v128.load(g + o))));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(w + o, (decay == 0 ? load<f32>(w + o) : keep * load<f32>(w + o)) - lr * load<f32>(g + o));
  }
}
