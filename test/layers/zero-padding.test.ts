// layers.zeroPadding2d (Keras ZeroPadding2D, channels-last): its three padding forms, its output
// against ops.pad (itself checked against PyTorch in test/graph/nd-ops.test.ts), in a Sequential
// and a functional Model (the same predictions), save and load bit for bit, the summary's shape,
// and its refusals.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, input, layers, Model, ops, optimizers, parameter, Sequential, valueAndGrad } from 'wasmnn';
import { expectClose } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
});

const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 9.1 + i * 12.9898) * 0.999);
const images = { data: noise(3 * 5 * 4 * 2, 1), shape: [3, 5, 4, 2] };

const chain = () => [
  layers.zeroPadding2d({ padding: [[1, 2], [0, 3]], inputShape: [5, 4, 2] }),
  layers.conv2d({ filters: 3, kernelSize: 3 }),
  layers.zeroPadding2d({ padding: 1 }),
  layers.flatten(),
  layers.dense({ units: 2 }),
];

describe('layers.zeroPadding2d', () => {
  it('reads Keras\' three padding forms (default 1) and pads [batch, h, w, c] by them', () => {
    expect(layers.zeroPadding2d().padding).toEqual([[1, 1], [1, 1]]);
    expect(layers.zeroPadding2d({ padding: 2 }).padding).toEqual([[2, 2], [2, 2]]);
    expect(layers.zeroPadding2d({ padding: [1, 3] }).padding).toEqual([[1, 1], [3, 3]]);
    expect(layers.zeroPadding2d({ padding: [[0, 1], [2, 3]] }).padding).toEqual([[0, 1], [2, 3]]);
    const x = input({ shape: [5, 4, 2] });
    expect(layers.zeroPadding2d({ padding: [[0, 1], [2, 3]] }).apply(x).shape).toEqual([-1, 6, 9, 2]);
  });

  it('is ops.pad with the batch and channels unpadded, value and gradient', () => {
    const X = parameter([3, 5, 4, 2], images.data, 'x');
    const R = parameter([3, 8, 7, 2], noise(3 * 8 * 7 * 2, 2), 'r');
    const layer = layers.zeroPadding2d({ padding: [[1, 2], [0, 3]] });
    const f = valueAndGrad(() => ops.sum(ops.mul(layer.apply(ops.reshape(X, [3, 5, 4, 2])), R)));
    const value = f(), dx = Float32Array.from(X.grad);
    // By hand: y[n, i + 1, j, c] = x[n, i, j, c], zeros elsewhere; dx = r at the same places.
    let want = 0;
    const want_dx = new Float64Array(X.size);
    for (let n = 0; n < 3; n++) for (let i = 0; i < 5; i++) for (let j = 0; j < 4; j++) for (let c = 0; c < 2; c++) {
      const xi = ((n * 5 + i) * 4 + j) * 2 + c, ri = ((n * 8 + i + 1) * 7 + j) * 2 + c;
      want += X.value[xi] * R.value[ri];
      want_dx[xi] = R.value[ri];
    }
    expectClose([value], [want], 1e-5, 1e-6, 'L');
    expectClose(dx, want_dx, 0, 0, 'dx');
  });

  it('works in a Sequential and a functional Model alike, saves and loads bit for bit, and shows in the summary', () => {
    const seq = new Sequential(chain(), { seed: 3 });
    const ls = chain();
    const x = input({ shape: [5, 4, 2] });
    const fun = new Model({ inputs: x, outputs: ls.reduce((t, l) => l.apply(t), x) }, { seed: 3 });
    fun.setWeights(seq.getWeights());
    const p = seq.predict(images);
    expect(Array.from(fun.predict(images).data)).toEqual(Array.from(p.data));
    expect(seq.layers.map((l) => l.outputShape)).toEqual([[8, 7, 2], [6, 5, 3], [8, 7, 3], [168], [2]]);
    const again = Sequential.load(seq.save());
    expect(again.layers.map((l) => l.getConfig())).toEqual(seq.layers.map((l) => l.getConfig()));
    expect(Array.from(again.predict(images).data)).toEqual(Array.from(p.data));
    expect(seq.summary()).toMatch(/zeroPadding2d_0 \(zeroPadding2d\)\s+\[batch, 8, 7, 2\]/);
    seq.compile({ loss: 'mse', optimizer: optimizers.sgd({ lr: 0.1 }) });
    expect(Number.isFinite(seq.trainOnBatch(images, { data: noise(6, 4), shape: [3, 2] }) as number)).toBe(true);
    const funAgain = Model.load(fun.save());
    expect(Array.from(funAgain.predict(images).data)).toEqual(Array.from(p.data));
    for (const m of [seq, fun, again, funAgain]) m.dispose();
  });

  it('refuses bad paddings, unknown options and a non-image input', () => {
    expect(() => layers.zeroPadding2d({ padding: -1 })).toThrow(/zeroPadding2d: padding is a non-negative integer, \[height, width\] or \[\[top, bottom\], \[left, right\]\] of them, got -1/);
    expect(() => layers.zeroPadding2d({ padding: [[1, 2]] as never })).toThrow(/got \[\[1,2\]\]/);
    expect(() => layers.zeroPadding2d({ pading: 1 } as never)).toThrow(/pading/);
    expect(() => layers.zeroPadding2d().apply(input([5]))).toThrow(/zero_padding2d takes images \[batch, height, width, channels\], got \[batch, 5\]/);
  });
});
