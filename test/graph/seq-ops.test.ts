// The sequence-model ops through valueAndGrad against PyTorch float64 (test/fixtures/seq-ops.json,
// tools/golden/seq_ops.py): L = sum(op(...) * dy), so the value is checked through L and every
// gradient is the op's backward of dy; central differences check the same gradients again.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, ops, parameter, valueAndGrad, type Parameter } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';

interface A { shape: number[]; data: number[] }
const fx = golden<Record<string, any>>('seq-ops.json');
const P = (a: A, name: string) => parameter(a.shape, Float32Array.from(a.data), name);
const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
const shaped = (a: A) => ({ data: Float32Array.from(a.data), shape: a.shape });
// The largest ulp(mean)/2 / std over the rows of x: how far a float32 mean moves xhat.
function meanRounding(x: number[], cols: number): number {
  let worst = 0;
  for (let o = 0; o < x.length; o += cols) {
    const row = x.slice(o, o + cols), mu = row.reduce((s, v) => s + v, 0) / cols;
    const sd = Math.sqrt(row.reduce((s, v) => s + (v - mu) ** 2, 0) / cols) || 1;
    worst = Math.max(worst, Math.abs(Math.fround(mu) - mu) / sd);
  }
  return worst;
}

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

describe('gather (embedding lookup) against PyTorch', () => {
  for (const c of fx.gather) {
    it(`${c.name}: out and the table's scatter-add gradient`, () => {
      const T = P(c.table, 'table');
      const idx = input({ shape: c.indices.shape.slice(1), dtype: 'int32' }), dy = input(c.dy.shape.slice(1));
      const f = valueAndGrad((i, d) => ops.sum(ops.mul(ops.gather(T, i), d)), [idx, dy]);
      const value = f(shaped(c.indices), shaped(c.dy));
      expect(Math.abs(value - dot(c.out.data, c.dy.data))).toBeLessThan(1e-5 * (1 + Math.abs(value)));
      expectClose(T.grad, c.dtable.data, 1e-6, 1e-6, 'dtable');
      // Exact: the lookup copies rows; sum(out * dy) with dy one-hot at an element reads it back.
      const gathered = valueAndGrad((i) => ops.sum(ops.gather(T, i)), [idx]);
      gathered(shaped(c.indices));
      const counts = new Float64Array(c.table.shape[0]);
      for (const v of c.indices.data) counts[v]++;
      expect(Array.from(T.grad)).toEqual(Array.from(T.value, (_, j) => counts[Math.floor(j / c.table.shape[1])]));
      expectCentralDifferences(() => f(shaped(c.indices), shaped(c.dy)), [[T, 0], [T, T.size - 1]], 1e-3);
      f.dispose();
      gathered.dispose();
    });
  }
});

describe('layerNorm and rmsNorm against PyTorch (any rank, the last axis)', () => {
  for (const c of [...fx.layerNorm, ...fx.rmsNorm]) {
    const rms = c.name.startsWith('rms');
    it(`${c.name}: out, dx, dgamma${rms ? '' : ', dbeta'}`, () => {
      const X = P(c.x, 'x'), G = P(c.gamma, 'gamma'), Bt = rms ? undefined : P(c.beta, 'beta'), DY = P(c.dy, 'dy');
      const y = () => (rms ? ops.rmsNorm(X, G, { epsilon: c.epsilon }) : ops.layerNorm(X, G, Bt!, { epsilon: c.epsilon }));
      const f = valueAndGrad(() => ops.sum(ops.mul(y(), DY)));
      const value = f();
      expect(Math.abs(value - dot(c.out.data, c.dy.data))).toBeLessThan(2e-5 * (1 + Math.abs(value)));
      // |dx| scales as 1/std: the std-0.01 cases have dx near 1e2..1e3. The backward reads each
      // row's mean as float32 (as PyTorch keeps it): xhat is off by up to ulp(mean)/2 / std, 4e-4
      // for the mean-100, std-0.01 case, 2e-8 elsewhere.
      const scale = Math.max(...c.dx.data.map(Math.abs)), shift = rms ? 0 : 2 * meanRounding(c.x.data, c.x.shape.at(-1));
      expectClose(X.grad, c.dx.data, 2e-4, (2e-5 + shift) * scale + 1e-6, 'dx');
      // dgamma sums dy * xhat down each column: the same shift times the column's sum of |dy|.
      const n = c.gamma.shape[0], colAbs = Math.max(...Array.from({ length: n }, (_, j) => c.dy.data.filter((_: number, i: number) => i % n === j).reduce((s: number, v: number) => s + Math.abs(v), 0)));
      expectClose(G.grad, c.dgamma.data, 1e-5, 1e-5 + shift * colAbs, 'dgamma');
      if (Bt) expectClose(Bt.grad, c.dbeta.data, 1e-6, 1e-6, 'dbeta');
      const steps: [Parameter, number][] = [[G, 0], [X, 1]];
      if (Bt) steps.push([Bt, c.beta.shape[0] - 1]);
      // x enters non-linearly: a small step, with the std-0.01 cases' h scaled to their std (and
      // a power of two, so that 100 + h is exact in float32).
      expectCentralDifferences(f, steps, 3e-3, c.name.includes('0.01') ? 2 ** -13 : 1e-2);
      f.dispose();
    });
  }
});

