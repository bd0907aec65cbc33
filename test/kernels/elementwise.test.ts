// The graph engine's elementwise kernels (assembly/elementwise.ts) against their TS twins
// (src/reference/elementwise.ts): every op and every pair of broadcast modes at awkward shapes,
// unaligned, with the output aliasing an input where allowed, NaN, infinities and signed zeros
// mixed in; bit for bit except exp, log and pow (ulps stated). Both builds.
import { beforeAll, describe, expect, it } from 'vitest';
import { relaxedSimdSupported } from '../../src/wasm/init.js';
import { AWKWARD_SIZES, loadWasm, randn } from '../helpers/wasm.js';
import * as ref from '../../src/reference/elementwise.js';

// WASMNN_WASM names one module to test instead (as test/helpers/wasm.ts's loadWasm takes it).
const BUILDS = process.env.WASMNN_WASM ? [process.env.WASMNN_WASM] : ['build/wasmnn.wasm', 'build/wasmnn-relaxed.wasm'];
let w = loadWasm();

// rows x cols: empty, single values, single rows and columns, widths around 4, long ones.
const SHAPES: [number, number][] = [
  [0, 0], [0, 5], [5, 0], [1, 1], [1, 3], [3, 1], [3, 5], [5, 3], [4, 4], [5, 5], [17, 3], [3, 17], [4, 1023], [1023, 1], [1, 1023], [2, 9],
];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -0, 1e-40, -3e38];

/** Seeded float32 data with the special values mixed in (every 5th element, rotating). */
function data(n: number, seed: number, scale = 2): Float32Array {
  const x = Float32Array.from(randn(n, seed, scale));
  for (let i = seed % 5; i < n; i += 5) x[i] = SPECIAL[(i + seed) % SPECIAL.length];
  return x;
}

/** Asserts got and want are the same float32 values: NaN as NaN, -0 apart from +0. */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, what: string): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** float32 values one apart in order (0 between +0 and -0, 0 between two NaNs). */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  const i = new Int32Array(Float32Array.of(a, b).buffer);
  const ord = (v: number) => (v < 0 ? -(v & 0x7fffffff) : v);
  return Math.abs(ord(i[0]) - ord(i[1]));
}
function expectUlps(got: ArrayLike<number>, want: ArrayLike<number>, max: number, what: string, x?: ArrayLike<number>): void {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!(ulps(got[i], want[i]) <= max)) expect.fail(`${what}[${i}]${x ? ` at x=${x[i]}` : ''}: got ${got[i]}, want ${want[i]} (> ${max} ulp)`);
  }
}

const size = (mode: number, rows: number, cols: number) => [rows * cols, cols, rows, 1][mode];

