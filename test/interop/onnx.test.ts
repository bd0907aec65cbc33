// ONNX, checked by ONNX Runtime (onnxruntime-node, CPU): exported models predict what predict()
// does within 1e-5 (relative, floor 1), imports of our own files and of torch.onnx.export's
// round-trip, and what cannot be imported is refused by op and node. Graphs: onnx-graph.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { init, Sequential, layers, optimizers, data } from 'wasmnn';
import { toOnnx, fromOnnx, ONNX_IR_VERSION, ONNX_OPSET } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr, bits } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

const X = Array.from({ length: 24 }, (_, r) => Array.from(randn(6, 900 + r, 1.5)));
const Y = X.map((r) => [Math.tanh(r[0] - r[1]), r[2] * r[3] > 0 ? 1 : 0]);

async function ortRun(bytes: Uint8Array, x: ArrayLike<number>, rows: number, cols: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', Float32Array.from(x), [rows, cols]) });
  return out[s.outputNames[0]].data as Float32Array;
}
const ortPredict = (bytes: Uint8Array, x: number[][]) => ortRun(bytes, x.flat(), x.length, x[0].length);


describe('toOnnx, run in ONNX Runtime', () => {
  it(`IR version ${ONNX_IR_VERSION}, opset ${ONNX_OPSET}, a symbolic batch dimension`, async () => {
    const m = new Sequential([layers.dense({ inputDim: 6, units: 4, activation: 'relu' }), layers.dense({ units: 2 })], { seed: 1 });
    const bytes = toOnnx(m);
    const p = onnx.ModelProto.decode(bytes);
    expect(Number(p.irVersion)).toBe(8);
    expect(p.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const dims = p.graph!.input[0].type!.tensorType!.shape!.dim;
    expect(dims[0].dimParam).toBe('batch');
    expect(Number(dims[1].dimValue)).toBe(6);
    expect(p.graph!.node.map((n) => n.opType)).toEqual(['Gemm', 'Relu', 'Gemm']);
    for (const rows of [1, 9]) {
      const x = X.slice(0, rows);
      expect(relErr(await ortPredict(bytes, x), m.predict(x).data)).toBeLessThan(1e-5);
    }
  });

  const acts = ['linear', 'relu', 'sigmoid', 'tanh', { name: 'leakyRelu', alpha: 0.15 }, { name: 'elu', alpha: 0.7 }, 'gelu', 'geluTanh', 'softplus', 'silu', 'softmax'] as const;
  for (const act of acts) {
    it(`dense with ${JSON.stringify(act)}: ONNX Runtime within 1e-5; import then export gives the same bytes`, async () => {
      const m = new Sequential([layers.dense({ inputDim: 6, units: 7, activation: act as never }), layers.dense({ units: 3 })], { seed: 2 });
      const bytes = toOnnx(m);
      expect(relErr(await ortPredict(bytes, X), m.predict(X).data)).toBeLessThan(1e-5);
      const back = fromOnnx(bytes);
      expect((back.layers[0] as InstanceType<typeof layers.Dense>).activation.name).toBe(typeof act === 'string' ? act : act.name);
      expect((back.layers[0] as InstanceType<typeof layers.Dense>).activation.alpha).toBe((m.layers[0] as InstanceType<typeof layers.Dense>).activation.alpha);
      expect(toOnnx(back)).toEqual(bytes);
    });
  }

  it('batch norm after training, dropout (removed), activation layers, a dense layer without bias', async () => {
    const m = new Sequential([
      layers.dense({ inputDim: 6, units: 8, activation: 'relu' }),
      layers.batchNorm({ momentum: 0.3 }),
      layers.dropout({ rate: 0.4 }),
      layers.activation({ activation: { name: 'leakyRelu', alpha: 0.1 } }),
      layers.dense({ units: 5, useBias: false }),
      layers.activation({ activation: 'gelu' }),
      layers.dense({ units: 2 }),
    ], { seed: 3 });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.02 }) });
    await m.fit(X, Y, { epochs: 4, batchSize: 8 });
    const bytes = toOnnx(m);
    const ops = onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType);
    expect(ops).toEqual(['Gemm', 'Relu', 'BatchNormalization', 'LeakyRelu', 'Gemm', 'Div', 'Erf', 'Add', 'Mul', 'Mul', 'Gemm']);
    expect(relErr(await ortPredict(bytes, X), m.predict(X).data)).toBeLessThan(1e-5);
    const back = fromOnnx(bytes);
    // The gelu layer after the bias-free dense layer comes back as that layer's activation.
    expect(back.layers.map((l) => `${l.kind}:${(l as any).activation?.name}`)).toEqual(['dense:relu', 'batchNorm:undefined', 'activation:leakyRelu', 'dense:gelu', 'dense:linear']);
    const bn = back.layers[1] as InstanceType<typeof layers.BatchNorm>;
    expect([bn.momentum, bn.eps]).toEqual([0.3, 1e-5]);
    expect(bits(back.predict(X).data)).toEqual(bits(m.predict(X).data));
  });

  it('a trained digits classifier: logits within 1e-5 of predict on all 1797 images, same accuracy', async () => {
    const { x, y } = await data.loadBuiltin('digits');
    const xs = new data.Matrix(x.data.map((v) => v / 16), x.rows, x.cols);
    const m = new Sequential([layers.dense({ inputDim: 64, units: 32, activation: 'relu' }), layers.dense({ units: 10 })], { seed: 5 });
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 0.01 }), metrics: ['accuracy'] });
    await m.fit(xs, y, { epochs: 8, batchSize: 64 });
    const acc = m.evaluate(xs, y).accuracy;
    expect(acc).toBeGreaterThan(0.95);
    const ours = m.predict(xs).data;
    const theirs = await ortRun(toOnnx(m), xs.data, xs.rows, xs.cols);
    expect(relErr(theirs, ours)).toBeLessThan(1e-5);
    let right = 0;
    for (let r = 0; r < xs.rows; r++) {
      const row = Array.from(theirs.subarray(r * 10, r * 10 + 10));
      if (row.indexOf(Math.max(...row)) === y.data[r]) right++;
    }
    expect(right / xs.rows).toBeCloseTo(acc, 10);
  });
});

