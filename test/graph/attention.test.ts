// ops.dotProductAttention on the graph engine: against PyTorch 1.13 float64 (test/fixtures/attention.json,
// tools/golden/attention.py: the formula softmax(scale q k^T + mask) v, causal top-left), central
// differences (float64 on the twin, float32 through the op), and its errors.
// L = sum(out * dy) through valueAndGrad: q, k, v and dy are parameters, so dy's gradient is out itself.
// Tolerance against the goldens: 1e-5 relative + 1e-5 of the largest |value| (inputs are 3-decimal
// numbers, exact in float64, rounded once to float32).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, ops, parameter, valueAndGrad, type Parameter } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { attention, attentionBackward, type AttentionGeometry } from '../../src/reference/attention.js';

interface Arr { shape: number[]; data: number[] }
interface OpCase { name: string; q: Arr; k: Arr; v: Arr; dy: Arr; causal: boolean; scale?: number; mask?: { shape: number[]; data: (number | boolean)[] }; out: Arr; dq: Arr; dk: Arr; dv: Arr }
const fixture = golden<{ torch: string; ops: OpCase[] }>('attention.json');

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

const top = (xs: ArrayLike<number>) => Array.from(xs).reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const near = (got: ArrayLike<number>, want: ArrayLike<number>, what: string) => expectClose(got, want, 1e-5, 1e-5 * top(want), what);

// L = sum(attention(Q, K, V) * DY) as a function of the four parameters.
function loss(c: OpCase): { f: ReturnType<typeof valueAndGrad>; Q: Parameter; K: Parameter; V: Parameter; DY: Parameter } {
  const Q = parameter(c.q.shape, Float32Array.from(c.q.data), 'q'), K = parameter(c.k.shape, Float32Array.from(c.k.data), 'k');
  const V = parameter(c.v.shape, Float32Array.from(c.v.data), 'v'), DY = parameter(c.dy.shape, Float32Array.from(c.dy.data), 'dy');
  const options = { causal: c.causal, ...(c.scale === undefined ? {} : { scale: c.scale }), ...(c.mask ? { mask: c.mask.data } : {}) };
  const f = valueAndGrad(() => ops.sum(ops.mul(ops.dotProductAttention(Q, K, V, options), DY)));
  return { f, Q, K, V, DY };
}

describe(`dotProductAttention against PyTorch ${fixture.torch} float64`, () => {
  for (const c of fixture.ops) {
    it(`${c.name}: out, dq, dk, dv`, () => {
      const { f, Q, K, V, DY } = loss(c);
      const value = f();
      const want = c.out.data.reduce((s, o, i) => s + o * c.dy.data[i], 0);
      expect(Math.abs(value - want)).toBeLessThan(1e-5 * (1 + Math.abs(want)));
      near(DY.grad, c.out.data, `${c.name}: out`);
      near(Q.grad, c.dq.data, `${c.name}: dq`);
      near(K.grad, c.dk.data, `${c.name}: dk`);
      near(V.grad, c.dv.data, `${c.name}: dv`);
    });
  }
});

// The float64 twin's gradient against its own central differences (h 1e-5: truncation ~1e-10).
function twinLoss(q: Float64Array, k: Float64Array, v: Float64Array, dy: Float64Array, g: AttentionGeometry): number {
  return attention(q, k, v, g).o.reduce((s, o, i) => s + o * dy[i], 0);
}

