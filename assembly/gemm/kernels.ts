// What every GEMM path shares: the build's multiply-add (fused by relaxed_madd in the relaxed
// build, which may round differently in the last bit), the stores of accumulators into C
// (C = alpha*acc + beta*C; beta == 0 leaves C write-only), horizontal sums, and the register-blocked
// micro-kernels of 4 rows x 8 and x 4 columns that the unpacked and packed paths (unpacked.ts,
// packed.ts) inline into their loops. A(r,p) is read through strides, so one kernel serves every
// layout of op(A).

@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

@inline export function out4(cp: usize, acc: v128, alpha: v128, beta: f32): void {
  if (beta == 0) v128.store(cp, f32x4.mul(acc, alpha));
  else v128.store(cp, madd(f32x4.splat(beta), v128.load(cp), f32x4.mul(acc, alpha)));
}

@inline export function out1(cp: usize, acc: f32, alpha: f32, beta: f32): void {
  store<f32>(cp, beta == 0 ? alpha * acc : alpha * acc + beta * load<f32>(cp));
}

export function scaleC(c: usize, count: i32, beta: f32): void {
  for (let i = 0; i < count; i++) {
    const p = c + (<usize>i << 2);
    store<f32>(p, beta == 0 ? 0 : beta * load<f32>(p));
  }
}

// C = beta * C (k == 0) over m rows of n floats, cn bytes apart.
export function scaleRows(c: usize, m: i32, n: i32, cn: usize, beta: f32): void {
  if (cn == <usize>n << 2) scaleC(c, m * n, beta);
  else for (let i = 0; i < m; i++) scaleC(c + <usize>i * cn, n, beta);
}

// The 4x8 micro-kernel, shared by both paths: C[4 x 8 at c, rows ldc bytes apart] =
// alpha * sum_p A(r,p) B(p,j) + bet*C, with A(r,p) at a + r*ai + p*ap and B(p,j) at
// b + p*bp + j*4. 8 f32x4 accumulators; per step two B loads and four broadcast loads of A,
// at fixed offsets when the four values are contiguous (ai == 4: packed panels, and TN).
// Inlined at each call site: a call per tile, with both loops in one function, cost ~10%.
@inline export function kernel4x8(a: usize, ai: usize, ap: usize, b: usize, bp: usize, kc: i32, c: usize, ldc: usize, alpha: f32, bet: f32, unroll2: bool = false): void {
  let x00 = f32x4.splat(0), x01 = f32x4.splat(0), x10 = f32x4.splat(0), x11 = f32x4.splat(0);
  let x20 = f32x4.splat(0), x21 = f32x4.splat(0), x30 = f32x4.splat(0), x31 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  const pe = a + <usize>kc * ap;
  if (unroll2) {
    // Packed panels: two steps per iteration (+5-10% here). The second step sits behind a
    // branch binaryen cannot fold; without it binaryen sinks the first step's arithmetic below
    // the second step's loads, and V8 then spills. kc is odd at most in a last step.
    const pe2 = a + <usize>(kc & ~1) * ap;
    const two = kc > 1;
    while (pa < pe2) {
      let b0 = v128.load(pb);
      let b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      if (two) {
        const qa = pa + ap, qb = pb + bp;
        b0 = v128.load(qb);
        b1 = v128.load(qb, 16);
        s = v128.load32_splat(qa);
        x00 = madd(s, b0, x00);
        x01 = madd(s, b1, x01);
        s = v128.load32_splat(qa, 4);
        x10 = madd(s, b0, x10);
        x11 = madd(s, b1, x11);
        s = v128.load32_splat(qa, 8);
        x20 = madd(s, b0, x20);
        x21 = madd(s, b1, x21);
        s = v128.load32_splat(qa, 12);
        x30 = madd(s, b0, x30);
        x31 = madd(s, b1, x31);
      }
      pb += bp << 1;
      pa += ap << 1;
    }
    // The odd last step, written out again: letting it fall through to the one-step loop below
    // measured 5-8% slower (side by side, 256x784x256 and 1024^3).
    if (pa < pe) {
      let b0 = v128.load(pb);
      let b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
    }
  } else if (ai == 4) {
    while (pa < pe) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa, 4);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa, 8);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa, 12);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      pb += bp;
      pa += ap;
    }
  } else {
    const d1 = ai, d2 = ai << 1, d3 = ai * 3;
    while (pa < pe) {
      const b0 = v128.load(pb);
      const b1 = v128.load(pb, 16);
      let s = v128.load32_splat(pa);
      x00 = madd(s, b0, x00);
      x01 = madd(s, b1, x01);
      s = v128.load32_splat(pa + d1);
      x10 = madd(s, b0, x10);
      x11 = madd(s, b1, x11);
      s = v128.load32_splat(pa + d2);
      x20 = madd(s, b0, x20);
      x21 = madd(s, b1, x21);
      s = v128.load32_splat(pa + d3);
      x30 = madd(s, b0, x30);
      x31 = madd(s, b1, x31);
      pb += bp;
      pa += ap;
    }
  }
  const av = f32x4.splat(alpha);
  out4(c, x00, av, bet);
  out4(c + 16, x01, av, bet);
  c += ldc;
  out4(c, x10, av, bet);
  out4(c + 16, x11, av, bet);
  c += ldc;
  out4(c, x20, av, bet);
  out4(c + 16, x21, av, bet);
  c += ldc;
  out4(c, x30, av, bet);
  out4(c + 16, x31, av, bet);
}

