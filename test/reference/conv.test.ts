// The float64 references of src/reference/conv.ts and pool.ts against PyTorch (conv.json, float64,
// made by tools/golden/conv.py), against central differences, against tfjs' own 'same' padding,
// and on hand-worked cases. Tolerances, all |got - want| <= rel * |want| + abs:
//   golden cases: rel 1e-12, abs 1e-12 * max |want| of the array (float64 against float64; sums
//     of a few dozen products in another order differ by a few ulps of the largest term);
//   finite differences (L = sum(out * dy), central, h = 1e-4; every op here is linear, or piecewise
//     linear with kinks >= 1e-3 away, so only rounding is left, ~1e-11): rel 1e-7, abs 1e-8;
//   hand-worked cases: exact.
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { conv1d, conv1dBackward, conv1dGeometry, conv2d, conv2dBackward, conv2dGeometry, explicitPads, samePads, type Arr, type Padding } from '../../src/reference/conv.js';
import { avgPool2d, avgPool2dBackward, globalAvgPool2d, globalAvgPool2dBackward, maxPool2d, maxPool2dBackward, pool2dGeometry } from '../../src/reference/pool.js';
import { golden } from '../helpers/fixtures.js';
import { expectClose, randn } from '../helpers/wasm.js';

interface T { shape: number[]; data: number[] }
const g = golden('conv.json');

function closeToGolden(got: ArrayLike<number>, want: T | number[], what: string): void {
  const data = Array.isArray(want) ? want : want.data;
  const scale = data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  expectClose(got, data, 1e-12, 1e-12 * scale, what);
}

describe('conv.json: the references vs PyTorch float64, |got - want| <= 1e-12 * (|want| + max |want|)', () => {
  it(`was made by PyTorch ${g.torch} in float64 and has every case`, () => {
    expect(g.dtype).toBe('float64');
    expect([g.conv2d.length, g.conv1d.length, g.max_pool2d.length, g.avg_pool2d.length, g.global_avg_pool2d.length, g.max_pool2d_ties.length]).toEqual([12, 2, 5, 4, 2, 2]);
  });

  for (const c of g.conv2d) {
    it(`conv2d ${c.name}`, () => {
      const geo = conv2dGeometry(c.x.shape, c.w.shape, { strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups });
      expect([[geo.pt, geo.pb], [geo.pl, geo.pr]]).toEqual(c.pads);
      expect([geo.n, geo.oh, geo.ow, geo.cout]).toEqual(c.out.shape);
      closeToGolden(conv2d(c.x.data, c.w.data, c.bias, geo), c.out, 'out');
      const { dx, dw, db } = conv2dBackward(c.dy.data, c.x.data, c.w.data, geo);
      closeToGolden(dx, c.dx, 'dx');
      closeToGolden(dw, c.dw, 'dw');
      if (c.bias) closeToGolden(db, c.db, 'db');
    });
  }

  for (const c of g.conv1d) {
    it(`conv1d ${c.name}`, () => {
      const geo = conv1dGeometry(c.x.shape, c.w.shape, { stride: c.stride, dilation: c.dilation, padding: c.padding, groups: c.groups });
      expect([geo.pl, geo.pr]).toEqual(c.pads);
      expect([geo.n, geo.ow, geo.cout]).toEqual(c.out.shape);
      closeToGolden(conv1d(c.x.data, c.w.data, c.bias, geo), c.out, 'out');
      const { dx, dw, db } = conv1dBackward(c.dy.data, c.x.data, c.w.data, geo);
      closeToGolden(dx, c.dx, 'dx');
      closeToGolden(dw, c.dw, 'dw');
      if (c.bias) closeToGolden(db, c.db, 'db');
    });
  }

  const pools = [
    ...g.max_pool2d.map((c: any) => ['maxPool2d', c]),
    ...g.max_pool2d_ties.map((c: any) => ['maxPool2d', c]),
    ...g.avg_pool2d.map((c: any) => ['avgPool2d', c]),
  ] as const;
  for (const [op, c] of pools) {
    it(`${op} ${c.name}`, () => {
      const geo = pool2dGeometry(c.x.shape, { poolSize: c.pool_size, strides: c.strides, padding: c.padding });
      expect([[geo.pt, geo.pb], [geo.pl, geo.pr]]).toEqual(c.pads);
      expect([geo.n, geo.oh, geo.ow, geo.c]).toEqual(c.out.shape);
      const max = op === 'maxPool2d';
      closeToGolden(max ? maxPool2d(c.x.data, geo) : avgPool2d(c.x.data, geo), c.out, 'out');
      closeToGolden(max ? maxPool2dBackward(c.dy.data, c.x.data, geo) : avgPool2dBackward(c.dy.data, geo), c.dx, 'dx');
    });
  }

  for (const c of g.global_avg_pool2d) {
    it(`globalAvgPool2d ${c.name}`, () => {
      closeToGolden(globalAvgPool2d(c.x.data, c.x.shape), c.out, 'out');
      closeToGolden(globalAvgPool2dBackward(c.dy.data, c.x.shape), c.dx, 'dx');
    });
  }
});

