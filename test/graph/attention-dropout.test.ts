// ops.dotProductAttention's dropout (PyTorch's dropout_p): softmax(scale q k^T) * Z before @ v,
// Z = 1/(1-p) or 0 per attention weight, drawn from the valueAndGrad function's dropout stream.
// L = sum(attention(Q, K, V) * DY), q, k, v [2, 2, 5, 4] (causal) as parameters.
// - p = 0 is the op without dropout, bit for bit;
// - the mean of L and of its gradients over 2000 masks is the no-dropout L and gradients within 4
//   standard errors, and the mean without the 1/(1-p) scale (the mean times 1-p) is not;
// - the gradient for one mask (the same seed: the same mask) against central differences, and the
//   float64 twin's gradient with given factors Z against its own central differences.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, ops, parameter, valueAndGrad, type Parameter } from 'wasmnn';
import { randn } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';
import { attention, attentionBackward, type AttentionGeometry } from '../../src/reference/attention.js';

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

const SHAPE = [2, 2, 5, 4], N = 2 * 2 * 5 * 4;
const P = (name: string, seed: number) => parameter(SHAPE, Float32Array.from(randn(N, seed)), name);

function loss(options: { dropout?: number }, seed = 0) {
  const Q = P('q', 1), K = P('k', 2), V = P('v', 3), DY = P('dy', 4);
  const fn = () => ops.sum(ops.mul(ops.dotProductAttention(Q, K, V, { causal: true, ...options }), DY));
  return { f: valueAndGrad(fn, [], { seed }), fn, Q, K, V };
}
const bits = (x: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(x).buffer));

describe('dotProductAttention dropout', () => {
  it('p = 0 gives the bits of no dropout', () => {
    const a = loss({}), b = loss({ dropout: 0 });
    expect(bits([b.f()])).toEqual(bits([a.f()]));
    for (const key of ['Q', 'K', 'V'] as const) expect(bits(b[key].grad)).toEqual(bits(a[key].grad));
  });

  it('the mean over 2000 masks is the no-dropout value and gradient; without the 1/(1-p) scale it is not', () => {
    const plain = loss({});
    const want = [plain.f(), ...Array.from(plain.Q.grad), ...Array.from(plain.V.grad)];
    const p = 0.3, runs = 2000, d = loss({ dropout: p }, 5);
    const sum = new Float64Array(want.length), sq = new Float64Array(want.length);
    const seen = new Set<number>();
    for (let r = 0; r < runs; r++) {
      const xs = [d.f(), ...Array.from(d.Q.grad), ...Array.from(d.V.grad)];
      seen.add(xs[0]);
      xs.forEach((x, i) => { sum[i] += x; sq[i] += x * x; });
    }
    expect(seen.size, 'a new mask each call').toBeGreaterThan(runs - 5);
    let worst = 0, unscaled = 0;
    want.forEach((w, i) => {
      const mean = sum[i] / runs, se = Math.sqrt(Math.max(sq[i] / runs - mean * mean, 0) / runs) + 1e-6;
      worst = Math.max(worst, Math.abs(mean - w) / se);
      if (i === 0) unscaled = Math.abs(mean * (1 - p) - w) / se;
    });
    console.log(`attention dropout, ${runs} masks: worst |mean - no dropout| ${worst.toFixed(2)} standard errors; L unscaled ${unscaled.toFixed(1)}`);
    expect(worst, 'largest |mean - no dropout| in standard errors').toBeLessThan(4.5);
    expect(unscaled, 'L without the scale, in standard errors').toBeGreaterThan(8);
  });

  it('the gradient for one mask against central differences (the same seed draws the same mask)', () => {
    const { f, fn, Q, K, V } = loss({ dropout: 0.4 }, 11);
    const once = () => {
      const g = valueAndGrad(fn, [], { seed: 11 });
      const v = g();
      g.dispose();
      return v;
    };
    expect(bits([f()])).toEqual(bits([once()]));
    expect(Math.abs(f() - once())).toBeGreaterThan(1e-4); // the next call of f draws another mask
    expect(Math.abs(once() - loss({}).f())).toBeGreaterThan(1e-3); // the mask changes L
    const at = [Q, K, V].flatMap((T: Parameter) => [3, 17, 42, 61].map((i) => [T, i] as const));
    expectCentralDifferences(once, at, 2e-3, 1e-2);
  });

  it('the float64 twin with factors Z against its central differences, and Z = 1 is no dropout', () => {
    const g: AttentionGeometry = { bh: 3, tq: 4, tk: 6, d: 3, dv: 2, scale: 0.7, causal: false, drop: Float64Array.from(randn(72, 9), (x) => (Math.abs(x) > 0.7 ? 0 : 1 / 0.7)) };
    const xs = [randn(36, 1), randn(54, 2), randn(36, 3)], dy = randn(24, 4);
    const L = () => attention(xs[0], xs[1], xs[2], g).o.reduce((s, o, i) => s + o * dy[i], 0);
    const grads = attentionBackward(xs[0], xs[1], xs[2], dy, g);
    [grads.dq, grads.dk, grads.dv].forEach((grad, which) => {
      const x = xs[which];
      for (let i = 0; i < x.length; i++) {
        const x0 = x[i];
        x[i] = x0 + 1e-5;
        const up = L();
        x[i] = x0 - 1e-5;
        const down = L();
        x[i] = x0;
        expect(Math.abs((up - down) / 2e-5 - grad[i]), `input ${which} element ${i}`).toBeLessThan(1e-7 * (1 + Math.abs(grad[i])));
      }
    });
    const ones = attentionBackward(xs[0], xs[1], xs[2], dy, { ...g, drop: new Float64Array(72).fill(1) }), none = attentionBackward(xs[0], xs[1], xs[2], dy, { ...g, drop: undefined });
    expect(Array.from(ones.dq)).toEqual(Array.from(none.dq));
  });

  it('refuses a rate outside [0, 1)', () => {
    const q = P('q', 1);
    expect(() => ops.dotProductAttention(q, q, q, { dropout: 1 })).toThrow(/dotProductAttention\(q \[2, 2, 5, 4\].*: dropout must be a number in \[0, 1\), got 1/);
    expect(() => ops.dotProductAttention(q, q, q, { dropout_p: 0.1 } as never)).toThrow(/dropout/);
  });
});
