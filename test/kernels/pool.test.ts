// The pooling kernels (assembly/pool.ts) against the float64 references (src/reference/pool.ts)
// and PyTorch's goldens (conv.json). Tolerances:
//   max pooling, forward: exact bits (a max copies one input), on data full of ties, -0 and +0,
//     NaN and -Infinity; backward: exact against the reference accumulating in a Float32Array
//     (the same float32 additions in the same window order);
//   average pooling: |got - want| <= (kh*kw + 2) * 2^-24 * m, m the same op on |x| (or |dy|):
//     a float32 sum of at most kh*kw terms and one division;
//   global average pooling: exact (summed in f64 in the reference's order, rounded once);
//   goldens: max exact in the forward (float32 of PyTorch's value; its inputs are 0.01 apart),
//     else rel 1e-6 + 1e-6 * max |want|.
// Every output is NaN-filled first (dx included: the backward kernels must zero it) and followed
// by guard floats that must stay NaN.
import { describe, expect, it } from 'vitest';
import { avgPool2d, avgPool2dBackward, globalAvgPool2d, globalAvgPool2dBackward, maxPool2d, maxPool2dBackward, pool2dArgs, pool2dGeometry, type Pool2dGeometry, type Pool2dOptions } from '../../src/reference/pool.js';
import { golden } from '../helpers/fixtures.js';
import { expectClose, loadWasm, randn } from '../helpers/wasm.js';

const w = loadWasm();
const U = 2 ** -24;
const GUARD = 8;
const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const bitsOf = (a: ArrayLike<number>) => Array.from(new Uint32Array(f32(a).buffer));

/** Runs a kernel whose first argument is an output of n floats (NaN-filled, guarded); returns it. */
function call(name: string, n: number, skew: number, args: number[]): Float32Array {
  const p = w.out(n + GUARD, skew);
  w.k[name](p, ...args);
  expect(Array.from(w.f32(p + n * 4, GUARD)).every(Number.isNaN), `${name} wrote past its output`).toBe(true);
  return Float32Array.from(w.f32(p, n));
}

/** Input data of three kinds, one per image of a batch of 3 (cycled for other batch sizes). */
function poolData(n: number, per: number, seed: number): Float32Array {
  const r = randn(n * per, seed);
  return f32(Array.from(r, (v, i) => {
    const kind = Math.floor(i / per) % 3;
    if (kind === 0) return i % 5 === 0 ? (i % 10 === 0 ? -0 : 0) : Math.round(v * 1.5) / 2; // ties, signed zeros
    if (kind === 1) return i % 13 === 5 ? NaN : i % 7 === 2 ? -Infinity : v; // NaN and -Infinity among values
    return i % 17 === 3 ? NaN : -Infinity; // windows of -Infinity, a few NaN
  }));
}

const CASES: [string, number[], Pool2dOptions][] = [];
for (const c of [1, 3, 4, 5, 16]) {
  CASES.push([`c ${c}, 2x2 stride 2, valid, odd width`, [3, 6, 7, c], { poolSize: [2, 2] }]);
  // Disjoint windows (strides >= the pool) take their own path: covering x exactly, and leaving taps out.
  CASES.push([`c ${c}, 2x2 stride 2, valid, windows covering x`, [3, 6, 8, c], { poolSize: [2, 2] }]);
  CASES.push([`c ${c}, 2x2 stride 2, same, odd sizes`, [3, 7, 5, c], { poolSize: [2, 2], padding: 'same' }]);
  CASES.push([`c ${c}, 2x3 strides [3, 3], valid`, [3, 8, 7, c], { poolSize: [2, 3], strides: [3, 3] }]);
  CASES.push([`c ${c}, 3x3 stride 2, same`, [3, 7, 6, c], { poolSize: [3, 3], strides: [2, 2], padding: 'same' }]);
  CASES.push([`c ${c}, 3x3 stride 1, same`, [3, 5, 4, c], { poolSize: [3, 3], strides: [1, 1], padding: 'same' }]);
  CASES.push([`c ${c}, 2x3 strides [1, 2], pads [[1, 0], [0, 2]]`, [3, 5, 7, c], { poolSize: [2, 3], strides: [1, 2], padding: [[1, 0], [0, 2]] }]);
}
CASES.push(['c 17, 4x4 stride 3, same', [3, 9, 10, 17], { poolSize: [4, 4], strides: [3, 3], padding: 'same' }]);
CASES.push(['c 6, 1x1 stride 2', [3, 5, 5, 6], { poolSize: [1, 1], strides: [2, 2] }]);
CASES.push(['c 8, 3x3 stride 1 on 1x1, pads [[1, 1], [1, 1]]', [3, 1, 1, 8], { poolSize: [3, 3], strides: [1, 1], padding: [[1, 1], [1, 1]] }]);
CASES.push(['batch 0', [0, 4, 4, 3], { poolSize: [2, 2] }]);