describe('where, oneHot and gelu on N-d input against PyTorch', () => {
  for (const c of fx.where) {
    it(`where ${c.name}: out, da${c.b ? ', db' : ''}`, () => {
      const cond = ops.constant(c.cond.data, c.cond.shape);
      const A = P(c.a, 'a'), Bt = c.b ? P(c.b, 'b') : undefined, DY = P(c.dy, 'dy');
      const f = valueAndGrad(() => ops.sum(ops.mul(ops.where(cond, A, Bt ?? c.bScalar), DY)));
      const value = f();
      // Each product out*dy rounded to float32 (2^-24 relative), summed in float64.
      const bound = 2 ** -23 * c.out.data.reduce((s: number, v: number, i: number) => s + Math.abs(v * c.dy.data[i]), 0);
      expect(Math.abs(value - dot(c.out.data, c.dy.data))).toBeLessThan(bound + 1e-6);
      expect(Array.from(A.grad)).toEqual(c.da.data.map(Math.fround));
      if (Bt) expect(Array.from(Bt.grad)).toEqual(c.db.data.map(Math.fround));
      f.dispose();
      // -1e9 in L leaves float32 no digits for a difference quotient: the same op with b = -3.
      const g = valueAndGrad(() => ops.sum(ops.mul(ops.where(cond, A, Bt ?? -3), DY)));
      expectCentralDifferences(g, [[A, 0], [A, 5], [A, A.size - 1]], 1e-3);
      g.dispose();
    });
  }

  it('oneHot [2, 3] depth 5 is F.one_hot', () => {
    const c = fx.oneHot[0];
    const idx = input({ shape: [3], dtype: 'int32' }), W = parameter([5], Float32Array.from([1, 10, 100, 1000, 10000]), 'w');
    // sum(oneHot * w) over a row adds w at the index: each index read back exactly.
    const f = valueAndGrad((i) => ops.sum(ops.mul(ops.oneHot(i, 5), W)), [idx]);
    expect(f(shaped(c.indices))).toBe(c.indices.data.reduce((s: number, v: number) => s + 10 ** v, 0));
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < c.out.data.length; i++) counts[i % 5] += c.out.data[i];
    expect(Array.from(W.grad)).toEqual(counts);
    f.dispose();
  });

  for (const c of fx.gelu) {
    it(`${c.name}: out and dx`, () => {
      const X = P(c.x, 'x'), DY = P(c.dy, 'dy');
      const f = valueAndGrad(() => ops.sum(ops.mul(c.approximate === 'tanh' ? ops.geluTanh(X) : ops.gelu(X), DY)));
      const value = f();
      expect(Math.abs(value - dot(c.out.data, c.dy.data))).toBeLessThan(1e-5 * (1 + Math.abs(value)));
      expectClose(X.grad, c.dx.data, 1e-5, 1e-6, 'dx');
      f.dispose();
    });
  }
});

