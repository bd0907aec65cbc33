// float32x4 elementary functions for the activation kernels (not exported from the module).
// Cephes' single-precision algorithms (expf, tanhf, logf): range reduction plus a short
// polynomial, about 1-2 ulp over the whole float32 range, with no table and no branch.

const LOG2E: f32 = 1.44269504088896341;
const LN2_HI: f32 = 0.693359375; // ln 2 = LN2_HI + LN2_LO, LN2_HI exact in few bits
const LN2_LO: f32 = -2.12194440e-4;
const EXP_HI: f32 = 88.7228390520683; // exp overflows above
const EXP_LO: f32 = -87.3365447505531; // the smallest normal result; below it we return 0
const ROUNDER: f32 = 12582912; // 1.5 * 2^23

// One Horner step: b*x + c.
@inline export function poly(x: v128, c: f32, b: v128): v128 {
  return f32x4.add(f32x4.mul(b, x), f32x4.splat(c));
}

// e^x. Below EXP_LO: 0 (true values < 1.2e-38); above EXP_HI: +Infinity; NaN stays NaN.
@inline export function exp4(x: v128): v128 {
  // pmin/pmax are single instructions (min/max with NaN fix-ups are not); NaN is handled last.
  const xc = f32x4.pmin(f32x4.pmax(x, f32x4.splat(EXP_LO)), f32x4.splat(EXP_HI));
  // n = round(x*log2 e) by the 1.5*2^23 trick: the sum's low mantissa bits are n itself.
  const t = f32x4.add(f32x4.mul(xc, f32x4.splat(LOG2E)), f32x4.splat(ROUNDER));
  const n = f32x4.sub(t, f32x4.splat(ROUNDER));
  const ni = i32x4.sub(t, f32x4.splat(ROUNDER));
  const r = f32x4.sub(f32x4.sub(xc, f32x4.mul(n, f32x4.splat(LN2_HI))), f32x4.mul(n, f32x4.splat(LN2_LO)));
  const z = f32x4.mul(r, r);
  let p = f32x4.splat(1.9875691500e-4);
  p = poly(r, 1.3981999507e-3, p);
  p = poly(r, 8.3334519073e-3, p);
  p = poly(r, 4.1665795894e-2, p);
  p = poly(r, 1.6666665459e-1, p);
  p = poly(r, 5.0000001201e-1, p);
  const e = f32x4.add(f32x4.add(f32x4.mul(p, z), r), f32x4.splat(1));
  // 2^n in two halves, so that n = -126 or 128 (at the clamps) still scales correctly.
  const h = i32x4.shr_s(ni, 1);
  const s1 = i32x4.shl(i32x4.add(h, i32x4.splat(127)), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), i32x4.splat(127)), 23);
  let y = f32x4.mul(f32x4.mul(e, s1), s2);
  y = v128.andnot(y, f32x4.lt(x, f32x4.splat(EXP_LO)));
  y = v128.bitselect(f32x4.splat(Infinity), y, f32x4.gt(x, f32x4.splat(EXP_HI)));
  return v128.bitselect(x, y, f32x4.ne(x, x)); // NaN in, NaN out
}

// tanh(x) for |x| < 0.625 (Cephes' odd polynomial): x + x^3*P(x^2).
@inline function tanhSmall(x: v128): v128 {
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = poly(z, 2.06390887954e-2, p);
  p = poly(z, -5.37397155531e-2, p);
  p = poly(z, 1.33314422036e-1, p);
  p = poly(z, -3.33332819422e-1, p);
  return f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
}

// tanh(x): the polynomial below |x| = 0.625, else sign(x)*(1 - 2/(e^(2|x|) + 1)).
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(exp4(f32x4.add(ax, ax)), f32x4.splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(<i32>0x80000000))); // big >= 0: copy x's sign
  return v128.bitselect(tanhSmall(x), signed, f32x4.lt(ax, f32x4.splat(0.625)));
}

// e^x - 1 for x <= 0 with relative accuracy near 0: 2t/(1 - t), t = tanh(x/2), above -0.625
// (no cancellation: t <= 0), e^x - 1 below (e^x <= 0.54 there).
@inline export function expm1Neg4(x: v128): v128 {
  const t = tanhSmall(f32x4.mul(x, f32x4.splat(0.5)));
  const small = f32x4.div(f32x4.add(t, t), f32x4.sub(f32x4.splat(1), t));
  const big = f32x4.sub(exp4(x), f32x4.splat(1));
  return v128.bitselect(small, big, f32x4.gt(x, f32x4.splat(-0.625)));
}

// ln(x) for finite x >= 1 (softplus only needs these): Cephes logf.
@inline function log4(x: v128): v128 {
  const bits = x;
  let e = f32x4.convert_i32x4_s(i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126)));
  // mantissa in [0.5, 1)
  let m = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const lo = f32x4.lt(m, f32x4.splat(0.707106781186547524));
  // m < sqrt(1/2): e -= 1, m = 2m - 1; else m = m - 1
  e = f32x4.sub(e, v128.and(lo, f32x4.splat(1)));
  m = f32x4.sub(f32x4.add(m, v128.and(lo, m)), f32x4.splat(1));
  const z = f32x4.mul(m, m);
  let p = f32x4.splat(7.0376836292e-2);
  p = poly(m, -1.1514610310e-1, p);
  p = poly(m, 1.1676998740e-1, p);
  p = poly(m, -1.2420140846e-1, p);
  p = poly(m, 1.4249322787e-1, p);
  p = poly(m, -1.6668057665e-1, p);
  p = poly(m, 2.0000714765e-1, p);
  p = poly(m, -2.4999993993e-1, p);
  p = poly(m, 3.3333331174e-1, p);
  let y = f32x4.mul(f32x4.mul(p, m), z);
  y = f32x4.add(y, f32x4.mul(e, f32x4.splat(LN2_LO)));
  y = f32x4.sub(y, f32x4.mul(z, f32x4.splat(0.5)));
  return f32x4.add(f32x4.add(m, y), f32x4.mul(e, f32x4.splat(LN2_HI)));
}

// ln(1 + t) for t >= 0, accurate for small t: u = 1 + t; ln(u) * t / (u - 1) (Goldberg), t when u == 1.
@inline export function log1pPos4(t: v128): v128 {
  const u = f32x4.add(t, f32x4.splat(1));
  const d = f32x4.sub(u, f32x4.splat(1));
  const y = f32x4.div(f32x4.mul(log4(u), t), d);
  return v128.bitselect(t, y, f32x4.eq(d, f32x4.splat(0)));
}

// relu(x) = (x < 0 ? 0 : x) + 0: NaN passes through and -0 gives +0, as PyTorch's. pmax is that
// select in one instruction; f32x4.max, which agrees, costs V8 eight for its NaN and zero rules.
@inline export function relu4(x: v128): v128 {
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), f32x4.splat(0));
}
@inline export function relu1(x: f32): f32 {
  return (x < 0 ? 0 : x) + 0;
}

// sigmoid(x) = 1/(1+e) for x >= 0, e/(1+e) below, e = e^-|x|: no cancellation either side.
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const s = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), e));
  return v128.bitselect(s, f32x4.mul(e, s), f32x4.ge(x, f32x4.splat(0)));
}

// sigmoid'(x) = e/(1+e)^2, e = e^-|x|.
@inline export function sigmoidGrad4(x: v128): v128 {
  const e = exp4(f32x4.neg(f32x4.abs(x)));
  const c = f32x4.add(f32x4.splat(1), e);
  return f32x4.div(e, f32x4.mul(c, c));
}