describe('fromOnnx', () => {
  it('imports what torch.onnx.export wrote (PyTorch 1.13, opset 17) and predicts what PyTorch printed; fine-tunes', async () => {
    const bytes = readFileSync(new URL('../fixtures/torch_mlp.onnx', import.meta.url));
    const ref = JSON.parse(readFileSync(new URL('../fixtures/torch_mlp.json', import.meta.url), 'utf8')) as { x: number[][]; y: number[][] };
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => `${l.kind}${(l as { activation?: { name: string } }).activation?.name ? ':' + (l as any).activation.name : ''}`)).toEqual(
      ['dense:relu', 'batchNorm', 'dense:leakyRelu', 'dense:gelu', 'dense:silu', 'dense:linear'],
    );
    expect((m.layers[2] as InstanceType<typeof layers.Dense>).activation.alpha).toBe(0.1);
    expect(relErr(m.predict(ref.x).data, ref.y.flat())).toBeLessThan(1e-5);
    expect(relErr(await ortPredict(bytes, ref.x), ref.y.flat())).toBeLessThan(1e-5);
    expect(relErr(await ortPredict(toOnnx(m), ref.x), ref.y.flat())).toBeLessThan(1e-5);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    const x = X.map((r) => r.slice(0, 6));
    const y = X.map((r) => [r[0], r[1] - r[2], r[3]]);
    const before = m.evaluate(x, y).loss;
    await m.fit(x, y, { epochs: 15, batchSize: 8 });
    expect(m.evaluate(x, y).loss).toBeLessThan(0.8 * before);
  });

  // A graph built by hand: input [batch, 3] -> nodes -> output [batch, out].
  function hand(nodes: object[], initializer: object[], out = 2, opset = 17): Uint8Array {
    const info = (name: string, n: number) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: n }] } } } });
    return onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 8, opsetImport: [{ domain: '', version: opset }],
      graph: { name: 'hand', node: nodes, initializer, input: [info('x', 3)], output: [info('y', out)] },
    })).finish();
  }
  const f32 = (name: string, dims: number[], v: number[]) => ({ name, dims, dataType: 1, floatData: v });
  const W = [0.5, -1, 0.25, 2, -0.75, 1.5];
  const xs = [[1, 2, 3], [-1, 0.5, 2], [0.1, -0.2, 0.3]];

  it('MatMul + Add (bias first), a Constant node, Identity nodes, Gelu at opset 20', async () => {
    const bytes = hand([
      { opType: 'Identity', input: ['x'], output: ['x1'] },
      { opType: 'MatMul', input: ['x1', 'W'], output: ['mm'], name: 'mm' },
      { opType: 'Constant', output: ['b'], attribute: [{ name: 'value', type: 4, t: f32('', [2], [0.1, -0.2]) }] },
      { opType: 'Add', input: ['b', 'mm'], output: ['z'] },
      { opType: 'Identity', input: ['z'], output: ['z1'] },
      { opType: 'Gelu', input: ['z1'], output: ['y'], name: 'g', attribute: [{ name: 'approximate', type: 3, s: new TextEncoder().encode('tanh') }] },
    ], [f32('W', [3, 2], W)], 2, 20);
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => `${l.kind}:${(l as any).activation?.name}`)).toEqual(['dense:geluTanh']);
    expect(Array.from(m.getWeights()[0])).toEqual(W);
    expect(relErr(m.predict(xs).data, await ortPredict(bytes, xs))).toBeLessThan(1e-5);
  });

  it('a Dropout node (ratio as a constant input) becomes a dropout layer; its inference is the identity', async () => {
    const bytes = hand([
      { opType: 'Gemm', input: ['x', 'W'], output: ['z'], name: 'g' },
      { opType: 'Dropout', input: ['z', 'ratio'], output: ['y'], name: 'd' },
    ], [f32('W', [3, 2], W), f32('ratio', [], [0.3])]);
    const m = fromOnnx(bytes);
    expect(m.layers.map((l) => l.kind)).toEqual(['dense', 'dropout']);
    expect((m.layers[1] as InstanceType<typeof layers.Dropout>).rate).toBe(0.3);
    expect(relErr(m.predict(xs).data, await ortPredict(bytes, xs))).toBeLessThan(1e-5);
  });

  it('an unsupported op is refused with its name and its node', () => {
    const bytes = hand([
      { opType: 'Gemm', input: ['x', 'W'], output: ['z'], name: 'dense' },
      { opType: 'Cos', input: ['z'], output: ['y'], name: 'my_cos' },
    ], [f32('W', [3, 2], W)]);
    expect(() => fromOnnx(bytes)).toThrow(/node 'my_cos' \(Cos\): op 'Cos' is not supported/);
  });

  it('a weight that is not a constant, a wrong width, and bytes that are not ONNX are refused', () => {
    expect(() => fromOnnx(hand([{ opType: 'Gemm', input: ['x', 'V'], output: ['y'], name: 'g' }], []))).toThrow(/node 'g' \(Gemm\): the weight must be a constant/);
    expect(() => fromOnnx(hand([{ opType: 'Gemm', input: ['x', 'W'], output: ['y'], name: 'g' }], [f32('W', [4, 2], [...W, 0, 0])]))).toThrow(/takes 4 features but receives 3/);
    expect(() => fromOnnx(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f))).toThrow(/not an ONNX model/);
  });
});
