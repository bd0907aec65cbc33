// Permuted copies: y = x with its axes reordered (NumPy's transpose), up to 6 axes.
// x has dims [d0, d1, ..., d5] (unused trailing axes are 1, which changes no address); axis j of y
// is axis p_j of x, so y[o0, ..., o5] = x[i] with i_{p_j} = o_j. y is written in order, x read with
// the stride each output axis has in x; a plain copy of 4-byte values, so any float (NaN included)
// arrives with its bits. No overlap of y and x.

export function permute_f32(y: usize, x: usize, d0: i32, d1: i32, d2: i32, d3: i32, d4: i32, d5: i32, p0: i32, p1: i32, p2: i32, p3: i32, p4: i32, p5: i32): void {
  // Strides of x's axes, in elements.
  const s5: i64 = 1, s4: i64 = s5 * d5, s3: i64 = s4 * d4, s2: i64 = s3 * d3, s1: i64 = s2 * d2, s0: i64 = s1 * d1;
  // The output's dims and their strides in x (no arrays: a kernel allocates nothing).
  const e0 = pick(p0, d0, d1, d2, d3, d4, d5), e1 = pick(p1, d0, d1, d2, d3, d4, d5), e2 = pick(p2, d0, d1, d2, d3, d4, d5);
  const e3 = pick(p3, d0, d1, d2, d3, d4, d5), e4 = pick(p4, d0, d1, d2, d3, d4, d5), e5 = pick(p5, d0, d1, d2, d3, d4, d5);
  const t0 = pick64(p0, s0, s1, s2, s3, s4, s5), t1 = pick64(p1, s0, s1, s2, s3, s4, s5), t2 = pick64(p2, s0, s1, s2, s3, s4, s5);
  const t3 = pick64(p3, s0, s1, s2, s3, s4, s5), t4 = pick64(p4, s0, s1, s2, s3, s4, s5), t5 = pick64(p5, s0, s1, s2, s3, s4, s5);
  let out = y;
  for (let a = 0; a < e0; a++) {
    for (let b = 0; b < e1; b++) {
      for (let c = 0; c < e2; c++) {
        for (let d = 0; d < e3; d++) {
          for (let e = 0; e < e4; e++) {
            const base = <i64>a * t0 + <i64>b * t1 + <i64>c * t2 + <i64>d * t3 + <i64>e * t4;
            for (let f = 0; f < e5; f++) {
              store<u32>(out, load<u32>(x + (<usize>(base + <i64>f * t5) << 2)));
              out += 4;
            }
          }
        }
      }
    }
  }
}

@inline function pick(i: i32, a: i32, b: i32, c: i32, d: i32, e: i32, f: i32): i32 {
  return i == 0 ? a : i == 1 ? b : i == 2 ? c : i == 3 ? d : i == 4 ? e : f;
}

@inline function pick64(i: i32, a: i64, b: i64, c: i64, d: i64, e: i64, f: i64): i64 {
  return i == 0 ? a : i == 1 ? b : i == 2 ? c : i == 3 ? d : i == 4 ? e : f;
}
