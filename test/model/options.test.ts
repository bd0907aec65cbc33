// Unknown option keys of models, layers, fit and the graph API are errors naming the key (and the
// wasmnn name where it is a Keras or PyTorch spelling), never ignored.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Model, Sequential, input, layers, optimizers, valueAndGrad, parameter, ops } from 'wasmnn';

beforeAll(async () => {
  await init();
});

const x = [[0, 1], [1, 0], [1, 1], [0, 0]];
const y = [[1], [1], [0], [0]];
const model = () => {
  const m = new Sequential([layers.dense({ inputDim: 2, units: 3, activation: 'tanh' }), layers.dense({ units: 1 })]);
  m.compile({ loss: 'bceWithLogits', optimizer: optimizers.sgd({ lr: 0.1 }) });
  return m;
};

describe('option keys', () => {
  it('fit: epoch and verbose name what to use, sampleWeight points to classWeight; a callback given as a function is refused', async () => {
    const m = model();
    await expect(m.fit(x, y, { epoch: 5 } as never)).rejects.toThrow(/epoch.*epochs/);
    await expect(m.fit(x, y, { sampleWeight: [1, 2, 1, 2] } as never)).rejects.toThrow(/fit: unknown option 'sampleWeight'; use 'classWeight'/);
    await expect(m.fit(x, y, { verbose: 1 } as never)).rejects.toThrow(/verbose.*callbacks/);
    await expect(m.fit(x, y, { scheduleUnit: 'step' } as never)).rejects.toThrow(/scheduleUnit must be 'epoch' or 'batch', got "step"/);
    await expect(m.fit(x, y, { callbacks: [() => undefined] } as never)).rejects.toThrow(/callbacks\[0\] is a function/);
    expect(m.getWeights()).toEqual(model().getWeights()); // nothing trained
  });
  it('compile, the model constructors and save', () => {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 1 })]);
    expect(() => m.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }), learningRate: 0.1 } as never)).toThrow(/compile.*learningRate.*optimizer.*lr: 1e-3/);
    expect(() => new Sequential([layers.dense({ inputDim: 2, units: 1 })], { sed: 1 } as never)).toThrow(/sed.*seed/);
    const inp = input([2]);
    expect(() => new Model({ inputs: inp, outputs: layers.dense({ units: 1 }).apply(inp) }, { seeds: 1 } as never)).toThrow(/seeds/);
    expect(() => m.save({ includeOptimiser: true } as never)).toThrow(/includeOptimiser.*includeOptimizer/);
  });
  it('layers, input and valueAndGrad', () => {
    expect(() => layers.dense({ units: 2, inputShape: [3] } as never)).toThrow(/inputShape.*inputDim/);
    expect(() => layers.dropout({ p: 0.5 } as never)).toThrow(/'p'.*rate/);
    expect(() => layers.batchNorm({ epsilon: 1e-3 } as never)).toThrow(/epsilon.*eps/);
    expect(() => input([2], { dtpye: 'int32' } as never)).toThrow(/dtpye.*dtype/);
    const w = parameter([1], [1]);
    expect(() => valueAndGrad(() => ops.square(w), [], { sead: 1 } as never)).toThrow(/sead.*seed/);
  });
});
