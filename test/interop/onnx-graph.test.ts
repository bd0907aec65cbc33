// ONNX for functional graphs, checked by ONNX Runtime: a residual model, two inputs with concat,
// and every graph op, each output within 1e-5 (relative, floor 1) of predict(); import gives a
// functional Model that predicts the same and exports the same graph again.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { init, Model, Sequential, input, ops, layers, type Matrix } from 'wasmnn';
import { toOnnx, fromOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

const rowsOf = (n: number, cols: number, seed: number) => Array.from({ length: n }, (_, r) => Array.from(randn(cols, seed + r, 1.3)));
const X4 = rowsOf(17, 4, 300);
const X3 = rowsOf(17, 3, 500);
const X2 = rowsOf(17, 2, 700);

/** Every output of the ONNX model on the given inputs (by graph input order), in graph output order. */
async function ortRun(bytes: Uint8Array, xs: number[][][]): Promise<Float32Array[]> {
  const s = await ort.InferenceSession.create(bytes);
  const feeds = Object.fromEntries(s.inputNames.map((n, i) => [n, new ort.Tensor('float32', Float32Array.from(xs[i].flat()), [xs[i].length, xs[i][0].length])]));
  const out = await s.run(feeds);
  return s.outputNames.map((n) => out[n].data as Float32Array);
}
const predictAll = (m: Model, xs: number[][][]): Float32Array[] => {
  const p = m.predict(xs.length === 1 ? xs[0] : xs) as Matrix | Matrix[];
  return (Array.isArray(p) ? p : [p]).map((q) => q.data);
};

const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType);

function residual(): Model {
  const x = input([4]);
  const h1 = layers.dense({ units: 6, activation: 'relu' }).apply(x);
  const h2 = layers.dense({ units: 6 }).apply(h1);
  const out = layers.dense({ units: 3 }).apply(ops.relu(ops.add(h1, h2)));
  return new Model({ inputs: x, outputs: out }, { seed: 4 });
}

