// Convolution kernels between wasmnn's (and Keras') HWIO [kh, kw, cin/groups, cout] and PyTorch's
// and ONNX's OIHW [cout, cin/groups, kh, kw]: the same numbers, reordered.

/** HWIO [kh, kw, cg, cout] -> OIHW [cout, cg, kh, kw]. */
export function toOihw(w: ArrayLike<number>, [kh, kw, cg, cout]: readonly number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) for (let c = 0; c < cg; c++) for (let o = 0; o < cout; o++) {
    out[((o * cg + c) * kh + p) * kw + q] = w[((p * kw + q) * cg + c) * cout + o];
  }
  return out;
}

/** OIHW [cout, cg, kh, kw] -> HWIO [kh, kw, cg, cout]. */
export function fromOihw(v: ArrayLike<number>, [cout, cg, kh, kw]: readonly number[]): Float32Array {
  const out = new Float32Array(v.length);
  for (let o = 0; o < cout; o++) for (let c = 0; c < cg; c++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
    out[((p * kw + q) * cg + c) * cout + o] = v[((o * cg + c) * kh + p) * kw + q];
  }
  return out;
}
