// ONNX for CNNs, checked by ONNX Runtime: image models exported with NHWC inputs (transposed to
// NCHW inside) predict what predict() does within 1e-5 (relative, floor 1) and come back the same;
// PyTorch's NCHW CNNs (tools/golden/torch_cnn.py) come in as channels-last Sequential models that
// predict what PyTorch printed; what the import cannot express is refused by node.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { init, Model, Sequential, input, ops, layers, optimizers } from 'wasmnn';
import { toOnnx, fromOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { relErr, bits } from '../helpers/compare.js';

const { onnx } = onnxProto;

beforeAll(async () => {
  await init();
});

type Images = { data: Float32Array; shape: number[] };
const images = (n: number, h: number, w: number, c: number, seed: number): Images => ({ data: Float32Array.from(randn(n * h * w * c, seed, 1.2)), shape: [n, h, w, c] });

async function ortRun(bytes: Uint8Array, x: Images): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) });
  return out[s.outputNames[0]].data as Float32Array;
}

const opTypes = (bytes: Uint8Array) => onnx.ModelProto.decode(bytes).graph!.node.map((n) => n.opType);
const kinds = (m: { layers: readonly { kind: string; activation?: { name: string } }[] }) => m.layers.map((l) => (l.activation ? `${l.kind}:${l.activation.name}` : l.kind));

/** conv stride 2 'same', batch norm, depthwise dilation 2 'same', max pool 'same', grouped conv with explicit asymmetric pads, avg pool 'same', flatten, dense. */
function cnnA(): Sequential {
  return new Sequential([
    layers.conv2d({ inputShape: [9, 8, 3], filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
    layers.batchNorm({ momentum: 0.3 }),
    layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', dilationRate: 2, depthMultiplier: 2 }),
    layers.maxPooling2d({ poolSize: 2, strides: 1, padding: 'same' }),
    layers.conv2d({ filters: 4, kernelSize: [2, 3], groups: 2, padding: [[1, 0], [0, 2]], activation: 'tanh' }),
    layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }),
    layers.flatten(),
    layers.dense({ units: 5 }),
  ], { seed: 1 });
}