describe("'same' padding is TensorFlow's: explicitPads vs tfjs' computeConv2DInfo / computePool2DInfo", () => {
  it('every input size 1..9, kernel 1..5, stride 1..3, dilation 1..3', () => {
    let n = 0;
    for (let size = 1; size <= 9; size++) {
      for (let k = 1; k <= 5; k++) {
        for (let s = 1; s <= 3; s++) {
          for (let d = 1; d <= 3; d++) {
            const tfPad = tf.backend_util.computeConv2DInfo([1, size, size + 1, 1], [k, k, 1, 1], [s, s], [d, d], 'same').padInfo;
            const ours = explicitPads('same', [size, size + 1], [k, k], [s, s], [d, d]);
            expect(ours, `size ${size} kernel ${k} stride ${s} dilation ${d}`).toEqual([[tfPad.top, tfPad.bottom], [tfPad.left, tfPad.right]]);
            n++;
          }
          const poolPad = tf.backend_util.computePool2DInfo([1, size, size, 1], [k, k], [s, s], 1, 'same').padInfo;
          expect(samePads(size, k, s)).toEqual([poolPad.top, poolPad.bottom]);
        }
      }
    }
    expect(n).toBe(9 * 5 * 3 * 3);
  });
});

/** d/dv of sum(f(v) * dy) by central differences, every element of v. */
function numericGrad(v: Float64Array, dy: Arr, f: () => Float64Array, h = 1e-4): Float64Array {
  const dot = (y: Float64Array) => y.reduce((s, yi, i) => s + yi * dy[i], 0);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const v0 = v[i];
    v[i] = v0 + h;
    const up = dot(f());
    v[i] = v0 - h;
    out[i] = (up - dot(f())) / (2 * h);
    v[i] = v0;
  }
  return out;
}

/** n distinct values 1/n apart, shuffled (multiplying by 37 mod n), so no max-pool tie is near. */
const distinct = (n: number) => Float64Array.from({ length: n }, (_, i) => ((i * 37) % n) / n - 0.5);

describe('finite differences in float64 (central, h = 1e-4): |analytic - numeric| <= 1e-7 * |numeric| + 1e-8', () => {
  const fd = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => expectClose(got, want, 1e-7, 1e-8, what);

  const convCases: [string, number[], number[], Parameters<typeof conv2dGeometry>[2]][] = [
    ['conv2d groups 2, strides [2, 1], dilations [1, 2], pads [[1, 2], [0, 1]]', [2, 5, 6, 4], [3, 2, 2, 6], { strides: [2, 1], dilations: [1, 2], padding: [[1, 2], [0, 1]], groups: 2 }],
    ['conv2d depthwise (groups 3, multiplier 2), stride 2, same', [1, 6, 5, 3], [3, 3, 1, 6], { strides: [2, 2], padding: 'same', groups: 3 }],
  ];
  for (const [name, xs, ws, opts] of convCases) {
    it(name, () => {
      const geo = conv2dGeometry(xs, ws, opts);
      const x = randn(xs.reduce((a, b) => a * b), 11);
      const w = randn(ws.reduce((a, b) => a * b), 12);
      const b = randn(ws[3], 13);
      const dy = randn(geo.n * geo.oh * geo.ow * geo.cout, 14);
      const { dx, dw, db } = conv2dBackward(dy, x, w, geo);
      const f = () => conv2d(x, w, b, geo);
      fd(dx, numericGrad(x, dy, f), 'dx');
      fd(dw, numericGrad(w, dy, f), 'dw');
      fd(db, numericGrad(b, dy, f), 'db');
    });
  }

  it('conv1d stride 2, dilation 2, same, bias', () => {
    const geo = conv1dGeometry([2, 11, 3], [3, 3, 2], { stride: 2, dilation: 2, padding: 'same' });
    const x = randn(2 * 11 * 3, 21);
    const w = randn(3 * 3 * 2, 22);
    const b = randn(2, 23);
    const dy = randn(geo.n * geo.ow * geo.cout, 24);
    const { dx, dw, db } = conv1dBackward(dy, x, w, geo);
    const f = () => conv1d(x, w, b, geo);
    fd(dx, numericGrad(x, dy, f), 'dx');
    fd(dw, numericGrad(w, dy, f), 'dw');
    fd(db, numericGrad(b, dy, f), 'db');
  });

  const poolGeo = () => pool2dGeometry([2, 6, 5, 3], { poolSize: [3, 3], strides: [2, 2], padding: 'same' });
  it('maxPool2d 3x3 stride 2, same, on distinct values 1/180 apart', () => {
    const geo = poolGeo();
    const x = distinct(2 * 6 * 5 * 3);
    const dy = randn(geo.n * geo.oh * geo.ow * geo.c, 31);
    fd(maxPool2dBackward(dy, x, geo), numericGrad(x, dy, () => maxPool2d(x, geo)), 'dx');
  });

  it('avgPool2d 3x3 stride 2, same', () => {
    const geo = poolGeo();
    const x = randn(2 * 6 * 5 * 3, 41);
    const dy = randn(geo.n * geo.oh * geo.ow * geo.c, 42);
    fd(avgPool2dBackward(dy, geo), numericGrad(x, dy, () => avgPool2d(x, geo)), 'dx');
  });

  it('globalAvgPool2d [2, 3, 4, 3]', () => {
    const shape = [2, 3, 4, 3];
    const x = randn(72, 51);
    const dy = randn(6, 52);
    fd(globalAvgPool2dBackward(dy, shape), numericGrad(x, dy, () => globalAvgPool2d(x, shape)), 'dx');
  });
});

