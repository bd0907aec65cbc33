// layers.spatialDropout2d (Keras' SpatialDropout2D; PyTorch's nn.Dropout2d, channels-first there):
// in training one mask value per (sample, channel), 0 or exactly f32(1/(1-rate)), at every pixel,
// forward and backward the same; the expectation kept; the identity in evaluation; a seed of the
// layer's own; save/load continuing the stream; the same bits on 1 and 2 threads.
import { describe, expect, it } from 'vitest';
import { init, layers, ops, optimizers, parameter, Sequential, valueAndGrad, toPytorchModule } from 'wasmnn';
import onnxProto from 'onnx-proto';
import { toOnnx } from 'wasmnn/onnx';

const noise = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 9.1 + i * 12.9898) * 0.999 + 0.001);
const [N, H, W, C] = [8, 3, 4, 50];
const keep = Math.fround(1 / (1 - 0.4));

describe('layers.spatialDropout2d', () => {
  it('in training: one mask value per (sample, channel), 0 or f32(1/(1-rate)), the same at every pixel, forward and backward', async () => {
    await init({ threads: 1 });
    const X = parameter([N, H, W, C], noise(N * H * W * C, 1), 'x');
    const R = parameter([N, H, W, C], new Float32Array(N * H * W * C).fill(1), 'r');
    const l = layers.spatialDropout2d({ rate: 0.4 });
    // L = sum(y * r), r = 1: dL/dx = mask, dL/dr = y = x * mask.
    valueAndGrad(() => ops.sum(ops.mul(l.apply(ops.reshape(X, [N, H, W, C])), R)))();
    let kept = 0;
    const rows = new Set<string>();
    for (let n = 0; n < N; n++) {
      const row: number[] = [];
      for (let c = 0; c < C; c++) {
        const m = X.grad[((n * H) * W) * C + c];
        expect([0, keep]).toContain(m);
        row.push(m);
        if (m) kept++;
        for (let p = 0; p < H * W; p++) {
          const i = (n * H * W + p) * C + c;
          expect(X.grad[i]).toBe(m);
          expect(R.grad[i]).toBe(Math.fround(X.value[i] * m));
        }
      }
      rows.add(row.join());
    }
    expect(rows.size).toBe(N); // each sample has its own mask
    expect(Math.abs(kept / (N * C) - 0.6)).toBeLessThan(0.1); // binomial(400, 0.6): sd 0.024
  });

  it('keeps the expectation: the mean mask over 8000 draws is 1 within 0.04 (sd 0.009)', async () => {
    await init({ threads: 1 });
    const X = parameter([N, 1, 1, C], new Float32Array(N * C).fill(1), 'x');
    const l = layers.spatialDropout2d({ rate: 0.4 });
    const f = valueAndGrad(() => ops.sum(l.apply(ops.reshape(X, [N, 1, 1, C]))));
    let sum = 0;
    for (let t = 0; t < 20; t++) sum += f();
    expect(Math.abs(sum / (20 * N * C) - 1)).toBeLessThan(0.04);
  });

  const model = (seed: number, layerSeed?: number, side = 5) => {
    const m = new Sequential([
      layers.conv2d({ inputShape: [side, side, 2], filters: 6, kernelSize: 3, activation: 'relu' }),
      layers.spatialDropout2d({ rate: 0.5, seed: layerSeed }),
      layers.flatten(),
      layers.dense({ units: 2 }),
    ], { seed });
    m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.01 }) });
    return m;
  };
  const x = { data: noise(6 * 50, 2), shape: [6, 5, 5, 2] };
  const y = { data: noise(12, 3), shape: [6, 2] };
  const bits = (ws: Float32Array[]) => ws.map((w) => Array.from(new Uint32Array(w.slice().buffer)));

  it('is the identity in evaluation; ONNX writes nothing for it, PyTorch nn.Dropout2d', async () => {
    await init({ threads: 1 });
    const m = model(1);
    const x2 = { data: noise(6 * 54, 4), shape: [6, 3, 3, 6] };
    const only = new Sequential([layers.spatialDropout2d({ rate: 0.5, inputShape: [3, 3, 6] })]);
    expect(Array.from(only.predict(x2).data)).toEqual(Array.from(x2.data));
    expect(toPytorchModule(m)).toMatch(/nn\.ReLU\(\),  # 1\n    nn\.Dropout2d\(p=0\.5\),  # 2\n/);
    expect(onnxProto.onnx.ModelProto.decode(toOnnx(m)).graph!.node.map((n) => n.opType)).toEqual(['Transpose', 'Conv', 'Relu', 'Transpose', 'Flatten', 'Gemm']);
    expect(() => layers.spatialDropout2d({ rate: 1 })).toThrow(/rate must be in \[0, 1\), got 1/);
    expect(() => layers.spatialDropout2d({ rate: 0.5, seed: -1 })).toThrow(/seed must be a non-negative integer/);
    expect(() => new Sequential([layers.spatialDropout2d({ rate: 0.5, inputShape: [4, 3] })])).toThrow(/layer 0 \(spatialDropout2d_0\) takes images \[batch, height, width, channels\], got \[batch, 4, 3\]/);
  });

  it("a layer seed fixes its masks whatever the model's seed; without one the model's stream draws them", async () => {
    await init({ threads: 1 });
    const grads = (seed: number, layerSeed?: number) => {
      const m = model(seed, layerSeed);
      if (seed !== 1) m.setWeights(model(1).getWeights());
      return bits(m.lossAndGradients(x, y).grads);
    };
    expect(grads(2, 7)).toEqual(grads(1, 7));
    expect(grads(2, 7)).not.toEqual(grads(1, 8));
    expect(grads(2)).not.toEqual(grads(1));
  });

  for (const layerSeed of [undefined, 7]) {
    it(`save and load ${layerSeed === undefined ? '(the model\'s stream)' : '(its own stream)'}: 3 steps, save, 3 more equal 6 steps, bit for bit`, async () => {
      await init({ threads: 1 });
      const a = model(4, layerSeed), b = model(4, layerSeed);
      for (let t = 0; t < 3; t++) a.trainOnBatch(x, y), b.trainOnBatch(x, y);
      const c = Sequential.load(b.save({ includeOptimizer: true }));
      expect(c.layers.map((l) => l.getConfig())).toEqual(b.layers.map((l) => l.getConfig()));
      for (let t = 0; t < 3; t++) a.trainOnBatch(x, y), c.trainOnBatch(x, y);
      expect(bits(c.getWeights())).toEqual(bits(a.getWeights()));
    });
  }

  it('trains to the same bits on 1 and 2 threads', async () => {
    const run = async (threads: number, layerSeed?: number) => {
      const rt = await init({ threads, simd: 'plain' });
      const m = model(5, layerSeed, 16); // large enough for the GEMMs to split
      const big = { data: noise(128 * 512, 6), shape: [128, 16, 16, 2] }, yy = { data: noise(256, 7), shape: [128, 2] };
      for (let t = 0; t < 5; t++) m.trainOnBatch(big, yy);
      const out = bits(m.getWeights());
      if (threads > 1) expect(rt.splitCalls()).toBeGreaterThan(0);
      m.dispose();
      if (threads > 1) rt.close();
      return out;
    };
    for (const layerSeed of [undefined, 7]) {
      const one = await run(1, layerSeed);
      expect(await run(2, layerSeed)).toEqual(one);
    }
  }, 60_000);
});
