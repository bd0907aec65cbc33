// Max and min over the middle axis of x [outer, r, inner] in plain loops, and the gradient with
// PyTorch's amax rule (dy split evenly among a column's maxima): the reference for
// assembly/extrema.ts. NaN propagates (Math.max), and a NaN column's gradient is 0.

export function reduceMax(x: ArrayLike<number>, outer: number, r: number, inner: number, isMin = false): Float64Array {
  const y = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
    let best = x[o * r * inner + j];
    for (let i = 1; i < r; i++) best = (isMin ? Math.min : Math.max)(best, x[(o * r + i) * inner + j]);
    y[o * inner + j] = best;
  }
  return y;
}

export function reduceMaxBackward(dy: ArrayLike<number>, x: ArrayLike<number>, y: ArrayLike<number>, outer: number, r: number, inner: number): Float64Array {
  const dx = new Float64Array(outer * r * inner);
  for (let o = 0; o < outer; o++) for (let j = 0; j < inner; j++) {
    const m = y[o * inner + j];
    let count = 0;
    for (let i = 0; i < r; i++) if (x[(o * r + i) * inner + j] === m) count++;
    for (let i = 0; i < r; i++) if (x[(o * r + i) * inner + j] === m) dx[(o * r + i) * inner + j] = dy[o * inner + j] / count;
  }
  return dx;
}