describe('sequence ops refuse bad input, naming the op and the numbers', () => {
  it('an index outside the vocabulary, at the step that reads it (and the next batch still runs)', () => {
    const T = parameter([5, 3], new Float32Array(15), 'table');
    const idx = input({ shape: [4], dtype: 'int32' });
    const f = valueAndGrad((i) => ops.sum(ops.gather(T, i)), [idx]);
    expect(() => f({ data: Float32Array.from([0, 1, 2, 3, 4, 5, 1, 0]), shape: [2, 4] })).toThrow('wasmnn: gather: index 5 at position [1, 1] is outside [0, 5) (the vocabulary size is 5)');
    expect(() => f({ data: Float32Array.from([0, -1, 2, 3]), shape: [1, 4] })).toThrow('index -1 at position [0, 1] is outside [0, 5)');
    expect(f({ data: Float32Array.from([0, 1, 2, 4]), shape: [1, 4] })).toBe(0);
    const g = valueAndGrad((i) => ops.sum(ops.oneHot(i, 3)), [idx]);
    expect(() => g({ data: Float32Array.from([0, 1, 2, 3]), shape: [1, 4] })).toThrow('wasmnn: oneHot: index 3 at position [0, 3] is outside [0, 3) (the depth is 3)');
    expect(() => f({ data: Float32Array.from([0, 1.5, 2, 3]), shape: [1, 4] })).toThrow(/1\.5 is not an integer/);
    f.dispose();
    g.dispose();
  });

  it('float indices, a table that is not [vocab, dim], a bad depth', () => {
    const T = parameter([5, 3], new Float32Array(15), 'table');
    expect(() => ops.gather(T, input([4]))).toThrow("wasmnn: gather takes int32 indices (input({ shape, dtype: 'int32' })), got a float32 tensor of shape [batch, 4]");
    expect(() => ops.gather(parameter([2, 3, 4], new Float32Array(24), 't'), input({ shape: [4], dtype: 'int32' }))).toThrow('the table is a float32 [vocab, dim] tensor (a parameter, say), got [2, 3, 4]');
    expect(() => ops.oneHot(input({ shape: [4], dtype: 'int32' }), 0)).toThrow('wasmnn: oneHot: depth must be a positive integer, got 0');
  });

  it('gamma or beta not of the normalised axis, an axis other than the last, a bad epsilon, an unknown option', () => {
    const x = input([8, 6]), g6 = parameter([6], new Float32Array(6).fill(1), 'g'), b6 = parameter([6], new Float32Array(6), 'b');
    expect(() => ops.layerNorm(x, parameter([5], new Float32Array(5), 'g'), b6)).toThrow('wasmnn: layerNorm: gamma has shape [1, 5] but the normalised axis (the last of x [batch, 8, 6]) has 6 features: give gamma shape [6]');
    expect(() => ops.layerNorm(x, g6, parameter([8, 6], new Float32Array(48), 'b'))).toThrow('beta has shape [8, 6] but the normalised axis (the last of x [batch, 8, 6]) has 6 features');
    expect(() => ops.rmsNorm(x, parameter([7], new Float32Array(7), 'g'))).toThrow('wasmnn: rmsNorm: gamma has shape [1, 7]');
    expect(() => ops.layerNorm(x, g6, b6, { axis: 1 })).toThrow('wasmnn: layerNorm normalises the last axis only (axis -1 or 2 of [batch, 8, 6]), got axis 1');
    for (const epsilon of [0, -1e-5, NaN, Infinity, '1e-5' as unknown as number]) {
      expect(() => ops.layerNorm(x, g6, b6, { epsilon }), String(epsilon)).toThrow('wasmnn: layerNorm: epsilon must be a finite number > 0 (held as a float32), got');
      expect(() => ops.rmsNorm(x, g6, { epsilon }), String(epsilon)).toThrow('wasmnn: rmsNorm: epsilon must be a finite number > 0 (held as a float32), got');
    }
    expect(() => ops.layerNorm(x, g6, b6, { eps: 1e-3 } as never)).toThrow(/epsilon/);
  });

  it('where: a mask that does not fit, operands of two shapes, an int32 operand', () => {
    const s = input([4, 4]);
    expect(() => ops.where(ops.causalMask(3), s, 0)).toThrow('wasmnn: where: cond [3, 3] does not fit the output [batch, 4, 4]: it must have the output\'s shape or its trailing dimensions');
    expect(() => ops.where(ops.causalMask(4), s, input([4, 3]))).toThrow('wasmnn: where: a [batch, 4, 4] and b [batch, 4, 3] differ in shape');
    expect(() => ops.where(input({ shape: [4], dtype: 'int32' }), s, 0)).toThrow('wasmnn: where: cond must be float32');
    expect(() => ops.causalMask(0)).toThrow('causalMask takes a positive length, got 0');
  });
});