// The first w (1-3) lanes of acc into C at cp (alpha, beta as out1).
@inline export function outNarrow(cp: usize, acc: v128, w: i32, alpha: f32, beta: f32): void {
  out1(cp, f32x4.extract_lane(acc, 0), alpha, beta);
  if (w > 1) out1(cp + 4, f32x4.extract_lane(acc, 1), alpha, beta);
  if (w > 2) out1(cp + 8, f32x4.extract_lane(acc, 2), alpha, beta);
}

// C[4 x w at c] (w <= 4) = alpha * sum_p A(r,p) B(p,j) + bet*C, A as in kernel4x8, B(p,j) at
// b + p*bp + j*4 (four columns read, w kept). One pointer per operand and the stride chosen
// before the loop: with a select and four row pointers inside it V8 took ~7 cycles a step.
@inline export function kernel4x4(a: usize, ai: usize, ap: usize, b: usize, bp: usize, kc: i32, c: usize, ldc: usize, w: i32, alpha: f32, bet: f32): void {
  let x0 = f32x4.splat(0), x1 = f32x4.splat(0), x2 = f32x4.splat(0), x3 = f32x4.splat(0);
  let pa = a;
  let pb = b;
  const pe = a + <usize>kc * ap;
  if (ai == 4) {
    while (pa < pe) {
      const b0 = v128.load(pb);
      x0 = madd(v128.load32_splat(pa), b0, x0);
      x1 = madd(v128.load32_splat(pa, 4), b0, x1);
      x2 = madd(v128.load32_splat(pa, 8), b0, x2);
      x3 = madd(v128.load32_splat(pa, 12), b0, x3);
      pb += bp;
      pa += ap;
    }
  } else {
    const d1 = ai, d2 = ai << 1, d3 = ai * 3;
    while (pa < pe) {
      const b0 = v128.load(pb);
      x0 = madd(v128.load32_splat(pa), b0, x0);
      x1 = madd(v128.load32_splat(pa + d1), b0, x1);
      x2 = madd(v128.load32_splat(pa + d2), b0, x2);
      x3 = madd(v128.load32_splat(pa + d3), b0, x3);
      pb += bp;
      pa += ap;
    }
  }
  if (w >= 4) {
    const av = f32x4.splat(alpha);
    out4(c, x0, av, bet);
    out4(c + ldc, x1, av, bet);
    out4(c + 2 * ldc, x2, av, bet);
    out4(c + 3 * ldc, x3, av, bet);
  } else {
    outNarrow(c, x0, w, alpha, bet);
    outNarrow(c + ldc, x1, w, alpha, bet);
    outNarrow(c + 2 * ldc, x2, w, alpha, bet);
    outNarrow(c + 3 * ldc, x3, w, alpha, bet);
  }
}

@inline export function hsum(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

// [sum(x0), sum(x1), sum(x2), sum(x3)]: four horizontal sums with six shuffles.
@inline export function hsum4(x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const u0 = f32x4.add(v128.shuffle<f32>(x0, x1, 0, 4, 1, 5), v128.shuffle<f32>(x0, x1, 2, 6, 3, 7));
  const u1 = f32x4.add(v128.shuffle<f32>(x2, x3, 0, 4, 1, 5), v128.shuffle<f32>(x2, x3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(u0, u1, 0, 1, 4, 5), v128.shuffle<f32>(u0, u1, 2, 3, 6, 7));
}
