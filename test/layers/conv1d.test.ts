// ops.conv1d and layers.conv1d (Keras' Conv1D, channels-last [batch, width, c], kernel
// [kw, cin/groups, cout]): conv.json's two conv1d cases (PyTorch 1.13 float64, tools/golden/conv.py)
// through the graph op and its gradients, central differences, the layer against the op, Keras'
// defaults and 'causal' padding, Sequential and functional models, save/load bit for bit, the
// summary, and refusals. Tolerance against the goldens (float32 against float64):
// |got - want| <= 1e-5 |want| + 1e-5 max |want|, sums of at most 9 products.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, ops, optimizers, parameter, Sequential, valueAndGrad } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';
import { conv1d as conv1dRef, conv1dGeometry } from '../../src/reference/conv.js';

beforeAll(async () => {
  await init();
});

interface T { shape: number[]; data: number[] }
interface Case { name: string; x: T; w: T; bias: number[] | null; stride: number; dilation: number; padding: 'same' | 'valid' | [number, number]; groups: number; dy: T; out: T; dx: T; dw: T; db: number[] | null }
const g = golden<{ conv1d: Case[] }>('conv.json');
const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 9.1 + i * 12.9898) * 0.999);
const maxAbs = (a: number[]) => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const close = (got: ArrayLike<number>, want: number[], what: string) => expectClose(got, want, 1e-5, 1e-5 * maxAbs(want), what);

describe('ops.conv1d against PyTorch float64 (conv.json)', () => {
  expect(g.conv1d.length).toBe(2);
  for (const c of g.conv1d) {
    it(`${c.name}: out (as dL/d dy), dx, dw, db; central differences`, () => {
      // L = sum((conv1d(x, w) + b) * dy): its gradient in dy is the output itself.
      const X = parameter(c.x.shape, Float32Array.from(c.x.data), 'x');
      const W = parameter(c.w.shape, Float32Array.from(c.w.data), 'w');
      const DY = parameter(c.dy.shape, Float32Array.from(c.dy.data), 'dy');
      const B = c.bias ? parameter([c.bias.length], Float32Array.from(c.bias), 'b') : undefined;
      const o = { strides: c.stride, dilations: c.dilation, padding: c.padding, groups: c.groups };
      const f = valueAndGrad(() => {
        const y = ops.conv1d(X, W, o);
        return ops.sum(ops.mul(B ? ops.add(y, B) : y, DY));
      });
      const L = f();
      close([L], [c.out.data.reduce((s, v, i) => s + v * c.dy.data[i], 0)], 'L');
      close(DY.grad, c.out.data, 'out');
      close(X.grad, c.dx.data, 'dx');
      close(W.grad, c.dw.data, 'dw');
      if (B) close(B.grad, c.db!, 'db');
      expectCentralDifferences(f, [[X, 3], [X, c.x.data.length - 2], [W, 1], [W, c.w.data.length - 1], ...(B ? [[B, 1] as const] : [])], 1e-3);
    });
  }

  it("'causal' pads dilation*(k-1) before and none after (Keras): the reference with pads [4, 0]", () => {
    const X = parameter([2, 7, 3], noise(42, 1), 'x');
    const W = parameter([3, 3, 2], noise(18, 2), 'w');
    const R = parameter([2, 7, 2], noise(28, 3), 'r');
    const f = valueAndGrad(() => ops.sum(ops.mul(ops.conv1d(X, W, { padding: 'causal', dilations: [2] }), R)));
    f();
    const geo = conv1dGeometry([2, 7, 3], [3, 3, 2], { dilation: 2, padding: [4, 0] });
    expect(geo.ow).toBe(7);
    expectClose(R.grad, conv1dRef(X.value, W.value, null, geo), 1e-5, 1e-6, 'causal out');
  });

  it('refuses other ranks, bad options and mismatched channels, naming the op and shapes', () => {
    const x = input({ shape: [9, 3] });
    expect(() => ops.conv1d(input({ shape: [4, 4, 3] }), parameter([3, 3, 2]))).toThrow(/conv1d takes input \[batch, width, channels\], got \[batch, 4, 4, 3\]/);
    expect(() => ops.conv1d(x, parameter([3, 3, 2, 1]))).toThrow(/conv1d takes a filter \[kw, cin\/groups, cout\]/);
    expect(() => ops.conv1d(x, parameter([3, 2, 2]))).toThrow(/filter has 2 input channels, input channels 3/);
    expect(() => ops.conv1d(x, parameter([3, 3, 2]), { strides: 0 })).toThrow(/ops.conv1d: strides must be a positive integer or \[n\], got 0/);
    expect(() => ops.conv1d(x, parameter([3, 3, 2]), { stride: 2 } as never)).toThrow(/stride.*strides/);
    expect(() => ops.conv1d(x, parameter([3, 3, 2]), { padding: [1] as never })).toThrow(/padding is 'valid', 'same', 'causal' or \[left, right\]/);
    expect(ops.conv1d(x, parameter([3, 3, 2]), { strides: 2, padding: 'same' }).shape).toEqual([-1, 5, 2]);
  });
});