describe('toOnnx of functional graphs, run in ONNX Runtime', () => {
  it('the residual model h1 = dense(relu)(x); h2 = dense(h1); out = dense(relu(add(h1, h2))); import gives the same model and the same bytes', async () => {
    const m = residual();
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Gemm', 'Relu', 'Gemm', 'Add', 'Relu', 'Gemm']);
    for (const n of [1, 17]) expect(relErr((await ortRun(bytes, [X4.slice(0, n)]))[0], m.predict(X4.slice(0, n)).data)).toBeLessThan(1e-5);
    const back = fromOnnx(bytes);
    expect(back).not.toBeInstanceOf(Sequential);
    expect(back.layers.map((l) => `${l.name}:${(l as any).activation.name}`)).toEqual(['dense_0:relu', 'dense_1:linear', 'dense_2:linear']);
    expect(relErr(back.predict(X4).data, m.predict(X4).data)).toBe(0);
    expect(toOnnx(back)).toEqual(bytes);
  });

  it('two inputs joined by concat, two outputs (one also read inside the graph), named inputs', async () => {
    const a = input([3], { name: 'a' });
    const b = input([2], { name: 'b' });
    const h = ops.concat([layers.dense({ units: 4, activation: 'tanh' }).apply(a), b]);
    const y = layers.dense({ units: 2 }).apply(h);
    const m = new Model({ inputs: [a, b], outputs: [y, ops.add(ops.mean(h, 1, true), ops.sum(y, 1, true))] }, { seed: 5 });
    const bytes = toOnnx(m);
    const g = onnx.ModelProto.decode(bytes).graph!;
    expect(g.input.map((i) => i.name)).toEqual(['a', 'b']);
    expect(g.output.map((o) => o.name)).toEqual(['output_0', 'output_1']);
    expect(opTypes(bytes)).toEqual(['Gemm', 'Tanh', 'Concat', 'Gemm', 'ReduceMean', 'ReduceSum', 'Add']);
    const theirs = await ortRun(bytes, [X3, X2]);
    const ours = predictAll(m, [X3, X2]);
    theirs.forEach((t, i) => expect(relErr(t, ours[i])).toBeLessThan(1e-5));
    const back = fromOnnx(bytes);
    expect(back.inputs.map((t) => t.name)).toEqual(['a', 'b']);
    predictAll(back, [X3, X2]).forEach((p, i) => expect(relErr(p, ours[i])).toBe(0));
    expect(toOnnx(back)).toEqual(bytes);
    // Names the graph's own tensors have are refused.
    expect(() => toOnnx(m, { inputNames: ['a', 'dense_0/kernel'] })).toThrow(/input or output name 'dense_0\/kernel' is also the name of a weight/);
    expect(() => toOnnx(m, { outputNames: ['y', 'y'] })).toThrow(/output names must be 2 distinct non-empty strings/);
    expect(() => toOnnx(m, { inputName: 'x' })).toThrow(/has 2 inputs: give inputNames, not inputName/);
  });

  it('every graph op and activation op, one output each, within 1e-5; a shared layer writes its weights once', async () => {
    const x = input([4]);
    const shared = layers.dense({ units: 4 });
    const pos = ops.add(ops.abs(x), 0.5);
    const row = ops.mean(x, 0, true), col = ops.sum(x, 1, true);
    const outs = {
      addRow: ops.add(x, row), subCol: ops.sub(x, col), mulScalar: ops.mul(x, 2.5), divLeft: ops.div(3, ops.add(ops.square(x), 1)),
      div: ops.div(x, pos), max: ops.maximum(x, ops.neg(x)), min: ops.minimum(x, -0.2), matmul: ops.matmul(col, row),
      concat: ops.concat([x, ops.neg(x), col]), slice: ops.slice(x, 1, 2), sumAll: ops.sum(x), meanAll: ops.mean(x),
      sum0: ops.sum(x, 0, true), mean0: row, mean1: ops.mean(x, 1, true), sum1: col, sqrt: ops.sqrt(pos), exp: ops.exp(x), log: ops.log(pos),
      pow: ops.pow(pos, 1.7), cube: ops.pow(x, 3), clip: ops.clip(x, -0.5, 0.8), clipHi: ops.clip(x, -Infinity, 0.3), clipLo: ops.clip(x, -0.1, Infinity),
      relu: ops.relu(x), sigmoid: ops.sigmoid(x), tanh: ops.tanh(x), gelu: ops.gelu(x), geluTanh: ops.geluTanh(x), softplus: ops.softplus(x),
      silu: ops.silu(x), leakyRelu: ops.leakyRelu(x, 0.2), elu: ops.elu(x, 0.6), softmax: ops.softmax(x), logSoftmax: ops.logSoftmax(x),
      dropout: layers.dropout({ rate: 0.5 }).apply(x), sharedTwice: shared.apply(shared.apply(x)), identity: x,
    };
    const names = Object.keys(outs);
    const m = new Model({ inputs: x, outputs: Object.values(outs) }, { seed: 6 });
    const bytes = toOnnx(m, { outputNames: names });
    const g = onnx.ModelProto.decode(bytes).graph!;
    expect(g.initializer.filter((t) => t.name!.startsWith(shared.name)).map((t) => t.name)).toEqual([`${shared.name}/kernel`, `${shared.name}/bias`]);
    const types = new Set(opTypes(bytes));
    for (const t of ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Neg', 'MatMul', 'Concat', 'Slice', 'ReduceSum', 'ReduceMean', 'Sqrt', 'Exp', 'Log', 'Abs', 'Pow', 'Clip',
      'Relu', 'Sigmoid', 'Tanh', 'Erf', 'Softplus', 'LeakyRelu', 'Elu', 'Softmax', 'LogSoftmax', 'Gemm', 'Identity']) expect(types, t).toContain(t);
    expect(types).not.toContain('Dropout');
    const theirs = await ortRun(bytes, [X4]);
    // NOTE: predict() returns batch rows for an output of fixed rows too (the first rows hold it).
    const ours = predictAll(m, [X4]).map((o, i) => o.subarray(0, theirs[i].length));
    expect(theirs.map((t) => t.length).filter((n) => n <= 4)).toEqual([1, 1, 4, 4]);
    names.forEach((n, i) => expect(relErr(theirs[i], ours[i]), n).toBeLessThan(1e-5));
    // The fixed-row outputs keep their rows; the others have the symbolic batch.
    const dims = (name: string) => g.output.find((o) => o.name === name)!.type!.tensorType!.shape!.dim.map((d) => d.dimParam || Number(d.dimValue));
    expect([dims('sumAll'), dims('sum0'), dims('sum1')]).toEqual([[1, 1], [1, 4], ['batch', 1]]);

    const back = fromOnnx(bytes);
    predictAll(back, [X4]).forEach((p, i) => expect(relErr(p.subarray(0, ours[i].length), ours[i]), names[i]).toBeLessThan(1e-6));
    expect(opTypes(toOnnx(back, { outputNames: names }))).toEqual(opTypes(bytes));
  });
});