describe('hand-worked cases', () => {
  it('conv2d x [1, 2, 3, 1] = [[1, 2, 3], [4, 5, 6]], w [1, 2, 1, 1] = [1, -1], bias 0.5: y = 1 - 2 + 0.5 = -0.5 everywhere', () => {
    const geo = conv2dGeometry([1, 2, 3, 1], [1, 2, 1, 1]);
    expect(Array.from(conv2d([1, 2, 3, 4, 5, 6], [1, -1], [0.5], geo))).toEqual([-0.5, -0.5, -0.5, -0.5]);
    // dy = 1: each x gets w[0] from the window it starts and w[1] from the one it ends: 1, 0, -1 per row.
    const { dx, dw, db } = conv2dBackward([1, 1, 1, 1], [1, 2, 3, 4, 5, 6], [1, -1], geo);
    expect(Array.from(dx)).toEqual([1, 0, -1, 1, 0, -1]);
    expect(Array.from(dw)).toEqual([1 + 2 + 4 + 5, 2 + 3 + 5 + 6]);
    expect(Array.from(db)).toEqual([4]);
  });

  // PyTorch 1.13 (CPU), checked when conv.json was made: max_pool2d's index is the first maximum of
  // [[1, 3, 3], [3, 0, 3], [2, 3, 1]] (flat 1), of [[1, NaN, 3], [NaN, 0, 3], [2, 3, 1]] the last NaN (flat 3),
  // and of an all -Infinity window its first element (the -Infinity case below, indices [5, 2]).
  const pool3 = pool2dGeometry([1, 3, 3, 1], { poolSize: [3, 3] });
  it('maxPool2d ties: the gradient goes to the first maximum in row-major window order', () => {
    expect(Array.from(maxPool2dBackward([1], [1, 3, 3, 3, 0, 3, 2, 3, 1], pool3))).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('maxPool2d NaN: the output is NaN and the gradient goes to the last NaN', () => {
    const x = [1, NaN, 3, NaN, 0, 3, 2, 3, 1];
    expect(maxPool2d(x, pool3)[0]).toBeNaN();
    expect(Array.from(maxPool2dBackward([1], x, pool3))).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0]);
  });
  it('maxPool2d of a window of -Infinity: -Infinity, the gradient to its first element (PyTorch 1.13: index 2)', () => {
    // x [1, 2, 4, 1] = [[0, 1, -Inf, -Inf], [2, 3, -Inf, -Inf]], 2x2 stride 2: windows {0, 1, 2, 3} and {-Inf x 4}.
    const geo = pool2dGeometry([1, 2, 4, 1], { poolSize: [2, 2] });
    const x = [0, 1, -Infinity, -Infinity, 2, 3, -Infinity, -Infinity];
    expect(Array.from(maxPool2d(x, geo))).toEqual([3, -Infinity]);
    expect(Array.from(maxPool2dBackward([1, 2], x, geo))).toEqual([0, 0, 2, 0, 0, 1, 0, 0]);
  });
  it("avgPool2d 'same' divides by the input elements only: 2x2 pool on [[1, 2], [3, 4]] with stride 1", () => {
    // pads [[0, 1], [0, 1]]: windows {1,2,3,4}, {2,4}, {3,4}, {4}.
    const geo = pool2dGeometry([1, 2, 2, 1], { poolSize: [2, 2], strides: [1, 1], padding: 'same' });
    expect(Array.from(avgPool2d([1, 2, 3, 4], geo))).toEqual([2.5, 3, 3.5, 4]);
    expect(Array.from(avgPool2dBackward([4, 2, 2, 1], geo))).toEqual([1, 1 + 1, 1 + 1, 1 + 1 + 1 + 1]);
  });
});

