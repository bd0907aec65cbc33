// Convolutional networks on the graph engine, against PyTorch float64 (test/fixtures/cnn-train.json,
// tools/golden/cnn_train.py): three small CNNs on 64 digits (8x8x1), 30 full-batch Adam steps.
// The same weights go in (Keras layout, HWIO), and the loss after every step, the gradients at
// the start, the first logits and the final weights must agree within float32 error (the
// generator's own float32 replay drifts 9e-6 relative on A's losses, 4e-6 on its weights).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, Model, input, layers, ops, optimizers, parameter, valueAndGrad } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { expectCentralDifferences } from '../helpers/central-differences.js';
import { conv2d as conv2dRef, conv2dBackward, conv2dGeometry } from '../../src/reference/conv.js';
import { batchedMatmul } from '../../src/reference/gemm.js';
import { permute } from '../../src/reference/permute.js';
import { maxPool2d as maxRef, maxPool2dBackward, avgPool2d as avgRef, avgPool2dBackward, pool2dGeometry } from '../../src/reference/pool.js';

interface Values { layer?: number; name?: string; shape: number[]; values: number[] }
interface LayerSpec { type: string; [k: string]: unknown }
interface Case { name: string; lr: number; xShape: number[]; layers: LayerSpec[]; weights: Values[]; grads: Values[]; logits0: Values; losses: number[]; finalWeights: Values[] }
const fixture = golden<{ x: Values; labels: number[]; cases: Case[] }>('cnn-train.json');

function layerOf(L: LayerSpec) {
  const o = L as Record<string, never>;
  switch (L.type) {
    case 'conv2d': return layers.conv2d({ filters: o.filters, kernelSize: o.kernelSize, strides: o.strides, padding: o.padding, groups: o.groups, useBias: o.useBias, activation: o.activation });
    case 'depthwiseConv2d': return layers.depthwiseConv2d({ kernelSize: o.kernelSize, strides: o.strides, padding: o.padding, depthMultiplier: o.depthMultiplier, useBias: o.useBias, activation: o.activation });
    case 'maxPooling2d': return layers.maxPooling2d({ poolSize: o.poolSize, strides: o.strides, padding: o.padding });
    case 'averagePooling2d': return layers.averagePooling2d({ poolSize: o.poolSize, strides: o.strides, padding: o.padding });
    case 'globalAveragePooling2d': return layers.globalAveragePooling2d();
    case 'flatten': return layers.flatten();
    case 'dense': return layers.dense({ units: o.units, useBias: o.useBias });
    default: throw new Error(`unknown layer ${L.type}`);
  }
}

function modelOf(c: Case): Sequential {
  const ls = c.layers.map(layerOf);
  (ls[0] as { options: { inputShape?: number[] } }).options.inputShape = c.xShape.slice(1);
  const m = new Sequential(ls, { seed: 0 });
  m.setWeights(c.weights.map((w) => Float32Array.from(w.values)));
  m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: c.lr }), batchSize: 64 });
  return m;
}

const x = { data: Float32Array.from(fixture.x.values), shape: fixture.x.shape };
const y = { data: Float32Array.from(fixture.labels), shape: [fixture.labels.length, 1] };

beforeAll(async () => {
  await init(undefined, { simd: 'plain', threads: 1 });
});

