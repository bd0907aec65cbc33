// xoshiro128** seeded by splitmix64: the bit-exact TypeScript twin of assembly/rng.ts.
// uniform() = (next >>> 8) * 2^-24; normal() is Box-Muller (two values per pair of uniforms).

export class Xoshiro128 {
  readonly s = new Uint32Array(4);
  private spare: number | undefined;

  constructor(lo = 0, hi = 0) {
    this.seed(lo, hi);
  }

  seed(lo: number, hi: number): void {
    let z = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const M = (1n << 64n) - 1n;
    for (let i = 0; i < 2; i++) {
      z = (z + 0x9e3779b97f4a7c15n) & M;
      let x = z;
      x = ((x ^ (x >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
      x = ((x ^ (x >> 27n)) * 0x94d049bb133111ebn) & M;
      x = x ^ (x >> 31n);
      this.s[2 * i] = Number(x & 0xffffffffn);
      this.s[2 * i + 1] = Number(x >> 32n);
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1;
    this.spare = undefined;
  }

  nextU32(): number {
    const s = this.s;
    const s1 = s[1];
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
  }

  /** [0, 1) in steps of 2^-24, as the wasm kernels draw it. */
  uniform(): number {
    return (this.nextU32() >>> 8) * 5.9604644775390625e-8;
  }

  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    const u1 = 1 - this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Unbiased integer in [0, bound) (Lemire), as shuffle_i32 draws it. */
  below(bound: number): number {
    let m = BigInt(this.nextU32()) * BigInt(bound);
    let low = Number(m & 0xffffffffn);
    if (low < bound) {
      const threshold = (2 ** 32 - bound) % bound;
      while (low < threshold) {
        m = BigInt(this.nextU32()) * BigInt(bound);
        low = Number(m & 0xffffffffn);
      }
    }
    return Number(m >> 32n);
  }

  /** Fisher-Yates in place, identical to the wasm shuffle_i32 for the same state. */
  shuffle(a: { [i: number]: number; length: number }): void {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.below(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