describe('layers.conv1d', () => {
  const chain = () => [
    layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [10, 3] }),
    layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, groups: 2 }),
    layers.conv1d({ filters: 3, kernelSize: [3], dilationRate: 2, padding: 'causal', useBias: false, activation: 'tanh' }),
    layers.flatten(),
    layers.dense({ units: 2 }),
  ];
  const seqs = { data: noise(4 * 10 * 3, 5), shape: [4, 10, 3] };

  it("is ops.conv1d plus a bias and the activation, with Keras' defaults and PyTorch's init bounds", () => {
    const l = layers.conv1d({ filters: 5, kernelSize: 3 });
    const xin = input({ shape: [8, 2] });
    const m = new Model({ inputs: xin, outputs: l.apply(xin) });
    expect(l.getConfig()).toMatchObject({ kind: 'conv1d', filters: 5, kernelSize: 3, strides: 1, padding: 'valid', dilationRate: 1, groups: 1, activation: 'linear', useBias: true });
    expect(l.outputShape).toEqual([6, 5]);
    const [W, b] = m.getWeights();
    expect([W.length, b.length]).toEqual([3 * 2 * 5, 5]);
    const bound = 1 / Math.sqrt(3 * 2); // uniform(+-1/sqrt(kw * cin))
    expect(Math.max(...W.map(Math.abs), ...b.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...W.map(Math.abs))).toBeGreaterThan(0.8 * bound);
    // Against the op with the same weights.
    const x = { data: noise(3 * 16, 6), shape: [3, 8, 2] };
    const X = parameter([3, 8, 2], x.data), K = parameter([3, 2, 5], W), B = parameter([5], b);
    const R = parameter([3, 6, 5], noise(90, 7));
    valueAndGrad(() => ops.sum(ops.mul(ops.add(ops.conv1d(X, K), B), R)))();
    expectClose(m.predict(x).data, R.grad, 0, 0, 'layer = op');
    m.dispose();
  });

  it('works in a Sequential and a functional Model alike, trains, saves and loads bit for bit, and shows in the summary', () => {
    const seq = new Sequential(chain(), { seed: 3 });
    const ls = chain();
    const x = input({ shape: [10, 3] });
    const fun = new Model({ inputs: x, outputs: ls.reduce((t, l) => l.apply(t), x) }, { seed: 3 });
    fun.setWeights(seq.getWeights());
    const p = seq.predict(seqs);
    expect(Array.from(fun.predict(seqs).data)).toEqual(Array.from(p.data));
    expect(seq.layers.map((l) => l.outputShape)).toEqual([[10, 4], [5, 4], [5, 3], [15], [2]]);
    expect(seq.getWeights().map((w) => w.length)).toEqual([36, 4, 16, 4, 36, 30, 2]);
    const again = Sequential.load(seq.save());
    expect(again.layers.map((l) => l.getConfig())).toEqual(seq.layers.map((l) => l.getConfig()));
    expect(again.layers[2].getConfig()).toMatchObject({ padding: 'causal', dilationRate: 2, kernelSize: 3 });
    expect(Array.from(again.predict(seqs).data)).toEqual(Array.from(p.data));
    expect(seq.summary()).toMatch(/conv1d_0 \(conv1d, relu\)\s+\[batch, 10, 4\]\s+40\s+360\b/); // 10 * 3 * 3 * 4 MACs
    seq.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const y = { data: noise(8, 8), shape: [4, 2] };
    const before = seq.evaluate(seqs, y).loss;
    for (let i = 0; i < 20; i++) seq.trainOnBatch(seqs, y);
    expect(seq.evaluate(seqs, y).loss).toBeLessThan(0.5 * before);
    const funAgain = Model.load(fun.save());
    expect(Array.from(funAgain.predict(seqs).data)).toEqual(Array.from(p.data));
    for (const m of [seq, fun, again, funAgain]) m.dispose();
  });

  it('refuses bad options and inputs that are not sequences, naming the layer', () => {
    expect(() => layers.conv1d({ filters: 2, kernelSize: [3, 3] as never })).toThrow(/conv1d: kernelSize must be a positive integer or \[n\], got \[3,3\]/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/strides > 1 with dilationRate > 1 is refused/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, padding: 'full' as never })).toThrow(/padding is 'valid', 'same', 'causal' or \[left, right\]/);
    expect(() => layers.conv1d({ filters: 2, kernelSize: 3, kernel_size: 3 } as never)).toThrow(/kernel_size.*kernelSize/);
    expect(() => new Sequential([layers.conv1d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] })])).toThrow(/layer 0 \(conv1d_0\) takes sequences \[batch, width, channels\], got \[batch, 5, 5, 1\]/);
    expect(() => new Sequential([layers.conv1d({ filters: 2, kernelSize: 7, inputShape: [5, 1] })])).toThrow(/conv1d_0.*kernel width 7 .* larger than the padded input width 5/);
    expect(() => new Sequential([layers.conv1d({ filters: 3, kernelSize: 1, groups: 2, inputShape: [5, 4] })])).toThrow(/filters 3 are not divisible by groups 2/);
  });
});