describe('small CNNs against PyTorch float64 (30 Adam steps on 8x8 digits)', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: loss curve, initial gradients, logits, final weights`, () => {
      const m = modelOf(c);
      const logits = m.predict({ data: x.data.subarray(0, 4 * 64), shape: [4, 8, 8, 1] });
      expectClose(logits.data, c.logits0.values, 1e-5, 1e-6, `${c.name} logits of 4 samples`);
      const { loss, grads } = m.lossAndGradients(x, y, { pure: true });
      expect(Math.abs(loss - c.losses[0])).toBeLessThan(1e-5 * c.losses[0]);
      grads.forEach((g, i) => expectClose(g, c.grads[i].values, 1e-4, 2e-6, `${c.name} gradient ${i} (${c.grads[i].name} of layer ${c.grads[i].layer})`));
      const losses: number[] = [];
      for (let t = 0; t < 30; t++) losses.push(m.trainOnBatch(x, y) as number);
      expectClose(losses, c.losses.slice(0, 30), 5e-5, 0, `${c.name} loss before each step`);
      m.getWeights().forEach((w, i) => expectClose(w, c.finalWeights[i].values, 1e-4, 2e-5, `${c.name} final weight ${i}`));
      m.dispose();
    });
  }

  it('save and load keep a CNN: the same layers, options and predictions, bit for bit', () => {
    const m = modelOf(fixture.cases[2]);
    const again = Sequential.load(m.save());
    expect(again.layers.map((l) => l.getConfig())).toEqual(m.layers.map((l) => l.getConfig()));
    const probe = { data: x.data.subarray(0, 8 * 64), shape: [8, 8, 8, 1] };
    expect(Array.from(again.predict(probe).data)).toEqual(Array.from(m.predict(probe).data));
    m.dispose();
    again.dispose();
  });

  it('the layers report Keras output shapes and parameter counts', () => {
    const m = modelOf(fixture.cases[0]);
    expect(m.layers.map((l) => l.outputShape)).toEqual([[6, 6, 8], [3, 3, 8], [3, 3, 16], [144], [10]]);
    expect(m.getWeights().map((w) => w.length)).toEqual([72, 8, 1152, 16, 1440, 10]);
    m.dispose();
  });
});

// A pseudo-random sequence in [-1, 1), the same for every run.
const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 9.1 + i * 12.9898) * 0.999);

describe('conv and pooling ops through valueAndGrad', () => {
  // L = sum(op(x, w) * r): dL/dx and dL/dw are the op's backward of r, which the float64
  // references give; L is linear in each operand, so central differences are exact up to
  // float32 rounding and check the same gradients independently.
  const cases = [
    { x: [3, 7, 6, 4], w: [3, 3, 4, 5], o: { strides: 2 as const, padding: 'same' as const } },
    { x: [2, 9, 8, 3], w: [3, 2, 3, 4], o: { dilations: 2 as const, padding: [[1, 0], [2, 1]] as [[number, number], [number, number]] } },
    { x: [2, 5, 5, 6], w: [3, 3, 2, 6], o: { groups: 3, padding: 'valid' as const } },
    { x: [3, 4, 4, 5], w: [1, 1, 5, 3], o: {} },
  ];
  for (const [ci, c] of cases.entries()) {
    it(`conv2d x [${c.x}] w [${c.w}] ${JSON.stringify(c.o)}: dx and dw as the reference, and as central differences`, () => {
      const X = parameter(c.x, noise(c.x.reduce((a, b) => a * b), ci + 1), 'x');
      const W = parameter(c.w, noise(c.w.reduce((a, b) => a * b), ci + 7), 'w');
      const g = conv2dGeometry(c.x, c.w, { strides: typeof c.o.strides === 'number' ? [c.o.strides, c.o.strides] : undefined, dilations: typeof c.o.dilations === 'number' ? [c.o.dilations, c.o.dilations] : undefined, padding: c.o.padding, groups: c.o.groups });
      const yShape = [g.n, g.oh, g.ow, g.cout];
      const r = noise(yShape.reduce((a, b) => a * b), ci + 13);
      const R = parameter(yShape, r, 'r');
      const f = valueAndGrad(() => ops.sum(ops.mul(ops.conv2d(X, W, c.o), R)));
      const value = f();
      const want = conv2dRef(X.value, W.value, null, g);
      expect(Math.abs(value - want.reduce((s, v, i) => s + v * r[i], 0))).toBeLessThan(1e-4 * want.length);
      const ref = conv2dBackward(r, X.value, W.value, g);
      expectClose(X.grad, ref.dx, 1e-4, 1e-5, 'dx');
      expectClose(W.grad, ref.dw, 1e-4, 1e-4, 'dw');
      expectCentralDifferences(f, [[X, 5], [W, 3]], 1e-3);
    });
  }

  it('maxPool2d (overlapping windows) and avgPool2d (same padding): dx as the references', () => {
    const shape = [2, 7, 6, 3];
    const X = parameter(shape, noise(252, 3), 'x');
    for (const [op, ref, back] of [['max', maxRef, maxPool2dBackward], ['avg', avgRef, avgPool2dBackward]] as const) {
      const o = op === 'max' ? { poolSize: 3, strides: 2, padding: 'valid' as const } : { poolSize: [3, 2] as [number, number], strides: [2, 1] as [number, number], padding: 'same' as const };
      const g = pool2dGeometry(shape, { poolSize: typeof o.poolSize === 'number' ? [3, 3] : o.poolSize, strides: typeof o.strides === 'number' ? [2, 2] : o.strides, padding: o.padding });
      const r = noise(g.n * g.oh * g.ow * g.c, 5);
      const R = parameter([g.n, g.oh, g.ow, g.c], r, 'r');
      const f = valueAndGrad(() => ops.sum(ops.mul(op === 'max' ? ops.maxPool2d(X, o) : ops.avgPool2d(X, o), R)));
      const value = f();
      const y = ref(X.value, g);
      expect(Math.abs(value - y.reduce((s, v, i) => s + v * r[i], 0))).toBeLessThan(1e-4);
      const dx = op === 'max' ? (back as typeof maxPool2dBackward)(r, X.value, g) : (back as typeof avgPool2dBackward)(r, g);
      expectClose(X.grad, dx, 1e-5, 1e-6, `${op} pool dx`);
    }
  });
});

describe('CNN inputs and errors', () => {
  const small = () => new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), layers.flatten(), layers.dense({ units: 2 })], { seed: 1 });

  it('takes nested arrays of any depth and gives predictions their shape', () => {
    const m = new Sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [4, 4, 1] })], { seed: 1 });
    const img = Array.from({ length: 4 }, (_, i) => Array.from({ length: 4 }, (_, j) => [i - j]));
    const p = m.predict([img, img]);
    expect(p.shape).toEqual([2, 2, 2, 2]);
    const flat = m.predict({ data: Float32Array.from([...img.flat(2), ...img.flat(2)]), shape: [2, 4, 4, 1] });
    expect(Array.from(p.data)).toEqual(Array.from(flat.data));
    expect((p.toArray() as unknown as number[][][][])[1][0][1].length).toBe(2);
    m.dispose();
  });

  it('refuses data whose samples are not the input shape, naming both', () => {
    const m = small();
    expect(() => m.predict({ data: new Float32Array(2 * 25), shape: [2, 25] })).toThrow(/x has shape \[2, 25\] but the model takes \[n, 5, 5, 1\]: give \{ data, shape: \[n, 5, 5, 1\] \}/);
    expect(() => m.predict({ data: new Float32Array(2 * 25), shape: [2, 5, 5] })).toThrow(/x has shape \[2, 5, 5\] but the model takes \[n, 5, 5, 1\]/);
    m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    expect(() => m.trainOnBatch({ data: new Float32Array(100), shape: [2, 5, 5, 2] }, [[0, 0], [0, 0]])).toThrow(/x has shape \[2, 5, 5, 2\] but the model takes \[n, 5, 5, 1\]/);
    m.dispose();
  });

  it('refuses bad layer options and geometry, naming the layer and the shapes', () => {
    expect(() => layers.conv2d({ filters: 4, kernelSize: 3, strides: 0 })).toThrow(/conv2d: strides must be a positive integer/);
    expect(() => layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/filters must be a positive integer, got 0/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, stride: 2 } as never)).toThrow(/stride.*strides/);
    expect(() => new Sequential([layers.conv2d({ filters: 2, kernelSize: 7, inputShape: [5, 5, 1] })])).toThrow(/layer 0 \(conv2d_0\) kernel height 7 .* larger than the padded input height 5/);
    expect(() => new Sequential([layers.dense({ units: 3, inputDim: 4 }), layers.conv2d({ filters: 2, kernelSize: 1 })])).toThrow(/layer 1 \(conv2d_1\) takes images \[batch, height, width, channels\], got \[batch, 3\]/);
    expect(() => new Sequential([layers.conv2d({ filters: 4, kernelSize: 1, groups: 3, inputShape: [4, 4, 6] })])).toThrow(/filters 4 are not divisible by groups 3/);
    expect(() => new Sequential([layers.maxPooling2d({ poolSize: 3, inputShape: [2, 2, 1] })])).toThrow(/maxPooling2d_0.*larger than the padded input/);
    expect(() => new Sequential([layers.flatten({ inputShape: [4, 4] }), layers.reshape({ targetShape: [3, 5] })])).toThrow(/reshape_1.*targetShape \[3,5\] does not hold the 16 elements/);
    const x = input({ shape: [6, 6, 3] });
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 3], name: 'c' }).apply(x)).toThrow(/c has inputShape \[5,5,3\] but is applied to \[batch, 6, 6, 3\]/);
    expect(() => layers.flatten({ inputShape: [6, 6, 1], name: 'f' }).apply(x)).toThrow(/f has inputShape \[6,6,1\] but is applied to \[batch, 6, 6, 3\]/);
    expect(() => ops.conv2d(x, parameter([3, 3, 2, 4]))).toThrow(/filter has 2 input channels, input channels 3/);
    expect(() => ops.matmul(x, parameter([3, 4]))).not.toThrow();
    expect(ops.add(x, parameter([6, 3])).shape).toEqual([-1, 6, 6, 3]); // NumPy's rule: trailing dimensions
    expect(() => ops.add(x, parameter([6, 1]))).toThrow(/shapes \[batch, 6, 6, 3\] and \[6, 1\] do not broadcast/);
    expect(() => ops.reshape(x, [-1, 100])).toThrow(/108 elements per sample, the shape \[batch, 100\] holds 100/);
    expect(() => new Model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(ops.flatten(x)) })).not.toThrow();
  });
});

describe('batched matmul', () => {
  // L = sum((a @ b) * r) over [2, 3] matrices [4, 5] @ [5, 2]: da = r @ b^T and db = a^T @ r per
  // matrix, from the float64 reference by the same identities, and central differences.
  it('[2, 3, 4, 5] @ [2, 3, 5, 2]: values, da and db as the reference and central differences', () => {
    const A = parameter([2, 3, 4, 5], noise(120, 21), 'a');
    const B = parameter([2, 3, 5, 2], noise(60, 22), 'b');
    const r = noise(48, 23);
    const R = parameter([2, 3, 4, 2], r, 'r');
    const f = valueAndGrad(() => ops.sum(ops.mul(ops.matmul(A, B), R)));
    const value = f();
    const y = batchedMatmul(A.value, B.value, 6, 4, 5, 2);
    expect(Math.abs(value - y.reduce((s, v, i) => s + v * r[i], 0))).toBeLessThan(1e-4);
    const t = (m: ArrayLike<number>, count: number, rows: number, cols: number) => Float64Array.from({ length: count * rows * cols }, (_, i) => {
      const b = Math.floor(i / (rows * cols)), c = Math.floor((i % (rows * cols)) / rows), rr = i % rows;
      return m[(b * rows + rr) * cols + c];
    }); // each matrix transposed: [count, cols, rows]
    expectClose(A.grad, batchedMatmul(r, t(B.value, 6, 5, 2), 6, 4, 2, 5), 1e-5, 1e-6, 'da');
    expectClose(B.grad, batchedMatmul(t(A.value, 6, 4, 5), r, 6, 5, 4, 2), 1e-5, 1e-6, 'db');
    expectCentralDifferences(f, [[A, 17], [B, 9]], 1e-4);
  });

  it('runs over a batch of inputs and refuses leading dimensions that do not broadcast', () => {
    const q = input({ shape: [3, 4] }), kT = input({ shape: [4, 3] });
    expect(ops.matmul(q, kT).shape).toEqual([-1, 3, 3]);
    expect(() => ops.matmul(q, parameter([2, 4, 3]))).toThrow(/\[batch, 3, 4\] @ \[2, 4, 3\]: the leading dimensions \[batch\] and \[2\] do not broadcast/);
    expect(() => ops.matmul(parameter([2, 3, 4]), parameter([2, 5, 3]))).toThrow(/the first's matrices have 4 columns, the second's 5 rows/);
  });
});

describe('transpose', () => {
  it('permutes like NumPy (the reference, bit for bit) and its gradient is the inverse permutation', () => {
    for (const [shape, perm] of [[[2, 3, 4], [2, 0, 1]], [[2, 3, 4, 5], [0, 2, 3, 1]], [[3, 1, 4, 2, 2, 3], [5, 4, 3, 2, 1, 0]], [[4, 5], undefined]] as const) {
      const n = shape.reduce((a, b) => a * b, 1);
      const X = parameter([...shape], noise(n, 31), 'x');
      const p = perm ?? [1, 0];
      const outShape = p.map((a) => shape[a]);
      const r = noise(n, 32);
      const R = parameter(outShape, r, 'r');
      const y = ops.transpose(X, perm && [...perm]);
      expect(y.shape).toEqual(outShape);
      const f = valueAndGrad(() => ops.sum(ops.mul(ops.transpose(X, perm && [...perm]), R)));
      f();
      const inverse = p.map((_, i) => p.indexOf(i));
      expect(Array.from(X.grad)).toEqual(Array.from(Float32Array.from(permute(r, outShape, inverse))));
      const g = valueAndGrad(() => ops.sum(ops.mul(ops.transpose(ops.transpose(X, perm && [...perm]), inverse), ops.transpose(R, inverse))));
      const want = permute(X.value, shape, p).reduce((s, v, i) => s + v * r[i], 0);
      expect(Math.abs(g() - want)).toBeLessThan(1e-4);
    }
  });

  it('keeps the batch first, copies nothing for unit axes, and refuses bad permutations', () => {
    const x = input({ shape: [3, 4] });
    expect(ops.transpose(x, [0, 2, 1]).shape).toEqual([-1, 4, 3]);
    expect(() => ops.transpose(x, [1, 0, 2])).toThrow(/the batch of \[batch, 3, 4\] stays the leading axis/);
    expect(() => ops.transpose(x, [0, 1, 1])).toThrow(/perm must order all 3 axes/);
    const u = ops.transpose(input({ shape: [1, 4] }), [0, 2, 1]);
    expect(u.producer?.op.name).toBe('reshape');
  });
});
