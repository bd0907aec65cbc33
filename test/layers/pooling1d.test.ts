// ops.maxPool1d / avgPool1d / globalMaxPool1d / globalAvgPool1d and their Keras layers on
// channels-last sequences [batch, steps, c]: nd-rest.json's 1-D pooling cases (PyTorch 1.13
// float64, tools/golden/nd_rest.py) through the ops and their gradients, central differences, the
// layers against the ops, Sequential and functional models, save/load bit for bit, the summary,
// and refusals. Tolerance (float32 against float64): |got - want| <= 1e-6 |want| + 1e-6; a max
// is exact, an average a sum of at most 4 terms.
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, ops, optimizers, parameter, Sequential, valueAndGrad } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';

beforeAll(async () => {
  await init();
});

interface T { shape: number[]; data: number[] }
interface Case { name: string; kind: 'max' | 'avg'; x: T; pool_size: number; strides: number; padding: 'valid' | 'same'; dy: T; out: T; dx: T }
interface GlobalCase { name: string; kind: 'max' | 'avg'; x: T; dy: T; out: T; dx: T }
const g = golden<{ pool1d: Case[]; global_pool1d: GlobalCase[] }>('nd-rest.json');
const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 9.1 + i * 12.9898) * 0.999);
const close = (got: ArrayLike<number>, want: number[], what: string) => expectClose(got, want, 1e-6, 1e-6, what);

/** L = sum(op(X) * DY): its gradient in DY is the output itself. */
function check(c: { x: T; dy: T; out: T; dx: T }, op: (x: ReturnType<typeof parameter>) => ReturnType<typeof ops.add>) {
  const X = parameter(c.x.shape, Float32Array.from(c.x.data), 'x');
  const DY = parameter(c.dy.shape, Float32Array.from(c.dy.data), 'dy');
  const f = valueAndGrad(() => ops.sum(ops.mul(op(X), DY)));
  f();
  close(DY.grad, c.out.data, 'out');
  close(X.grad, c.dx.data, 'dx');
  // Away from the kinks: the goldens' max-pool inputs are 0.01 apart, so h = 1e-3 crosses none.
  const n = c.x.data.length;
  expectCentralDifferences(f, [[X, 0], [X, 1], [X, n >> 1], [X, n - 1], [DY, 0]], 2e-3, 1e-3);
}

describe('1-D pooling ops against PyTorch float64 (nd-rest.json)', () => {
  it('has the cases', () => {
    expect([g.pool1d.length, g.global_pool1d.length]).toEqual([7, 2]);
  });
  for (const c of g.pool1d) {
    it(`${c.name}: out (as dL/d dy), dx; central differences`, () => {
      const o = { poolSize: c.pool_size, strides: c.strides, padding: c.padding };
      check(c, (X) => (c.kind === 'max' ? ops.maxPool1d(X, o) : ops.avgPool1d(X, o)));
    });
  }
  for (const c of g.global_pool1d) {
    it(`${c.name}: out, dx; central differences`, () => check(c, (X) => (c.kind === 'max' ? ops.globalMaxPool1d(X) : ops.globalAvgPool1d(X))));
  }

  it('refuses other ranks, bad options and windows past the input, naming the op and shapes', () => {
    const x = input({ shape: [9, 3] });
    expect(() => ops.maxPool1d(input({ shape: [4, 4, 3] }), { poolSize: 2 })).toThrow(/ops.maxPool1d takes input \[batch, steps, channels\], got \[batch, 4, 4, 3\]/);
    expect(() => ops.avgPool1d(x, { poolSize: 0 })).toThrow(/ops.avgPool1d: poolSize must be a positive integer, got 0/);
    expect(() => ops.avgPool1d(x, { poolSize: 2, strides: 1.5 })).toThrow(/strides must be a positive integer, got 1.5/);
    expect(() => ops.maxPool1d(x, { poolSize: 2, padding: 'causal' as never })).toThrow(/padding is 'valid' or 'same', got "causal"/);
    expect(() => ops.maxPool1d(x, { poolSize: 2, stride: 2 } as never)).toThrow(/stride.*strides/);
    expect(() => ops.maxPool1d(x, { poolSize: 10 })).toThrow(/ops.maxPool1d.*10.*larger than the padded input width 9/);
    expect(() => ops.globalMaxPool1d(input({ shape: [9] }))).toThrow(/globalMaxPool1d takes input \[batch, steps, channels\], got \[batch, 9\]/);
    expect(ops.maxPool1d(x, { poolSize: 2 }).shape).toEqual([-1, 4, 3]);
    expect(ops.avgPool1d(x, { poolSize: 2, padding: 'same' }).shape).toEqual([-1, 5, 3]);
    expect(ops.globalAvgPool1d(x).shape).toEqual([-1, 3]);
  });
});

