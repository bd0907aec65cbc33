import { describe, expect, it } from 'vitest';
import { data } from 'wasmnn';

describe('data', () => {
  it('makeMoons: shape, balance, the analytic half circles without noise, determinism from the seed', () => {
    const { x, y } = data.makeMoons({ n: 101, seed: 3 });
    expect(x.shape).toEqual([101, 2]);
    expect(y.shape).toEqual([101, 1]);
    expect(y.data.reduce((a, b) => a + b, 0)).toBe(51); // n_in = n - floor(n/2)
    for (let r = 0; r < x.rows; r++) {
      const [a, b] = [x.get(r, 0), x.get(r, 1)];
      // Outer: on the unit circle; inner: on the circle of radius 1 around (1, 0.5).
      const d = y.data[r] === 0 ? Math.hypot(a, b) : Math.hypot(a - 1, b - 0.5);
      expect(Math.abs(d - 1)).toBeLessThan(1e-6);
    }
    expect(data.makeMoons({ n: 50, noise: 0.2, seed: 1 }).x.data).toEqual(data.makeMoons({ n: 50, noise: 0.2, seed: 1 }).x.data);
    expect(data.makeMoons({ n: 50, noise: 0.2, seed: 1 }).x.data).not.toEqual(data.makeMoons({ n: 50, noise: 0.2, seed: 2 }).x.data);
    expect(() => data.makeMoons({ n: 1 })).toThrow(/n must be an integer >= 2/);
  });
  it('makeRegression gives y = x.w + bias exactly without noise', () => {
    const { x, y, w } = data.makeRegression({ n: 20, features: 3, bias: 0.5, seed: 4 });
    for (let r = 0; r < 20; r++) {
      const want = 0.5 + x.get(r, 0) * w[0] + x.get(r, 1) * w[1] + x.get(r, 2) * w[2];
      expect(y.data[r]).toBeCloseTo(want, 5);
    }
  });
  it('the built-in data sets parse with the documented sizes', async () => {
    const moons = await data.loadBuiltin('moons');
    expect([moons.train.x.rows, moons.test.x.rows, moons.train.x.cols]).toEqual([200, 100, 2]);
    const diabetes = await data.loadBuiltin('diabetes');
    expect([diabetes.x.rows, diabetes.x.cols, diabetes.y.cols]).toEqual([442, 10, 1]);
    const digits = await data.loadBuiltin('digits');
    expect([digits.x.rows, digits.x.cols]).toEqual([1797, 64]);
    expect(new Set(digits.y.data).size).toBe(10);
  });
  it('CSV errors name the line and column', () => {
    expect(() => data.parseCsv('a,b\n1,2\n3')).toThrow(/line 3 has 1 fields, expected 2/);
    expect(() => data.parseCsv('a,b\n1,x')).toThrow(/line 2, column 'b': 'x' is not a number/);
    expect(data.parseCsv('1,2\n3,4').rows).toEqual([[1, 2], [3, 4]]);
  });
  it('trainTestSplit, standardizer and oneHot', () => {
    const { x, y } = data.makeMoons({ n: 100, noise: 0.1, seed: 0 });
    const { train, test } = data.trainTestSplit(x, y, { testSize: 0.2, seed: 1 });
    expect([train.x.rows, test.x.rows]).toEqual([80, 20]);
    const s = data.fitStandardizer(train.x);
    const z = s.transform(train.x);
    for (let c = 0; c < 2; c++) {
      let m = 0, v = 0;
      for (let r = 0; r < z.rows; r++) m += z.get(r, c);
      m /= z.rows;
      for (let r = 0; r < z.rows; r++) v += (z.get(r, c) - m) ** 2;
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(Math.sqrt(v / z.rows)).toBeCloseTo(1, 5);
    }
    const constant = data.fitStandardizer(new data.Matrix(new Float32Array([2, 2, 2]), 3, 1));
    expect(Array.from(constant.transform(new data.Matrix(new Float32Array([2, 5]), 2, 1)).data)).toEqual([0, 0]);
    expect(data.oneHot([2, 0], 3).toArray()).toEqual([[0, 0, 1], [1, 0, 0]]);
    expect(() => data.oneHot([3], 3)).toThrow(/label 3 at row 0/);
    expect(() => data.Matrix.from([[1, 2], [3]])).toThrow(/row 1 has 1 values, row 0 has 2/);
    expect(() => data.Matrix.from({ data: new Float32Array(5), shape: [2, 3] })).toThrow(/needs 6 values, data has 5/);
  });
});