describe('toOnnx of CNNs, run in ONNX Runtime', () => {
  it('conv (stride 2, same, dilation, groups, depthwise), trained batch norm, max and avg pool, flatten, dense: within 1e-5; import gives the same layers, bits and bytes', async () => {
    const m = cnnA();
    const x = images(16, 9, 8, 3, 11);
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    await m.fit(x, Array.from({ length: 16 }, (_, r) => [r % 3, -1, 0.5, r / 16, 1]), { epochs: 3, batchSize: 8 });
    const bytes = toOnnx(m);
    // NHWC in, one Transpose to NCHW, NCHW image ops, one Transpose back before Flatten.
    expect(opTypes(bytes)).toEqual(['Transpose', 'Conv', 'Relu', 'BatchNormalization', 'Conv', 'MaxPool', 'Conv', 'Tanh', 'AveragePool', 'Transpose', 'Flatten', 'Gemm']);
    const g = onnx.ModelProto.decode(bytes).graph!;
    expect(g.input[0].type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 9, 8, 3]);
    // TensorFlow's 'same' for a 3x3 kernel, stride 2 on 9x8: [1, 1] rows, [0, 1] columns, written [top, left, bottom, right].
    expect(g.node[1].attribute!.find((a) => a.name === 'pads')!.ints!.map(Number)).toEqual([1, 0, 1, 1]);
    expect(Number(g.node[4].attribute!.find((a) => a.name === 'group')!.i)).toBe(6);
    for (const n of [1, 5]) {
      const xs = images(n, 9, 8, 3, 40 + n);
      expect(relErr(await ortRun(bytes, xs), m.predict(xs).data)).toBeLessThan(1e-5);
    }
    const back = fromOnnx(bytes);
    expect(back).toBeInstanceOf(Sequential);
    expect(kinds(back)).toEqual(['conv2d:relu', 'batchNorm', 'depthwiseConv2d:linear', 'maxPooling2d', 'conv2d:tanh', 'averagePooling2d', 'flatten', 'dense:linear']);
    expect(bits(back.predict(x).data)).toEqual(bits(m.predict(x).data));
    expect(toOnnx(back)).toEqual(bytes);
  });

  it('reshape of flat rows to images, valid conv and avg pool, global average pool, dense with softmax', async () => {
    const m = new Sequential([
      layers.reshape({ inputShape: [48], targetShape: [6, -1, 2] }),
      layers.conv2d({ filters: 5, kernelSize: 2, activation: 'elu' }),
      layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      layers.globalAveragePooling2d(),
      layers.dense({ units: 3, activation: 'softmax' }),
    ], { seed: 2 });
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Reshape', 'Transpose', 'Conv', 'Elu', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Gemm', 'Softmax']);
    const x = { data: Float32Array.from(randn(7 * 48, 3)), shape: [7, 48] };
    expect(relErr(await ortRun(bytes, x), m.predict(x).data)).toBeLessThan(1e-5);
    const back = fromOnnx(bytes);
    expect(back).toBeInstanceOf(Sequential);
    expect(kinds(back)).toEqual(['reshape', 'conv2d:elu', 'averagePooling2d', 'globalAveragePooling2d', 'dense:softmax']);
    expect(bits(back.predict(x).data)).toEqual(bits(m.predict(x).data));
    expect(toOnnx(back)).toEqual(bytes);
  });

  it('dense on a rank-3 input (its last axis) as MatMul + Add: ONNX Runtime within 1e-5, and back as a dense layer', async () => {
    const m = new Sequential([layers.reshape({ inputShape: [12], targetShape: [3, 4] }), layers.dense({ units: 2, activation: 'relu' }), layers.flatten()], { seed: 6 });
    const bytes = toOnnx(m);
    expect(opTypes(bytes)).toEqual(['Reshape', 'MatMul', 'Add', 'Relu', 'Flatten']);
    const x = { data: Float32Array.from(randn(5 * 12, 8)), shape: [5, 12] };
    expect(relErr(await ortRun(bytes, x), m.predict(x).data)).toBeLessThan(1e-5);
    const back = fromOnnx(bytes);
    expect(kinds(back)).toEqual(['reshape', 'dense:relu', 'flatten']);
    expect(bits(back.predict(x).data)).toEqual(bits(m.predict(x).data));
  });

  it('a functional CNN: two convolutions added (in NHWC), a softmax over the channels, a transpose op; image outputs stay NHWC', async () => {
    const x = input({ shape: [6, 6, 2] });
    const a = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same' }).apply(x);
    const b = layers.conv2d({ filters: 4, kernelSize: 1 }).apply(x);
    const s = layers.activation({ activation: 'softmax' }).apply(layers.maxPooling2d().apply(ops.relu(ops.add(a, b))));
    const t = ops.transpose(layers.conv2d({ filters: 3, kernelSize: 2 }).apply(s), [0, 3, 1, 2]);
    const m = new Model({ inputs: x, outputs: [s, t] }, { seed: 3 });
    const bytes = toOnnx(m);
    const xs = images(4, 6, 6, 2, 5);
    const sess = await ort.InferenceSession.create(bytes);
    const out = await sess.run({ [sess.inputNames[0]]: new ort.Tensor('float32', xs.data, xs.shape) });
    const ours = m.predict(xs) as unknown as { data: Float32Array; shape: number[] }[];
    sess.outputNames.forEach((n, i) => {
      expect(out[n].dims).toEqual(ours[i].shape);
      expect(relErr(out[n].data as Float32Array, ours[i].data)).toBeLessThan(1e-5);
    });
    const back = fromOnnx(bytes);
    const again = back.predict(xs) as unknown as { data: Float32Array }[];
    ours.forEach((o, i) => expect(bits(again[i].data)).toEqual(bits(o.data)));
  });

  it('what has no ONNX export is refused naming the layer or op: batch norm of a rank-5 input, the maxPool2d op (the layer has one)', () => {
    const seq = new Sequential([layers.reshape({ inputShape: [24], targetShape: [2, 2, 2, 3] }), layers.batchNorm()]);
    expect(() => toOnnx(seq)).toThrow(/onnx: layer 1 \(batch_norm_1\) of kind 'batchNorm' on a rank-5 input \[batch, 2, 2, 2, 3\] has no ONNX export/);
    const x = input({ shape: [4, 4, 1] });
    const w = new Model({ inputs: x, outputs: ops.maxPool2d(x, { poolSize: [2, 2] }) });
    expect(() => toOnnx(w)).toThrow(/the graph applies the op 'maxPool2d', which has no ONNX export/);
  });
});