describe('fromOnnx of graphs', () => {
  const info = (name: string, n: number) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: n }] } } } });
  const f32 = (name: string, dims: number[], v: number[]) => ({ name, dims, dataType: 1, floatData: v });
  const i64 = (name: string, v: number[]) => ({ name, dims: [v.length], dataType: 7, int64Data: v });
  function hand(nodes: object[], initializer: object[], inputs = [info('x', 3)], outputs = [info('y', 2)], opset = 17): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 8, opsetImport: [{ domain: '', version: opset }], graph: { name: 'hand', node: nodes, initializer, input: inputs, output: outputs },
    })).finish();
  }
  const W = [0.5, -1, 0.25, 2, -0.75, 1.5];
  const xs = [[1, 2, 3], [-1, 0.5, 2], [0.1, -0.2, 0.3]];

  it('a residual connection (a tensor read twice) becomes a functional Model that predicts what ONNX Runtime does', async () => {
    const bytes = hand([
      { opType: 'Gemm', input: ['x', 'W'], output: ['z'], name: 'g' },
      { opType: 'Relu', input: ['z'], output: ['r'], name: 'r' },
      { opType: 'Add', input: ['z', 'r'], output: ['y'], name: 'res' },
    ], [f32('W', [3, 2], W)]);
    const m = fromOnnx(bytes);
    expect(m).not.toBeInstanceOf(Sequential);
    expect(m.layers.map((l) => `${l.kind}:${(l as any).activation.name}`)).toEqual(['dense:linear']);
    expect(relErr(m.predict(xs).data, (await ortRun(bytes, [xs]))[0])).toBeLessThan(1e-5);
  });

  it('what other exporters write: ReduceMean with axes as an input (opset 18), Slice with negative and huge ends, Clip by attributes (opset 6)', async () => {
    const bytes = hand([
      { opType: 'Slice', input: ['x', 's', 'e', 'ax'], output: ['sl'], name: 'sl' },
      { opType: 'ReduceMean', input: ['x', 'ax'], output: ['m'], name: 'm' },
      { opType: 'Sub', input: ['sl', 'm'], output: ['y'], name: 'd' },
    ], [i64('s', [-2]), i64('e', [2 ** 53]), i64('ax', [-1])], [info('x', 3)], [info('y', 2)], 18);
    const m = fromOnnx(bytes);
    expect(relErr(m.predict(xs).data, (await ortRun(bytes, [xs]))[0])).toBeLessThan(1e-5);
    const clip = hand([{ opType: 'Clip', input: ['x'], output: ['y'], name: 'c', attribute: [{ name: 'min', type: 1, f: -0.5 }, { name: 'max', type: 1, f: 1 }] }], [], [info('x', 3)], [info('y', 3)], 6);
    expect(Array.from(fromOnnx(clip).predict(xs).data)).toEqual(xs.flat().map((v) => Math.min(Math.max(v, -0.5), 1)).map(Math.fround));
  });

  it('what the subset cannot express is refused by node: Concat along the batch, keepdims 0, an unknown op, a shape mismatch', () => {
    const two = [info('x', 3), info('u', 3)];
    expect(() => fromOnnx(hand([{ opType: 'Concat', input: ['x', 'u'], output: ['y'], name: 'cat', attribute: [{ name: 'axis', type: 2, i: 0 }] }], [], two))).toThrow(/node 'cat' \(Concat\): Concat along axis 0 is not supported/);
    expect(() => fromOnnx(hand([{ opType: 'ReduceSum', input: ['x'], output: ['y'], name: 'rs', attribute: [{ name: 'keepdims', type: 2, i: 0 }] }], []))).toThrow(/node 'rs' \(ReduceSum\): keepdims = 0/);
    expect(() => fromOnnx(hand([{ opType: 'Add', input: ['x', 'u'], output: ['s'], name: 'a' }, { opType: 'Cos', input: ['s'], output: ['y'], name: 'my_cos' }], [], two))).toThrow(/node 'my_cos' \(Cos\): op 'Cos' is not supported/);
    expect(() => fromOnnx(hand([{ opType: 'Mul', input: ['x', 'k'], output: ['y'], name: 'mul' }], [f32('k', [2], [1, 2])]))).toThrow(/node 'mul' \(Mul\): .*do not broadcast/);
  });
});
