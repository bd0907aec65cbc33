// ops.max / ops.min over any axes with keepDims (tfjs names, torch.amax / amin numerics):
// nd-rest.json's 9 reduction cases (PyTorch 1.13 float64, tools/golden/nd_rest.py) through the
// ops and their gradients, three with ties (dy split evenly among the maxima, torch.amax's rule),
// central differences where there are no ties, a batch input reduced over axes with the batch
// among them, and refusals. Values are exact in float32 (a max copies one element); dx is dy / count.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, Model, ops, parameter, valueAndGrad } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose, randn } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';
import { reduceMax } from '../../src/reference/extrema.js';

beforeAll(async () => {
  await init();
});

interface T { shape: number[]; data: number[] }
interface Case { name: string; kind: 'max' | 'min'; x: T; axis: number[] | null; keepDims: boolean; dy: T; out: T; dx: T }
const g = golden<{ reductions: Case[] }>('nd-rest.json');

describe('ops.max and ops.min against torch.amax / amin (nd-rest.json)', () => {
  it('has the cases', () => expect(g.reductions.length).toBe(9));
  for (const c of g.reductions) {
    it(`${c.name}: out (as dL/d dy), its shape, dx${c.name.includes('ties') ? '' : '; central differences'}`, () => {
      const X = parameter(c.x.shape, Float32Array.from(c.x.data), 'x');
      const axis = c.axis ?? undefined;
      const op = (t: typeof X) => (c.kind === 'max' ? ops.max(t, axis, c.keepDims) : ops.min(t, axis, c.keepDims));
      const y = op(X);
      // Every axis without keepDims is the engine's scalar [1, 1] (PyTorch: a rank-0 tensor).
      expect(y.shape).toEqual(c.out.shape.length === 0 ? [1, 1] : c.out.shape);
      const DY = parameter(y.shape, Float32Array.from(c.dy.data), 'dy');
      const f = valueAndGrad(() => ops.sum(ops.mul(op(X), DY)));
      f();
      expectClose(DY.grad, c.out.data.map(Math.fround), 0, 0, 'out'); // the float32 input's element itself
      expectClose(X.grad, c.dx.data, 1e-6, 1e-7, 'dx');
      if (!c.name.includes('ties')) {
        const n = c.x.data.length;
        expectCentralDifferences(f, [[X, 0], [X, 1], [X, n >> 1], [X, n - 1], [DY, 0]], 1e-3, 1e-4);
      }
    });
  }

  it('a batch input [batch, 3, 4] reduced over axes [0, 2] (not adjacent: a transpose first) and [1, 2], in a Model', () => {
    const x = input({ shape: [3, 4] });
    const m = new Model({ inputs: x, outputs: [ops.max(x, [0, 2], true), ops.min(x, [1, 2]), ops.max(x)] });
    const data = Float32Array.from(randn(5 * 12, 4));
    const [a, b, all] = m.predict({ data, shape: [5, 3, 4] }) as unknown as { data: Float32Array; shape: number[] }[];
    expect([a.shape, b.shape, all.shape]).toEqual([[1, 3, 1], [5], [1, 1]]);
    // axes [0, 2] of [5, 3, 4]: for each of the 3, the max over 5 x 4.
    const t = new Float32Array(60);
    for (let n = 0; n < 5; n++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) t[(i * 5 + n) * 4 + j] = data[(n * 3 + i) * 4 + j];
    expect(Array.from(a.data)).toEqual(Array.from(reduceMax(t, 3, 20, 1)));
    expect(Array.from(b.data)).toEqual(Array.from(reduceMax(data, 5, 12, 1, true)));
    expect(Array.from(all.data)).toEqual([Math.max(...data)]);
    m.dispose();
  });

  it('refuses bad axes and keepDims, naming the op and the shape', () => {
    const x = input({ shape: [3, 4] });
    expect(() => ops.max(x, 3)).toThrow(/max: axis 3 is outside \[batch, 3, 4\]/);
    expect(() => ops.min(x, [1, 1])).toThrow(/min: axis 1 is listed twice/);
    expect(() => ops.max(x, 1, 'yes' as never)).toThrow(/max: keepDims must be true or false/);
    expect(ops.max(x, -1).shape).toEqual([-1, 3]);
    expect(ops.min(x, [], true)).toBe(x);
  });
});