describe('gradients by central differences', () => {
  it('the float64 twin (and so the kernel it checks) at every element of two goldens', () => {
    for (const c of [fixture.ops[3], fixture.ops[8]]) {
      const [b, h, tq, d] = c.q.shape, [, , tk, dv] = c.v.shape;
      const g: AttentionGeometry = { bh: b * h, tq, tk, d, dv, scale: c.scale ?? 1 / Math.sqrt(d), causal: c.causal, mask: c.mask && Float64Array.from(c.mask.data, (x) => (typeof x === 'boolean' ? (x ? 0 : -Infinity) : x)) };
      const xs = [c.q, c.k, c.v].map((a) => Float64Array.from(a.data)), dy = Float64Array.from(c.dy.data);
      const grads = attentionBackward(xs[0], xs[1], xs[2], dy, g);
      [grads.dq, grads.dk, grads.dv].forEach((grad, which) => {
        const x = xs[which];
        for (let i = 0; i < x.length; i++) {
          const x0 = x[i];
          x[i] = x0 + 1e-5;
          const up = twinLoss(xs[0], xs[1], xs[2], dy, g);
          x[i] = x0 - 1e-5;
          const down = twinLoss(xs[0], xs[1], xs[2], dy, g);
          x[i] = x0;
          expect(Math.abs((up - down) / 2e-5 - grad[i]), `${c.name}: input ${which} element ${i}`).toBeLessThan(1e-7 * (1 + Math.abs(grad[i])));
        }
      });
      near(Float32Array.from(grads.dq), c.dq.data, 'twin dq');
    }
  });

  it('through the op in float32 (h 1e-2, so within 2e-3) at 12 elements of each input', () => {
    for (const c of [fixture.ops[1], fixture.ops[6], fixture.ops[9]]) {
      const { f, Q, K, V } = loss(c);
      f();
      for (const P of [Q, K, V]) {
        const grad = Float32Array.from(P.grad);
        for (let j = 0; j < 12; j++) {
          const i = (j * 7919) % P.value.length, v0 = P.value[i], hh = 1e-2;
          P.value[i] = v0 + hh;
          const up = f();
          P.value[i] = v0 - hh;
          const down = f();
          P.value[i] = v0;
          expect(Math.abs((up - down) / (2 * hh) - grad[i]), `${c.name}: ${P.name}[${i}]`).toBeLessThan(2e-3 * (1 + Math.abs(grad[i])));
        }
      }
    }
  });
});

describe('dotProductAttention shapes and errors', () => {
  it('takes a batch: [batch, heads, tq, d] x [batch, heads, tk, d] x [batch, heads, tk, dv] -> [batch, heads, tq, dv]', () => {
    const q = input({ shape: [2, 5, 4] }), k = input({ shape: [2, 7, 4] }), v = input({ shape: [2, 7, 3] });
    expect(ops.dotProductAttention(q, k, v).shape).toEqual([-1, 2, 5, 3]);
    expect(ops.dotProductAttention(q, k, v, { causal: true, mask: Array.from({ length: 35 }, () => true) }).shape).toEqual([-1, 2, 5, 3]);
  });

  it('names the op and the shapes', () => {
    const q = input({ shape: [2, 5, 4] }), k = input({ shape: [2, 7, 4] }), v = input({ shape: [2, 7, 3] });
    const at = /dotProductAttention\(q \[batch, 2, 5, 4\], k \[batch, 2, 7, 4\], v \[batch, 2, 7, 3\]\)/;
    expect(() => ops.dotProductAttention(input({ shape: [5, 4] }), k, v)).toThrow(/q must be rank 4, \[batch, heads, positions, features\] \(rank 3\)/);
    expect(() => ops.dotProductAttention(q, input({ shape: [3, 7, 4] }), v)).toThrow(/the same number of heads \(2, 3, 2\)/);
    expect(() => ops.dotProductAttention(q, input({ shape: [2, 7, 5] }), v)).toThrow(/q and k need the same feature size d \(4 and 5\)/);
    expect(() => ops.dotProductAttention(q, k, input({ shape: [2, 6, 3] }))).toThrow(/k and v need the same number of positions \(7 and 6\)/);
    expect(() => ops.dotProductAttention(q, k, parameter([3, 2, 7, 3]))).toThrow(/the same batch/);
    expect(() => ops.dotProductAttention(input({ shape: [1, 2, 129] }), input({ shape: [1, 2, 129] }), input({ shape: [1, 2, 3] }))).toThrow(/head dimensions up to 128 are supported, got d 129, dv 3/);
    expect(() => ops.dotProductAttention(q, k, v, { mask: [[true]] })).toThrow(at);
    expect(() => ops.dotProductAttention(q, k, v, { mask: [[true]] })).toThrow(/the mask must be \[tq, tk\] = \[5, 7\] rows, got 1 rows of 1/);
    expect(() => ops.dotProductAttention(q, k, v, { mask: [1, 2, 3] })).toThrow(/tq x tk = 5 x 7 = 35 values, got 3/);
    expect(() => ops.dotProductAttention(q, k, v, { mask: Array.from({ length: 35 }, () => NaN) })).toThrow(/mask entry 0 must be a boolean or a number/);
    expect(() => ops.dotProductAttention(q, k, v, { scale: NaN })).toThrow(/scale must be a finite number/);
    expect(() => ops.dotProductAttention(q, k, v, { casual: true } as never)).toThrow(/casual/);
  });
});