describe('layers.maxPooling1d, averagePooling1d, globalMaxPooling1d, globalAveragePooling1d', () => {
  const chain = () => [
    layers.conv1d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 3] }),
    layers.maxPooling1d({ poolSize: 3, strides: 2, padding: 'same' }),
    layers.conv1d({ filters: 4, kernelSize: 2, activation: 'tanh' }),
    layers.averagePooling1d(),
    layers.globalMaxPooling1d(),
    layers.dense({ units: 2 }),
  ];
  const seqs = { data: noise(4 * 12 * 3, 5), shape: [4, 12, 3] };

  it("are the ops, with Keras' defaults (poolSize 2, strides poolSize, 'valid')", () => {
    const x = { data: noise(3 * 7 * 2, 6), shape: [3, 7, 2] };
    for (const [l, op] of [
      [layers.maxPooling1d(), (t: never) => ops.maxPool1d(t, { poolSize: 2, strides: 2 })],
      [layers.averagePooling1d({ poolSize: [3], strides: 1, padding: 'same' }), (t: never) => ops.avgPool1d(t, { poolSize: 3, strides: 1, padding: 'same' })],
      [layers.globalMaxPooling1d(), (t: never) => ops.globalMaxPool1d(t)],
      [layers.globalAveragePooling1d(), (t: never) => ops.globalAvgPool1d(t)],
    ] as const) {
      const xin = input({ shape: [7, 2] });
      const m = new Model({ inputs: xin, outputs: l.apply(xin) });
      const X = parameter([3, 7, 2], x.data);
      const y = op(X as never);
      const R = parameter(y.shape, new Float32Array(y.shape.reduce((a: number, b: number) => a * b, 1)));
      valueAndGrad(() => ops.sum(ops.mul(op(X as never), R)))();
      expect([-1, ...l.outputShape]).toEqual(y.shape.map((d: number, i: number) => (i === 0 ? -1 : d)));
      expectClose(m.predict(x).data, R.grad, 0, 0, `${l.kind} = op`);
      m.dispose();
    }
    expect(layers.maxPooling1d().getConfig()).toMatchObject({ kind: 'maxPooling1d', poolSize: 2, strides: 2, padding: 'valid' });
    expect(layers.averagePooling1d({ poolSize: 3 }).getConfig()).toMatchObject({ kind: 'averagePooling1d', poolSize: 3, strides: 3, padding: 'valid' });
  });

  it('work in a Sequential and a functional Model alike, train, save and load bit for bit, and show in the summary', () => {
    const seq = new Sequential(chain(), { seed: 4 });
    const ls = chain();
    const x = input({ shape: [12, 3] });
    const fun = new Model({ inputs: x, outputs: ls.reduce((t, l) => l.apply(t), x) }, { seed: 4 });
    fun.setWeights(seq.getWeights());
    const p = seq.predict(seqs);
    expect(Array.from(fun.predict(seqs).data)).toEqual(Array.from(p.data));
    expect(seq.layers.map((l) => l.outputShape)).toEqual([[12, 4], [6, 4], [5, 4], [2, 4], [4], [2]]);
    const again = Sequential.load(seq.save());
    expect(again.layers.map((l) => l.getConfig())).toEqual(seq.layers.map((l) => l.getConfig()));
    expect(Array.from(again.predict(seqs).data)).toEqual(Array.from(p.data));
    const s = seq.summary();
    expect(s).toMatch(/maxPooling1d_1 \(maxPooling1d\)\s+\[batch, 6, 4\]\s+0\s+0\b/);
    expect(s).toMatch(/averagePooling1d_3 \(averagePooling1d\)\s+\[batch, 2, 4\]\s+0\s+0\b/);
    expect(s).toMatch(/globalMaxPooling1d_4 \(globalMaxPooling1d\)\s+\[batch, 4\]\s+0\s+0\b/);
    seq.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const y = { data: noise(8, 8), shape: [4, 2] };
    const before = seq.evaluate(seqs, y).loss;
    for (let i = 0; i < 20; i++) seq.trainOnBatch(seqs, y);
    expect(seq.evaluate(seqs, y).loss).toBeLessThan(0.5 * before);
    const gap = new Sequential([layers.globalAveragePooling1d({ inputShape: [5, 2] })]);
    expect(Sequential.load(gap.save()).layers[0].getConfig()).toEqual({ kind: 'globalAveragePooling1d', name: 'globalAveragePooling1d_0', inputShape: [5, 2] });
    const funAgain = Model.load(fun.save());
    expect(Array.from(funAgain.predict(seqs).data)).toEqual(Array.from(p.data));
    for (const m of [seq, fun, again, funAgain, gap]) m.dispose();
  });

  it('refuse bad options and inputs that are not sequences, naming the layer', () => {
    expect(() => layers.maxPooling1d({ poolSize: [2, 2] as never })).toThrow(/maxPooling1d: poolSize must be a positive integer or \[n\], got \[2,2\]/);
    expect(() => layers.averagePooling1d({ strides: 0 })).toThrow(/averagePooling1d: strides must be a positive integer or \[n\], got 0/);
    expect(() => layers.maxPooling1d({ padding: 'causal' as never })).toThrow(/maxPooling1d: padding is 'valid' or 'same'/);
    expect(() => layers.maxPooling1d({ pool_size: 2 } as never)).toThrow(/pool_size.*poolSize/);
    expect(() => layers.globalMaxPooling1d({ keepdims: true } as never)).toThrow(/keepdims/);
    expect(() => new Sequential([layers.maxPooling1d({ inputShape: [5, 5, 1] })])).toThrow(/layer 0 \(maxPooling1d_0\) takes sequences \[batch, steps, channels\], got \[batch, 5, 5, 1\]/);
    expect(() => new Sequential([layers.globalAveragePooling1d({ inputShape: [5] })])).toThrow(/layer 0 \(globalAveragePooling1d_0\) takes sequences/);
    expect(() => new Sequential([layers.averagePooling1d({ poolSize: 7, inputShape: [5, 1] })])).toThrow(/averagePooling1d_0.*7.*larger than the padded input width 5/);
  });
});

describe('a training step with the 1-D pools and ops.max / ops.min allocates nothing', () => {
  it('500 000 trainOnBatch steps cause no minor GC and no wasm memory growth, in a clean process (test/layers/zero-garbage-pool1d.mjs)', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', 'test/layers/zero-garbage-pool1d.mjs'], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ steps: 500_000, scavenges: 0, finite: true, wasmGrowth: 0 });
  });
});