describe('errors: a RangeError naming the problem and its numbers', () => {
  const geo = (xs: number[], ws: number[], opts: Parameters<typeof conv2dGeometry>[2]) => () => conv2dGeometry(xs, ws, opts);
  const cases: [string, () => unknown, RegExp][] = [
    ['conv2d stride 0', geo([1, 5, 5, 2], [3, 3, 2, 2], { strides: [0, 1] }), /conv2d stride along the height must be an integer >= 1, got 0/],
    ['conv2d stride 0 along the width with same padding', geo([1, 5, 5, 2], [3, 3, 2, 2], { strides: [1, 0], padding: 'same' }), /conv2d stride along the width must be an integer >= 1, got 0/],
    ['conv2d dilation 1.5', geo([1, 5, 5, 2], [3, 3, 2, 2], { dilations: [1, 1.5] }), /dilation along the width must be an integer >= 1, got 1.5/],
    ['conv2d kernel larger than the input', geo([1, 4, 4, 1], [5, 3, 1, 1], {}), /conv2d kernel height 5 \(kernel 5, dilation 1\) is larger than the padded input height 4 \(4 \+ 0 \+ 0\): the output would be empty/],
    ['conv2d dilated kernel larger than the padded input', geo([1, 5, 5, 1], [3, 3, 1, 1], { dilations: [1, 3], padding: [[0, 0], [1, 0]] }), /kernel width 7 \(kernel 3, dilation 3\) is larger than the padded input width 6 \(5 \+ 1 \+ 0\)/],
    ['conv2d input channels not divisible by groups', geo([1, 5, 5, 3], [3, 3, 1, 4], { groups: 2 }), /input channels 3 are not divisible by groups 2/],
    ['conv2d output channels not divisible by groups', geo([1, 5, 5, 4], [3, 3, 2, 3], { groups: 2 }), /output channels 3 are not divisible by groups 2/],
    ['conv2d filter channels not cin/groups', geo([1, 5, 5, 4], [3, 3, 4, 4], { groups: 2 }), /filter has 4 input channels, input channels 4 \/ groups 2 = 2/],
    ['conv2d groups 0', geo([1, 5, 5, 4], [3, 3, 4, 4], { groups: 0 }), /groups must be an integer >= 1, got 0/],
    ['conv2d negative padding', geo([1, 5, 5, 2], [3, 3, 2, 2], { padding: [[-1, 0], [0, 0]] }), /padding before the height must be an integer >= 0, got -1/],
    ['conv2d unknown padding', geo([1, 5, 5, 2], [3, 3, 2, 2], { padding: 'full' as Padding }), /padding must be 'valid', 'same' or \[\[top, bottom\], \[left, right\]\], got "full"/],
    ['conv2d input of rank 3', geo([5, 5, 2], [3, 3, 2, 2], {}), /conv2d input must be \[n, h, w, cin\], got \[5, 5, 2\]/],
    ['conv2d input of the wrong length', () => conv2d(new Float64Array(49), new Float64Array(18), null, conv2dGeometry([1, 5, 5, 2], [3, 3, 2, 1])), /conv2d input has 49 elements, its shape \[1, 5, 5, 2\] needs 50/],
    ['conv1d stride 0', () => conv1dGeometry([1, 8, 2], [3, 2, 2], { stride: 0 }), /conv1d stride along the width must be an integer >= 1, got 0/],
    ['conv1d kernel larger than the input', () => conv1dGeometry([1, 2, 2], [3, 2, 2]), /conv1d kernel width 3 .* padded input width 2/],
    ['pool stride 0', () => pool2dGeometry([1, 5, 5, 1], { poolSize: [2, 2], strides: [2, 0] }, 'maxPool2d'), /maxPool2d stride along the width must be an integer >= 1, got 0/],
    ['pool larger than the input', () => pool2dGeometry([1, 2, 5, 1], { poolSize: [3, 3] }, 'avgPool2d'), /avgPool2d kernel height 3 .* padded input height 2 \(2 \+ 0 \+ 0\)/],
    ['pool padding that leaves a window empty', () => pool2dGeometry([1, 5, 5, 1], { poolSize: [3, 3], padding: [[3, 0], [0, 0]] }), /padding of the height leaves a window with no input element \(pool 3, stride 3, padding before 3/],
    ['global average pool of rank 3', () => globalAvgPool2d([1, 2], [1, 2, 1]), /globalAvgPool2d input must be \[n, h, w, c\], got \[1, 2, 1\]/],
  ];
  for (const [name, f, msg] of cases) {
    it(name, () => {
      expect(f).toThrow(RangeError);
      expect(f).toThrow(msg);
    });
  }
});