describe.each(BUILDS)('%s', (file) => {
  beforeAll(() => {
    if (file.includes('relaxed') && !relaxedSimdSupported()) throw new Error('relaxed SIMD unavailable: run vitest with --experimental-wasm-relaxed-simd (vitest.config.ts sets it)');
    w = loadWasm(file);
  });

  describe('binary_f32', () => {
    it('broadcasts rows, columns and scalars as a hand-worked 2x3 case says', () => {
      const a = w.put([1, 2, 3, 4, 5, 6], 1);
      const run = (pa: number, pb: number, op: number, modes: number) => {
        const y = w.out(6, 3);
        w.k.binary_f32(y, pa, pb, 2, 3, op, modes);
        return Array.from(w.f32(y, 6));
      };
      expect(run(a, w.put([10, 20, 30]), 0, 0 | (1 << 2))).toEqual([11, 22, 33, 14, 25, 36]); // + row
      expect(run(a, w.put([100, 200]), 0, 0 | (2 << 2))).toEqual([101, 102, 103, 204, 205, 206]); // + column
      expect(run(a, w.put([1000]), 1, 0 | (3 << 2))).toEqual([-999, -998, -997, -996, -995, -994]); // - scalar
      expect(run(w.put([1, 2, 3]), w.put([10, 20]), 1, 1 | (2 << 2))).toEqual([-9, -8, -7, -19, -18, -17]); // row - column
      expect(run(w.put([12]), a, 3, 3 | (0 << 2))).toEqual([12, 6, 4, 3, 2.4000000953674316, 2]); // scalar / full
    });

    it('maximum and minimum propagate NaN and order -0 below +0, in the SIMD body and the tail', () => {
      // Seven pairs: the first four in one vector, the last three in the scalar tail.
      const a = [NaN, 1, -0, -Infinity, NaN, 0, 3];
      const b = [1, NaN, 0, Infinity, 2, -0, -3];
      const run = (op: number) => {
        const y = w.out(7, 2);
        w.k.binary_f32(y, w.put(a, 1), w.put(b, 3), 1, 7, op, 0);
        return Array.from(w.f32(y, 7));
      };
      expectSame(run(4), [NaN, NaN, 0, Infinity, NaN, 0, 3], 'maximum');
      expectSame(run(5), [NaN, NaN, -0, -Infinity, NaN, -0, -3], 'minimum');
    });

    for (const [op, name] of ref.BINARY_OPS.entries()) {
      it(`${name}: every mode pair and shape, unaligned, bit for bit with the twin; y aliasing a full operand`, () => {
        for (const [rows, cols] of SHAPES) {
          for (let modes = 0; modes < 16; modes++) {
            const am = modes & 3, bm = modes >> 2;
            const a = data(size(am, rows, cols), rows + 3 * cols + am + 1);
            const b = data(size(bm, rows, cols), 2 * rows + cols + bm + 7);
            // Ties for maximum/minimum: some of b's elements equal a's (where the shapes agree).
            if (am === bm) for (let i = 0; i < b.length; i += 3) b[i] = a[i];
            const want = new Float32Array(rows * cols);
            ref.binary(want, a, b, rows, cols, op, modes);
            const what = `${name} ${rows}x${cols} modes ${am},${bm}`;
            const skew = (rows + cols + modes) % 4;
            const pa = w.put(a, skew), pb = w.put(b, (skew + 1) % 4);
            const y = w.out(rows * cols, (skew + 2) % 4);
            w.k.binary_f32(y, pa, pb, rows, cols, op, modes);
            expectSame(w.f32(y, rows * cols), want, what);
            if (am === 0) {
              w.k.binary_f32(pa, pa, pb, rows, cols, op, modes);
              expectSame(w.f32(pa, rows * cols), want, `${what}, y = a`);
            }
            if (bm === 0) {
              const pb2 = w.put(b, 3);
              w.k.binary_f32(pb2, w.put(a, 1), pb2, rows, cols, op, modes);
              expectSame(w.f32(pb2, rows * cols), want, `${what}, y = b`);
            }
          }
        }
      });
    }

    it('y = a op a in place (all three pointers the same)', () => {
      for (const n of AWKWARD_SIZES) {
        const a = data(n, n + 2);
        const want = new Float32Array(n);
        ref.binary(want, a, a, 1, n, 2, 0);
        const p = w.put(a, n % 4);
        w.k.binary_f32(p, p, p, 1, n, 2, 0);
        expectSame(w.f32(p, n), want, `a*a n=${n}`);
      }
    });

    it('traps on an op or mode out of range instead of writing nothing', () => {
      const p = w.put([1, 2, 3, 4]);
      expect(() => w.k.binary_f32(p, p, p, 2, 2, 6, 0)).toThrow(/unreachable/);
      expect(() => w.k.binary_f32(p, p, p, 2, 2, -1, 0)).toThrow(/unreachable/);
      expect(() => w.k.binary_f32(p, p, p, 2, 2, 0, 16)).toThrow(/unreachable/);
      expect(() => w.k.broadcast_f32(p, p, 2, 2, 4, 1)).toThrow(/unreachable/);
      expect(() => w.k.unary_f32(p, p, 4, 8, 0)).toThrow(/unreachable/);
      expect(() => w.k.unary_backward_f32(p, p, p, p, 4, 8, 0)).toThrow(/unreachable/);
    });
  });

  describe('unary_f32 and unary_backward_f32', () => {
    const POWERS = [2, 0.5, -1, 1, 0, 3, -2.5, 1.7, 1 / 3, -0.5];
    const EXACT = new Set([0, 1, 2, 5, 7]); // neg, square, sqrt, abs, sign: one IEEE operation each
    for (const [op, name] of ref.UNARY_OPS.entries()) {
      const powers = op === 6 ? POWERS : [0.7];
      it(`${name}: the twin at awkward sizes, unaligned, in place; ${EXACT.has(op) ? 'bit for bit' : 'within 1 ulp of float64 rounded (backward 2)'}`, () => {
        for (const n of AWKWARD_SIZES) {
          for (const p of powers) {
            // exp over +-100 (overflow, underflow to subnormals and 0), the rest over +-6 with specials;
            // |x| for log and sqrt, and negatives too (NaN).
            const x = op === 3 ? Float32Array.from(randn(n, n + 1, 40)) : data(n, n + op + 1, 3);
            for (let i = 1; i < n; i += 7) if (op === 4 || op === 2 || op === 6) x[i] = Math.abs(x[i]);
            const what = `${name} p=${p} n=${n}`;
            const want = new Float32Array(n);
            ref.unary(want, x, n, op, p);
            const skew = (n + op) % 4;
            const px = w.put(x, skew);
            const py = w.out(n, (skew + 1) % 4);
            w.k.unary_f32(py, px, n, op, p);
            const y = Float32Array.from(w.f32(py, n));
            if (EXACT.has(op)) expectSame(y, want, what);
            else expectUlps(y, want, 1, what, x);
            w.k.unary_f32(px, px, n, op, p); // y aliases x
            expectSame(w.f32(px, n), y, `${what}, in place`);
            // Backward from the same x and y, dx aliasing dy.
            const dy = data(n, n + 11, 1);
            const wantDx = new Float32Array(n);
            ref.unaryBackward(wantDx, dy, x, y, n, op, p);
            const pdy = w.put(dy, (skew + 2) % 4);
            w.k.unary_backward_f32(pdy, pdy, w.put(x, (skew + 3) % 4), w.put(y, skew), n, op, p);
            if (op === 6) expectUlps(w.f32(pdy, n), wantDx, 2, `${what} backward`, x);
            else expectSame(w.f32(pdy, n), wantDx, `${what} backward`);
          }
        }
      });
    }

    it('special values: sign keeps NaN and gives 0 at -0; abs clears the sign; pow follows JS Math.pow (x^0 = 1, 1^NaN = NaN)', () => {
      const x = [NaN, -0, -Infinity, 2.5, NaN, -0, Infinity, -3];
      const run = (op: number, p = 0) => {
        const y = w.out(x.length, 1);
        w.k.unary_f32(y, w.put(x, 2), x.length, op, p);
        return Array.from(w.f32(y, x.length));
      };
      expectSame(run(7), [NaN, 0, -1, 1, NaN, 0, 1, -1], 'sign');
      expectSame(run(5), [NaN, 0, Infinity, 2.5, NaN, 0, Infinity, 3], 'abs');
      expectSame(run(0), [NaN, 0, Infinity, -2.5, NaN, 0, -Infinity, 3], 'neg');
      expectSame(run(6, 0), [1, 1, 1, 1, 1, 1, 1, 1], 'pow p=0');
      const one = w.out(2);
      w.k.unary_f32(one, w.put([1, -1]), 2, 6, NaN);
      expectSame(w.f32(one, 2), [NaN, NaN], 'pow(1, NaN), pow(-1, NaN)'); // C and torch.pow: 1, NaN
      w.k.unary_f32(one, w.put([1, -1]), 2, 6, Infinity);
      expectSame(w.f32(one, 2), [NaN, NaN], 'pow(1, Infinity), pow(-1, Infinity)'); // C and torch.pow: 1, 1
      // Backward of abs: the sign of x times dy (0 at both zeros); of pow at p = 0 and of sign: 0.
      const dx = w.out(x.length, 3);
      w.k.unary_backward_f32(dx, w.put(x.map(() => 2)), w.put(x), w.out(x.length), x.length, 5, 0);
      expectSame(w.f32(dx, x.length), [NaN, 0, -2, 2, NaN, 0, 2, -2], 'abs backward');
      w.k.unary_backward_f32(dx, w.put(x.map(() => 2)), w.put(x), w.out(x.length), x.length, 6, 0);
      expectSame(w.f32(dx, x.length), x.map(() => 0), 'pow backward p=0');
    });
  });

  describe('clamp_f32 and clamp_backward_f32', () => {
    const BOUNDS = [[-0.5, 0.5], [0, Infinity], [-Infinity, 0], [-0, 0], [0.25, 0.25], [1, -1], [NaN, 1], [-1e-40, 3e38]];
    it('the twin at awkward sizes and bounds, unaligned, in place, NaN and signed zeros mixed in; bit for bit', () => {
      for (const n of AWKWARD_SIZES) {
        for (const [lo, hi] of BOUNDS) {
          const x = data(n, n + 4, 1);
          const what = `clamp [${lo}, ${hi}] n=${n}`;
          const want = new Float32Array(n);
          ref.clamp(want, x, n, lo, hi);
          const px = w.put(x, n % 4);
          const py = w.out(n, (n + 1) % 4);
          w.k.clamp_f32(py, px, n, lo, hi);
          expectSame(w.f32(py, n), want, what);
          const dy = data(n, n + 9, 1);
          const wantDx = new Float32Array(n);
          ref.clampBackward(wantDx, dy, x, n, lo, hi);
          const pdy = w.put(dy, (n + 2) % 4);
          w.k.clamp_backward_f32(pdy, pdy, px, n, lo, hi);
          expectSame(w.f32(pdy, n), wantDx, `${what} backward, dx = dy`);
          w.k.clamp_f32(px, px, n, lo, hi);
          expectSame(w.f32(px, n), want, `${what} in place`);
        }
      }
    });
    it('by hand: NaN stays NaN, bounds inclusive in the backward, a NaN x gets no gradient', () => {
      const x = [NaN, -2, -1, 0.5, 1, 2, NaN];
      const y = w.out(7);
      w.k.clamp_f32(y, w.put(x, 1), 7, -1, 1);
      expectSame(w.f32(y, 7), [NaN, -1, -1, 0.5, 1, 1, NaN], 'clamp');
      const dx = w.out(7);
      w.k.clamp_backward_f32(dx, w.put(x.map(() => 3)), w.put(x, 2), 7, -1, 1);
      expectSame(w.f32(dx, 7), [0, 0, 3, 3, 3, 0, 0], 'clamp backward');
    });
  });

  describe('minmax_backward_f32', () => {
    it('by hand: dy where x wins, dy/2 at a tie (0 == -0 too), 0 where it loses; a NaN x wins', () => {
      const x = [3, 1, 2, -0, NaN, 5, 1];
      const o = [1, 3, 2, 0, 1, NaN, 1];
      const run = (isMin: number) => {
        const dx = w.out(7, 1);
        w.k.minmax_backward_f32(dx, w.put(x.map(() => 4), 2), w.put(x, 3), w.put(o), 7, 0, isMin);
        return Array.from(w.f32(dx, 7));
      };
      expectSame(run(0), [4, 0, 2, 2, 4, 4, 2], 'maximum');
      expectSame(run(1), [0, 4, 2, 2, 4, 4, 2], 'minimum');
    });
    it('the twin at awkward sizes, o full or scalar, maximum and minimum, dx aliasing dy; bit for bit', () => {
      for (const n of AWKWARD_SIZES) {
        for (const oScalar of [0, 1]) {
          for (const isMin of [0, 1]) {
            const x = data(n, n + 3, 1);
            const o = data(oScalar ? 1 : n, n + 8, 1);
            if (!oScalar) for (let i = 0; i < n; i += 4) o[i] = x[i]; // ties
            else if (n > 2) x[2] = x[n - 1] = o[0];
            const dy = data(n, n + 5, 1);
            const want = new Float32Array(n);
            ref.minmaxBackward(want, dy, x, o, n, oScalar, isMin);
            const pdy = w.put(dy, n % 4);
            w.k.minmax_backward_f32(pdy, pdy, w.put(x, (n + 1) % 4), w.put(o, (n + 2) % 4), n, oScalar, isMin);
            expectSame(w.f32(pdy, n), want, `n=${n} oScalar ${oScalar} isMin ${isMin}`);
          }
        }
      }
    });
  });

  describe('row_sum_f32, sum_all_f32, broadcast_f32, copy_block_f32', () => {
    it('row_sum and sum_all: the twin (the same f64 sums in the same order) bit for bit; out may alias x', () => {
      for (const [rows, cols] of SHAPES) {
        const x = Float32Array.from(randn(rows * cols, rows + cols + 1, 3));
        for (const scale of [1, 1 / 3, -2]) {
          const want = new Float32Array(rows);
          ref.rowSum(want, x, rows, cols, scale);
          const px = w.put(x, (rows + cols) % 4);
          const out = w.out(rows, 1);
          w.k.row_sum_f32(out, px, rows, cols, scale);
          expectSame(w.f32(out, rows), want, `row_sum ${rows}x${cols} scale ${scale}`);
          // Independently: within 1e-6 of the plain float64 row sum (rounding to float32).
          for (let r = 0; r < rows; r++) {
            let s = 0, mag = 0;
            for (let c = 0; c < cols; c++) { s += x[r * cols + c]; mag += Math.abs(x[r * cols + c]); }
            expect(Math.abs(w.f32(out, rows)[r] - scale * s)).toBeLessThanOrEqual(1e-7 * Math.abs(scale) * mag + 1e-30);
          }
          w.k.row_sum_f32(px, px, rows, cols, scale);
          expectSame(w.f32(px, rows), want, `row_sum ${rows}x${cols} in place`);
          const one = new Float32Array(1);
          const s = ref.sumAll(one, x, rows * cols, scale);
          const pout = w.out(1, 2);
          expect(w.k.sum_all_f32(pout, w.put(x, 3), rows * cols, scale)).toBe(s);
          expectSame(w.f32(pout, 1), one, `sum_all n=${rows * cols}`);
        }
      }
    });

    it('broadcast: every mode and shape, unaligned, bit for bit; y aliasing x in mode 0', () => {
      for (const [rows, cols] of SHAPES) {
        for (let mode = 0; mode < 4; mode++) {
          for (const scale of [1, -0.5, 1 / 3]) {
            const x = data(size(mode, rows, cols), rows + cols + mode);
            const want = new Float32Array(rows * cols);
            ref.broadcast(want, x, rows, cols, mode, scale);
            const what = `broadcast ${rows}x${cols} mode ${mode} scale ${scale}`;
            const px = w.put(x, mode);
            const y = w.out(rows * cols, (mode + 1) % 4);
            w.k.broadcast_f32(y, px, rows, cols, mode, scale);
            expectSame(w.f32(y, rows * cols), want, what);
            if (mode === 0) {
              w.k.broadcast_f32(px, px, rows, cols, 0, scale);
              expectSame(w.f32(px, rows * cols), want, `${what} in place`);
            }
          }
        }
      }
    });

    it('count_outside: values outside [lo, hi] at every size and offset, NaN and infinities outside, the bounds inside', () => {
      for (const n of [0, 1, 3, 4, 5, 17, 1023]) {
        for (const skew of [0, 1, 3]) {
          const x = data(n, n + skew, 1);
          const px = w.put(x, skew);
          expect(w.k.count_outside_f32(px, n, 0, 1), `count_outside ${n} skew ${skew}`).toBe(ref.countOutside(x, n, 0, 1));
        }
      }
      // 0 and 1 themselves are inside; -0 too; NaN, -1e-40 and 1.0000001 are not (9 values: 4 SIMD + a tail of 5).
      const x = Float32Array.of(0, 1, -0, 0.5, NaN, -1e-40, Math.fround(1 + 2 ** -23), Infinity, 0.25);
      expect(w.k.count_outside_f32(w.put(x, 2), 9, 0, 1)).toBe(4);
    });

    it('copy_block: columns into and out of wider rows (concat, slice), bits as they are, nothing else touched', () => {
      for (const [rows, cols] of SHAPES) {
        for (const [dPad, sPad] of [[0, 0], [3, 0], [0, 5], [1, 4]]) {
          const ds = cols + dPad, ss = cols + sPad;
          const src = data(rows * ss, rows + ss);
          const before = Float32Array.from(randn(rows * ds, rows + 2 * ds));
          const want = Float32Array.from(before);
          ref.copyBlock(want, ds, src, ss, rows, cols);
          const pd = w.put(before, (rows + 1) % 4);
          w.k.copy_block_f32(pd, ds, w.put(src, (cols + 2) % 4), ss, rows, cols);
          expectSame(w.f32(pd, rows * ds), want, `copy_block ${rows}x${cols} strides ${ds}, ${ss}`);
        }
      }
      // A NaN's payload and sign survive (a float32 load and store might not keep them everywhere).
      const bits = Uint32Array.of(0x7fc00001, 0xffc00123, 0x7f800001, 0x80000000, 0x7fa00000);
      const src = w.put(new Float32Array(bits.buffer), 1);
      const dst = w.out(5, 2);
      w.k.copy_block_f32(dst, 5, src, 5, 1, 5);
      expect(Array.from(new Uint32Array(w.memory.buffer, dst, 5))).toEqual(Array.from(bits));
    });
  });
});
