// Convolution kernels between wasmnn's (and Keras') HWIO [kh, kw, cin/groups, cout] and PyTorch's
// and ONNX's OIHW [cout, cin/groups, kh, kw]: the same numbers, reordered. A conv1d kernel
// [kw, cin/groups, cout] is HWIO with kh = 1, and its file form [cout, cin/groups, kw] OIHW's.

const hwio = (s: readonly number[]) => (s.length === 3 ? [1, ...s] : s);
const oihw = (s: readonly number[]) => (s.length === 3 ? [s[0], s[1], 1, s[2]] : s);

/** HWIO [kh, kw, cg, cout] -> OIHW [cout, cg, kh, kw] (conv1d's [kw, cg, cout] -> [cout, cg, kw]). */
export function toOihw(w: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const [kh, kw, cg, cout] = hwio(shape);
  const out = new Float32Array(w.length);
  for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let c = 0; c < cg; c++) for (let o = 0; o < cout; o++) {
    out[((o * cg + c) * kh + p) * kw + q] = w[((p * kw + q) * cg + c) * cout + o];
  }
  return out;
}

/** OIHW [cout, cg, kh, kw] -> HWIO [kh, kw, cg, cout] (conv1d's [cout, cg, kw] -> [kw, cg, cout]). */
export function fromOihw(v: ArrayLike<number>, shape: readonly number[]): Float32Array {
  const [cout, cg, kh, kw] = oihw(shape);
  const out = new Float32Array(v.length);
  for (let o = 0; o < cout; o++) for (let c = 0; c < cg; c++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
    out[((p * kw + q) * cg + c) * cout + o] = v[((o * cg + c) * kh + p) * kw + q];
  }
  return out;
}
