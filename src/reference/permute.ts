// NumPy's transpose in plain loops: y with axis j of y = axis perm[j] of x (the twin of assembly/permute.ts).
export function permute(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): Float64Array {
  const r = shape.length;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, d) => p * d, 1));
  const out = perm.map((a) => shape[a]);
  const n = shape.reduce((p, d) => p * d, 1);
  const y = new Float64Array(n);
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < n; o++) {
    let at = 0;
    for (let j = 0; j < r; j++) at += idx[j] * strides[perm[j]];
    y[o] = x[at];
    for (let j = r - 1; j >= 0; j--) {
      if (++idx[j] < out[j]) break;
      idx[j] = 0;
    }
  }
  return y;
}