const lengths = (g: Pool2dGeometry) => [g.n * g.h * g.w * g.c, g.n * g.oh * g.ow * g.c];

describe('maxpool2d_f32 and its backward: the reference bit for bit, ties, NaN and -Infinity included', () => {
  for (const [name, xs, opts] of CASES) {
    it(name, () => {
      const g = pool2dGeometry(xs, opts);
      const [nx, ny] = lengths(g);
      const x = poolData(g.n, g.h * g.w * g.c, nx + 1);
      // -0 among dy: added to a zeroed dx it lands as +0, on every path.
      const dy = f32(Array.from(randn(ny, ny + 2), (v, i) => (i % 7 === 3 ? -0 : v)));
      for (const skew of [0, 1, 3]) {
        const px = w.put(x, (skew + 1) % 4);
        const y = call('maxpool2d_f32', ny, skew, [px, ...pool2dArgs(g)]);
        expect(bitsOf(y), `forward, skew ${skew}`).toEqual(bitsOf(maxPool2d(x, g)));
        const dx = call('maxpool2d_backward_f32', nx, skew, [w.put(dy, (skew + 2) % 4), px, ...pool2dArgs(g)]);
        expect(bitsOf(dx), `backward, skew ${skew}`).toEqual(bitsOf(maxPool2dBackward(dy, x, g, new Float32Array(nx))));
      }
    });
  }
});

describe('avgpool2d_f32 and its backward within the float32 sum bound, countPad 0 (the reference) and 1', () => {
  const within = (got: ArrayLike<number>, want: ArrayLike<number>, mag: ArrayLike<number>, terms: number, what: string) => {
    for (let i = 0; i < want.length; i++) {
      const tol = (terms + 2) * U * mag[i] + 1e-30;
      if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
    }
  };
  for (const [name, xs, opts] of CASES) {
    it(name, () => {
      const g = pool2dGeometry(xs, opts);
      const [nx, ny] = lengths(g);
      const x = f32(randn(nx, nx + 3));
      const dy = f32(randn(ny, ny + 4));
      const ax = Float64Array.from(x, Math.abs);
      const ady = Float64Array.from(dy, Math.abs);
      for (const countPad of [0, 1]) {
        const skew = (countPad * 2 + xs[3]) % 4;
        const y = call('avgpool2d_f32', ny, skew, [w.put(x, 1), ...pool2dArgs(g), countPad]);
        within(y, avgPool2d(x, g, !!countPad), avgPool2d(ax, g, !!countPad), g.kh * g.kw, `forward countPad ${countPad}`);
        const dx = call('avgpool2d_backward_f32', nx, skew, [w.put(dy, 2), ...pool2dArgs(g), countPad]);
        within(dx, avgPool2dBackward(dy, g, !!countPad), avgPool2dBackward(ady, g, !!countPad), g.kh * g.kw, `backward countPad ${countPad}`);
      }
    });
  }
  it('countPad 1 divides by kh*kw, countPad 0 by the taps inside: 2x2 pool on [[1, 2], [3, 4]], stride 1, same', () => {
    // pads [[0, 1], [0, 1]]: windows {1,2,3,4}, {2,4}, {3,4}, {4}; sums 10, 6, 7, 4.
    const g = pool2dGeometry([1, 2, 2, 1], { poolSize: [2, 2], strides: [1, 1], padding: 'same' });
    expect(Array.from(call('avgpool2d_f32', 4, 0, [w.put([1, 2, 3, 4]), ...pool2dArgs(g), 0]))).toEqual([2.5, 3, 3.5, 4]);
    expect(Array.from(call('avgpool2d_f32', 4, 0, [w.put([1, 2, 3, 4]), ...pool2dArgs(g), 1]))).toEqual([2.5, 1.5, 1.75, 1]);
    // dy [4, 2, 2, 1] / count 4 everywhere: x[0] 1, x[1] 1 + 0.5, x[2] 1 + 0.5, x[3] 1 + 0.5 + 0.5 + 0.25.
    expect(Array.from(call('avgpool2d_backward_f32', 4, 0, [w.put([4, 2, 2, 1]), ...pool2dArgs(g), 1]))).toEqual([1, 1.5, 1.5, 2.25]);
  });
});

