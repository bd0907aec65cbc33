// The interop methods on models: toSafetensors/fromSafetensors, toTfjs/Sequential.fromTfjs,
// toOnnx/fromOnnx (async: the ONNX code loads on first use), giving what the functions give, and
// what a functional graph cannot be in the Sequential-only formats, refused by name.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Model, Sequential, input, ops, layers, toSafetensors, toTfjs, toPytorchModule } from 'wasmnn';
import { toOnnx } from 'wasmnn/onnx';
import { randn } from '../helpers/wasm.js';
import { bits } from '../helpers/compare.js';

beforeAll(async () => {
  await init();
});

const X = Array.from({ length: 9 }, (_, r) => Array.from(randn(4, 40 + r, 1.2)));
const mlp = (seed: number) => new Sequential([layers.dense({ inputDim: 4, units: 5, activation: 'tanh' }), layers.batchNorm(), layers.dense({ units: 2 })], { seed });
function residual(seed: number): Model {
  const x = input([4]);
  const h1 = layers.dense({ units: 6, activation: 'relu' }).apply(x);
  const h2 = layers.dense({ units: 6 }).apply(h1);
  return new Model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(ops.relu(ops.add(h1, h2))) }, { seed });
}

describe('interop methods', () => {
  it('model.toSafetensors({ layout }) and Model.fromSafetensors(bytes, model): the functions\' bytes, loaded into another model', () => {
    const a = mlp(1), b = mlp(2);
    for (const layout of ['wasmnn', 'pytorch'] as const) {
      const bytes = a.toSafetensors({ layout });
      expect(bytes).toEqual(toSafetensors(a, { layout }));
      const c = mlp(3);
      expect(Model.fromSafetensors(bytes, c)).toBe(c);
      expect(bits(c.predict(X).data)).toEqual(bits(a.predict(X).data));
    }
    expect(bits(b.predict(X).data)).not.toEqual(bits(a.predict(X).data));
  });

  it('a functional model: safetensors in the wasmnn layout round-trips; the PyTorch layout and tfjs are refused', () => {
    const a = residual(1), b = residual(2);
    Model.fromSafetensors(a.toSafetensors(), b);
    expect(bits(b.predict(X).data)).toEqual(bits(a.predict(X).data));
    expect(() => a.toSafetensors({ layout: 'pytorch' })).toThrow(/functional graph .* no nn.Sequential equivalent/);
    expect(() => toPytorchModule(a)).toThrow(/no nn.Sequential equivalent/);
    expect(() => a.toTfjs()).toThrow(/Keras Sequential model; a functional graph/);
  });

  it('model.toTfjs() and Sequential.fromTfjs(artifacts)', () => {
    const a = mlp(4);
    const art = a.toTfjs();
    expect(art).toEqual(toTfjs(a));
    const back = Sequential.fromTfjs(art);
    expect(back).toBeInstanceOf(Sequential);
    expect(bits(back.predict(X).data)).toEqual(bits(a.predict(X).data));
  });

  it('await model.toOnnx() and Model.fromOnnx(bytes): a graph becomes a Model, a chain a chain Model; Sequential.fromOnnx wants a chain', async () => {
    const r = residual(5);
    const bytes = await r.toOnnx();
    expect(bytes).toEqual(toOnnx(r));
    const back = await Model.fromOnnx(bytes);
    expect(back.isChain()).toBe(false);
    expect(bits(back.predict(X).data)).toEqual(bits(r.predict(X).data));
    await expect(Sequential.fromOnnx(bytes)).rejects.toThrow(/not a chain of layers .* Model.fromOnnx imports it/);
    // A chain that starts with an activation is a functional Model: a Sequential's first layer has the input width.
    const x = input([4]);
    const act = await new Model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(ops.tanh(x)) }).toOnnx();
    await expect(Sequential.fromOnnx(act)).rejects.toThrow(/starts with a Gemm, MatMul or BatchNormalization node, this chain with node 'activation\/Tanh' \(Tanh\)/);
    expect((await Model.fromOnnx(act)).isChain()).toBe(false);

    const s = mlp(6);
    const chain = await s.toOnnx({ inputName: 'features' });
    const m = await Model.fromOnnx(chain);
    expect([m instanceof Sequential, m.isChain()]).toEqual([false, true]);
    const seq = await Sequential.fromOnnx(chain);
    expect(seq).toBeInstanceOf(Sequential);
    for (const x of [m, seq]) expect(bits(x.predict(X).data)).toEqual(bits(s.predict(X).data));
    expect(await seq.toOnnx({ inputName: 'features' })).toEqual(chain);
  });
});

describe('summary', () => {
  it('a chain of layers ends with its PyTorch module (the one the pytorch layout fits); a functional graph has none', () => {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 16, activation: 'relu' }), layers.batchNorm(), layers.dropout({ rate: 0.1 }), layers.dense({ units: 1 })]);
    const text = m.summary(false);
    expect(text.split('\n').slice(-8)).toEqual([
      "PyTorch equivalent (toSafetensors(model, { layout: 'pytorch' }) writes its state_dict):",
      'nn.Sequential(',
      '    nn.Linear(2, 16),  # 0',
      '    nn.ReLU(),  # 1',
      '    nn.BatchNorm1d(16, eps=1e-05, momentum=0.1),  # 2',
      '    nn.Dropout(p=0.1),  # 3',
      '    nn.Linear(16, 1),  # 4',
      ')',
    ]);
    expect(residual(1).summary(false)).not.toContain('nn.');
  });
});

describe('options', () => {
  it('an unknown option key is an error naming it, in every interop call', async () => {
    const s = mlp(7);
    expect(() => s.toSafetensors({ layuot: 'pytorch' } as never)).toThrow(/toSafetensors: unknown option 'layuot'; use 'layout'/);
    expect(() => Model.fromSafetensors(s.toSafetensors(), s, { format: 'pt' } as never)).toThrow(/fromSafetensors: unknown option 'format'/);
    expect(() => Sequential.fromTfjs(s.toTfjs(), { sead: 1 } as never)).toThrow(/fromTfjs: unknown option 'sead'; use 'seed'/);
    await expect(s.toOnnx({ inputNmae: 'x' } as never)).rejects.toThrow(/toOnnx: unknown option 'inputNmae'; use 'inputName'/);
    await expect(Model.fromOnnx(await s.toOnnx(), { opset: 17 } as never)).rejects.toThrow(/fromOnnx: unknown option 'opset'/);
  });
});