describe('fromOnnx of what torch.onnx.export wrote for NCHW CNNs (PyTorch 1.13, opset 17)', () => {
  const ref = JSON.parse(readFileSync(new URL('../fixtures/torch_cnn.json', import.meta.url), 'utf8')) as Record<'cnn' | 'gap', { x: number[][][][]; y: number[][] }>;
  /** PyTorch's NCHW batch as wasmnn's NHWC images. */
  const nhwc = (x: number[][][][]): Images => {
    const [n, c, h, w] = [x.length, x[0].length, x[0][0].length, x[0][0][0].length];
    const data = new Float32Array(n * h * w * c);
    for (let a = 0; a < n; a++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[((a * h + i) * w + j) * c + ch] = x[a][ch][i][j];
    return { data, shape: [n, h, w, c] };
  };
  const cases = [
    ['torch_cnn.onnx', 'cnn', ['conv2d:relu', 'batchNorm', 'depthwiseConv2d:linear', 'maxPooling2d', 'conv2d:relu', 'averagePooling2d', 'flatten', 'dense:relu', 'dense:linear']],
    ['torch_cnn_gap.onnx', 'gap', ['conv2d:relu', 'maxPooling2d', 'globalAveragePooling2d', 'dense:linear']],
  ] as const;
  for (const [file, key, want] of cases) {
    it(`${file}: a channels-last Sequential (NHWC input) that predicts PyTorch's outputs within 1e-5, exports again and fine-tunes`, async () => {
      const bytes = readFileSync(new URL(`../fixtures/${file}`, import.meta.url));
      const m = fromOnnx(bytes);
      expect(m).toBeInstanceOf(Sequential);
      expect(kinds(m)).toEqual(want);
      expect(m.inputs[0].shape).toEqual([-1, 9, 8, 3]);
      const x = nhwc(ref[key].x), y = ref[key].y.flat();
      expect(relErr(m.predict(x).data, y)).toBeLessThan(1e-5);
      const s = await ort.InferenceSession.create(bytes);
      const nchw = Float32Array.from(ref[key].x.flat(3));
      const theirs = (await s.run({ input: new ort.Tensor('float32', nchw, [5, 3, 9, 8]) })).output.data as Float32Array;
      expect(relErr(theirs, y)).toBeLessThan(1e-5);
      expect(relErr(await ortRun(toOnnx(m), x), y)).toBeLessThan(1e-5);
      m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
      const xt = images(24, 9, 8, 3, 77), yt = Array.from({ length: 24 }, (_, r) => Array.from(randn(y.length / 5, 90 + r)));
      const before = m.evaluate(xt, yt).loss;
      await m.fit(xt, yt, { epochs: 10, batchSize: 8 });
      expect(m.evaluate(xt, yt).loss).toBeLessThan(0.9 * before);
    });
  }
});

describe('fromOnnx of hand-built NCHW graphs', () => {
  // Input x [N, 2, 5, 4] (NCHW); a filter F [3, 2, 2, 2] padded 1 on top (y [N, 3, 5, 3]) and two Gemm weights for its 45 features.
  const info = (name: string, dims: (number | string)[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } });
  const f32 = (name: string, dims: number[], seed: number) => ({ name, dims, dataType: 1, floatData: Array.from(randn(dims.reduce((a, b) => a * b, 1), seed, 0.5)) });
  const i64 = (name: string, v: number[]) => ({ name, dims: [v.length], dataType: 7, int64Data: v });
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  const str = (name: string, v: string) => ({ name, type: 3, s: new TextEncoder().encode(v) });
  const int = (name: string, v: number) => ({ name, type: 2, i: v });
  function hand(nodes: object[], initializer: object[], out: number[]): Uint8Array {
    return onnx.ModelProto.encode(onnx.ModelProto.create({
      irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
      graph: { name: 'hand', node: nodes, initializer, input: [info('x', ['N', 2, 5, 4])], output: [info('y', ['N', ...out])] },
    })).finish();
  }
  const conv = (attrs: object[] = [ints('pads', [1, 0, 0, 0])]) => ({ opType: 'Conv', input: ['x', 'F', 'B'], output: ['c'], name: 'conv', attribute: attrs });
  const weights = [f32('F', [3, 2, 2, 2], 1), f32('B', [3], 2), f32('W1', [45, 3], 3), f32('W2', [45, 3], 4)];
  const x = images(6, 5, 4, 2, 9); // NHWC for wasmnn
  const nchw = (a: Images) => {
    const [n, h, w, c] = a.shape;
    const d = new Float32Array(a.data.length);
    for (let b = 0; b < n; b++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) for (let ch = 0; ch < c; ch++) d[((b * c + ch) * h + i) * w + j] = a.data[((b * h + i) * w + j) * c + ch];
    return { data: d, shape: [n, c, h, w] };
  };

  it('a Flatten of NCHW images read by two Gemms: a transpose op before the flatten, a functional Model within 1e-5 of ONNX Runtime', async () => {
    const bytes = hand([
      conv(), { opType: 'Flatten', input: ['c'], output: ['f'] },
      { opType: 'Gemm', input: ['f', 'W1'], output: ['g1'] }, { opType: 'Gemm', input: ['f', 'W2'], output: ['g2'] },
      { opType: 'Add', input: ['g1', 'g2'], output: ['y'] },
    ], weights, [3]);
    const m = fromOnnx(bytes);
    expect(m).not.toBeInstanceOf(Sequential);
    expect(relErr(m.predict(x).data, await ortRun(bytes, nchw(x)))).toBeLessThan(1e-5);
  });

  it("a Softmax over the channels (axis 1), AveragePool with auto_pad SAME_UPPER, a Reshape [0, -1] (read as a Flatten: the dense rows reordered): a Sequential within 1e-5", async () => {
    const bytes = hand([
      conv([str('auto_pad', 'SAME_UPPER')]), { opType: 'Softmax', input: ['c'], output: ['s'], attribute: [int('axis', 1)] },
      { opType: 'AveragePool', input: ['s'], output: ['p'], attribute: [ints('kernel_shape', [2, 2]), ints('strides', [1, 1]), str('auto_pad', 'SAME_UPPER')] },
      { opType: 'Reshape', input: ['p', 'shape'], output: ['f'] }, { opType: 'Gemm', input: ['f', 'W1'], output: ['y'] },
    ], [...weights.slice(0, 2), f32('W1', [60, 3], 3), i64('shape', [0, -1])], [3]);
    const m = fromOnnx(bytes);
    expect(m).toBeInstanceOf(Sequential);
    expect(kinds(m)).toEqual(['conv2d:linear', 'activation:softmax', 'averagePooling2d', 'reshape', 'dense:linear']);
    expect(relErr(m.predict(x).data, await ortRun(bytes, nchw(x)))).toBeLessThan(1e-5);
  });

  const refusals: [string, object[], RegExp][] = [
    ['auto_pad SAME_LOWER', [conv([str('auto_pad', 'SAME_LOWER')])], /node 'conv' \(Conv\): auto_pad SAME_LOWER is not supported/],
    ['a 1-D filter with 2-D pads', [{ ...conv(), input: ['x', 'F1'] }], /node 'conv' \(Conv\): pads \[1,0,0,0\] are not those of a 1-D sequence/],
    ['ceil_mode 1', [{ opType: 'MaxPool', input: ['x'], output: ['c'], name: 'mp', attribute: [ints('kernel_shape', [2, 2]), int('ceil_mode', 1)] }], /node 'mp' \(MaxPool\): ceil_mode 1 is not supported/],
    ['count_include_pad 1 with padding', [{ opType: 'AveragePool', input: ['x'], output: ['c'], name: 'ap', attribute: [ints('kernel_shape', [2, 2]), ints('pads', [1, 1, 1, 1]), int('count_include_pad', 1)] }], /node 'ap' \(AveragePool\): count_include_pad 1 with padding is not supported/],
    ['a Reshape to a fixed batch', [conv(), { opType: 'Reshape', input: ['c', 'shape6'], output: ['r'], name: 'rs' }], /node 'rs' \(Reshape\): the shape \[6,-1\] must keep the batch first/],
    ['a Flatten from axis 2', [conv(), { opType: 'Flatten', input: ['c'], output: ['r'], name: 'fl', attribute: [int('axis', 2)] }], /node 'fl' \(Flatten\): Flatten from axis 2 is not supported/],
  ];
  for (const [what, nodes, message] of refusals) {
    it(`refused by node: ${what}`, () => {
      const last = nodes[nodes.length - 1] as { output: string[] };
      const bytes = hand([...nodes, { opType: 'Flatten', input: last.output, output: ['y'] }], [...weights, f32('F1', [3, 2, 2], 5), i64('shape6', [6, -1])], [36]);
      expect(() => fromOnnx(bytes)).toThrow(message);
    });
  }
});
