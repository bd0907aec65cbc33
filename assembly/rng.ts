// xoshiro128** (Blackman & Vigna): 4 x u32 of state at `state`, advanced in place.
// Seeding expands a 64-bit seed with splitmix64. Uniform floats take the top 24 bits;
// normals use Box-Muller in f64 (both outputs used); dropout keeps an element iff its
// uniform is >= p; shuffle is Fisher-Yates with unbiased bounded integers (Lemire).
// No globals: the state lives at the caller's pointer, so streams are independent.
import { SCRATCH_BASE, S_RNG_ONE, RNG_ONE_BYTES } from './scratch';

@inline function rotl(x: u32, k: u32): u32 {
  return (x << k) | (x >>> (32 - k));
}

// n raw outputs into out (u32), the state held in locals for the whole loop: no store and
// reload of the state per number (12 -> ~2 ns each in dropout).
@inline function fillU32(out: usize, n: i32, state: usize): void {
  let s0 = load<u32>(state), s1 = load<u32>(state, 4), s2 = load<u32>(state, 8), s3 = load<u32>(state, 12);
  for (let i = 0; i < n; i++) {
    store<u32>(out + (<usize>i << 2), rotl(s1 * 5, 7) * 9);
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
  }
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
}

const ONE: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_RNG_ONE : memory.data(RNG_ONE_BYTES, 4);

// One output, for draws whose count is not known up front (shuffle's rejections, normals).
@inline function next(state: usize): u32 {
  fillU32(ONE, 1, state);
  return load<u32>(ONE);
}

@inline function unit(state: usize): f64 {
  return <f64>(next(state) >>> 8) * 5.9604644775390625e-8; // [0, 1) in steps of 2^-24
}

export function rng_seed(state: usize, seedLo: i32, seedHi: i32): void {
  let z: u64 = (<u64>(<u32>seedHi) << 32) | <u64>(<u32>seedLo);
  for (let i = 0; i < 2; i++) {
    z += 0x9e3779b97f4a7c15;
    let x = z;
    x = (x ^ (x >>> 30)) * 0xbf58476d1ce4e5b9;
    x = (x ^ (x >>> 27)) * 0x94d049bb133111eb;
    x = x ^ (x >>> 31);
    store<u32>(state + (<usize>i << 3), <u32>x);
    store<u32>(state + (<usize>i << 3) + 4, <u32>(x >>> 32));
  }
  if ((load<u32>(state) | load<u32>(state, 4) | load<u32>(state, 8) | load<u32>(state, 12)) == 0) store<u32>(state, 1);
}

// NOTE: lo + (hi-lo)*u is formed in f64 and rounded once to f32, so the interval is [lo, hi)
// for symmetric or zero-based ranges; when hi - lo is small next to |hi|, rounding can give hi.
export function rng_uniform_f32(out: usize, n: i32, lo: f32, hi: f32, state: usize): void {
  const w = <f64>hi - <f64>lo;
  fillU32(out, n, state); // then converted in place
  for (let i = 0; i < n; i++) {
    const o = out + (<usize>i << 2);
    store<f32>(o, <f32>(<f64>lo + w * (<f64>(load<u32>(o) >>> 8) * 5.9604644775390625e-8)));
  }
}

export function rng_normal_f32(out: usize, n: i32, mean: f32, std: f32, state: usize): void {
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - unit(state); // (0, 1]: log never sees 0
    const u2 = unit(state);
    const r = Math.sqrt(-2 * Math.log(u1));
    const a = 2 * Math.PI * u2;
    store<f32>(out + (<usize>i << 2), <f32>(<f64>mean + <f64>std * r * Math.cos(a)));
    if (i + 1 < n) store<f32>(out + (<usize>(i + 1) << 2), <f32>(<f64>mean + <f64>std * r * Math.sin(a)));
  }
}

export function dropout_f32(y: usize, mask: usize, x: usize, n: i32, p: f32, state: usize): void {
  // y may alias x. p == 0 keeps everything; p == 1 drops everything. The raw numbers go to mask
  // first, then become the mask four at a time: u = (r >>> 8) * 2^-24 is exact in f32, as is p, so
  // comparing in f32 keeps exactly the elements a comparison in f64 would.
  const keep: f32 = p < 1 ? <f32>(1 / (1 - <f64>p)) : 0;
  fillU32(mask, n, state);
  const pv = f32x4.splat(p), kv = f32x4.splat(keep), sc = f32x4.splat(5.9604644775390625e-8);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(v128.load(mask + o), 8)), sc);
    const m = v128.and(kv, f32x4.ge(u, pv));
    v128.store(mask + o, m);
    v128.store(y + o, f32x4.mul(v128.load(x + o), m));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const m: f32 = <f32>(load<u32>(mask + o) >>> 8) * <f32>5.9604644775390625e-8 >= p ? keep : 0;
    store<f32>(mask + o, m);
    store<f32>(y + o, load<f32>(x + o) * m);
  }
}

export function shuffle_i32(idx: usize, n: i32, state: usize): void {
  for (let i = n - 1; i > 0; i--) {
    // Lemire's unbiased bounded integer in [0, i].
    const bound = <u32>(i + 1);
    let m = <u64>next(state) * <u64>bound;
    let low = <u32>m;
    if (low < bound) {
      const threshold: u32 = (<u32>0 - bound) % bound;
      while (low < threshold) {
        m = <u64>next(state) * <u64>bound;
        low = <u32>m;
      }
    }
    const j = <usize>(m >>> 32);
    const a = idx + (<usize>i << 2);
    const b = idx + (j << 2);
    const t = load<i32>(a);
    store<i32>(a, load<i32>(b));
    store<i32>(b, t);
  }
}
