// Max and min over the middle axis of x [outer, r, inner] (row-major f32), and the gradient of the
// max with PyTorch's amax rule for ties: y[o, j] = max_i x[o, i, j] (min with isMin), and
// dx[o, i, j] = x[o, i, j] == y[o, j] ? dy[o, j] / count[o, j] : 0, count the maxima of (o, j).
// Four columns j a step (f32x4), then a scalar tail; any 4-byte alignment. f32x4.max/min and
// Mathf.max/min propagate NaN, as torch.amax does (a NaN's column then has no maximum equal to
// y, so its gradient is 0). y may alias x (y[o, j] is written after every x it covers was read,
// and no later o reads it); dx may alias x (each element is read before it is written), not dy.

export function reduce_max_f32(y: usize, x: usize, outer: i32, r: i32, inner: i32, isMin: i32): void {
  const rowB = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const xo = x + <usize>o * <usize>r * rowB, yo = y + <usize>o * rowB;
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const at = <usize>j << 2;
      let best = v128.load(xo + at);
      for (let i = 1; i < r; i++) {
        const v = v128.load(xo + <usize>i * rowB + at);
        best = isMin ? f32x4.min(best, v) : f32x4.max(best, v);
      }
      v128.store(yo + at, best);
    }
    for (; j < inner; j++) {
      const at = <usize>j << 2;
      let best = load<f32>(xo + at);
      for (let i = 1; i < r; i++) {
        const v = load<f32>(xo + <usize>i * rowB + at);
        best = isMin ? Mathf.min(best, v) : Mathf.max(best, v);
      }
      store<f32>(yo + at, best);
    }
  }
}

export function reduce_max_backward_f32(dx: usize, dy: usize, x: usize, y: usize, outer: i32, r: i32, inner: i32): void {
  const rowB = <usize>inner << 2;
  const one = f32x4.splat(1), zero = f32x4.splat(0);
  for (let o = 0; o < outer; o++) {
    const off = <usize>o * <usize>r * rowB, yo = <usize>o * rowB;
    let j = 0;
    for (; j + 4 <= inner; j += 4) {
      const at = <usize>j << 2;
      const m = v128.load(y + yo + at);
      let count = zero;
      for (let i = 0; i < r; i++) count = f32x4.add(count, v128.and(f32x4.eq(v128.load(x + off + <usize>i * rowB + at), m), one));
      const g = f32x4.div(v128.load(dy + yo + at), count);
      for (let i = 0; i < r; i++) {
        const p = off + <usize>i * rowB + at;
        v128.store(dx + p, v128.and(f32x4.eq(v128.load(x + p), m), g));
      }
    }
    for (; j < inner; j++) {
      const at = <usize>j << 2;
      const m = load<f32>(y + yo + at);
      let count: f32 = 0;
      for (let i = 0; i < r; i++) if (load<f32>(x + off + <usize>i * rowB + at) == m) count += 1;
      const g = load<f32>(dy + yo + at) / count;
      for (let i = 0; i < r; i++) {
        const p = off + <usize>i * rowB + at;
        store<f32>(dx + p, load<f32>(x + p) == m ? g : 0);
      }
    }
  }
}