describe('global_avgpool_f32 and its backward: the reference exactly', () => {
  for (const [n, hw, c] of [[3, 1, 1], [3, 3, 3], [3, 49, 4], [3, 49, 5], [2, 1023, 16], [3, 7, 17], [1, 64, 32], [0, 4, 4]]) {
    it(`n ${n}, hw ${hw}, c ${c}`, () => {
      const shape = [n, hw, 1, c];
      const x = f32(randn(n * hw * c, hw + c, 3));
      const dy = f32(randn(n * c, c + 7));
      for (const skew of [0, 1, 3]) {
        expect(bitsOf(call('global_avgpool_f32', n * c, skew, [w.put(x, (skew + 1) % 4), n, hw, c])), `skew ${skew}`).toEqual(bitsOf(globalAvgPool2d(x, shape)));
        expect(bitsOf(call('global_avgpool_backward_f32', n * hw * c, skew, [w.put(dy, (skew + 2) % 4), n, hw, c])), `skew ${skew}`).toEqual(bitsOf(globalAvgPool2dBackward(dy, shape)));
      }
    });
  }
});

describe('conv.json: the pooling kernels against PyTorch float64', () => {
  const gold = golden('conv.json');
  const close = (got: ArrayLike<number>, want: number[], what: string) => expectClose(got, want, 1e-6, 1e-6 * want.reduce((m, v) => Math.max(m, Math.abs(v)), 0), what);
  const cases = [...gold.max_pool2d.map((c: any) => ['max', c]), ...gold.max_pool2d_ties.map((c: any) => ['max', c]), ...gold.avg_pool2d.map((c: any) => ['avg', c])] as ['max' | 'avg', any][];
  for (const [op, c] of cases) {
    it(`${op} ${c.name}`, () => {
      const g = pool2dGeometry(c.x.shape, { poolSize: c.pool_size, strides: c.strides, padding: c.padding });
      const [nx, ny] = lengths(g);
      const px = w.put(c.x.data, 1);
      const pdy = w.put(c.dy.data, 2);
      if (op === 'max') {
        expect(Array.from(call('maxpool2d_f32', ny, 3, [px, ...pool2dArgs(g)]))).toEqual(Array.from(f32(c.out.data)));
        close(call('maxpool2d_backward_f32', nx, 0, [pdy, px, ...pool2dArgs(g)]), c.dx.data, 'dx');
      } else {
        close(call('avgpool2d_f32', ny, 3, [px, ...pool2dArgs(g), 0]), c.out.data, 'out');
        close(call('avgpool2d_backward_f32', nx, 0, [pdy, ...pool2dArgs(g), 0]), c.dx.data, 'dx');
      }
    });
  }
  for (const c of gold.global_avg_pool2d) {
    it(`global average ${c.name}`, () => {
      const [n, h, wd, ch] = c.x.shape;
      close(call('global_avgpool_f32', n * ch, 1, [w.put(c.x.data, 2), n, h * wd, ch]), c.out.data, 'out');
      close(call('global_avgpool_backward_f32', n * h * wd * ch, 1, [w.put(c.dy.data, 3), n, h * wd, ch]), c.dx.data, 'dx');
    });
  }
});

describe('max pooling by hand (PyTorch 1.13, as in test/reference/conv.test.ts)', () => {
  const g = pool2dGeometry([1, 3, 3, 4], { poolSize: [3, 3] });
  // Four channels in one vector: ties [[1, 3, 3], [3, 0, 3], [2, 3, 1]] (first maximum, flat 1),
  // NaN at flat 1 and 3 (the last NaN), all -Infinity (the first tap), and -0 before +0 (-0 kept).
  const ch: number[][] = [[1, 3, 3, 3, 0, 3, 2, 3, 1], [1, NaN, 3, NaN, 0, 3, 2, 3, 1], Array(9).fill(-Infinity), [-1, -0, 0, -2, 0, -0, -3, -1, -1]];
  const x = Array.from({ length: 36 }, (_, k) => ch[k % 4][Math.floor(k / 4)]);
  it('forward: 3, NaN, -Infinity, -0', () => {
    const y = call('maxpool2d_f32', 4, 0, [w.put(x), ...pool2dArgs(g)]);
    expect(Array.from(y)).toEqual([3, NaN, -Infinity, -0]);
    expect(Object.is(y[3], -0)).toBe(true);
  });
  it('backward: each dy to its tap (flat 1, 3, 0 and 1)', () => {
    const dx = call('maxpool2d_backward_f32', 36, 0, [w.put([10, 20, 30, 40]), w.put(x), ...pool2dArgs(g)]);
    const want = new Array(36).fill(0);
    [[1, 10], [3, 20], [0, 30], [1, 40]].forEach(([tap, v], lane) => (want[tap * 4 + lane] = v));
    expect(Array.from(dx)).toEqual(want);
  });
});
