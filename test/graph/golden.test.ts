// The graph engine against PyTorch (autodiff.json, float64) and against the float64 reference of
// test/helpers/ops64.ts (itself checked against the same file and against central differences in
// ops64.test.ts). Tolerances, all stated as |got - want| <= rel * (|want| + scale):
//   op cases: value and every input gradient, rel 1e-5, scale 1 (float32, one op);
//   every op at seeded inputs (finite differences): engine vs the reference's gradient at the same
//   float32 inputs, rel 1e-5, scale 1; the reference vs float64 central differences is ops64.test.ts;
//   the residual model: loss and gradients, rel 1e-4, scale = the largest |gradient| of that parameter;
//   the seed GradientTape run and the momentum example: w after each step, rel 1e-4 (1e-6 for momentum).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Model, input, ops, layers, parameter, valueAndGrad, optimizers } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';
import { KINKS, engineGrad, fromJson, goldenGraph, grad64, opChecks, printGraph, type EngineApi, type GoldenOpCase } from '../helpers/ops64.js';

beforeAll(async () => {
  await init();
});

const api = { ops, parameter, input, valueAndGrad } as unknown as EngineApi;
const g = golden('autodiff.json');

describe('autodiff.json op cases: engine vs PyTorch, |got - want| <= 1e-5 * (|want| + 1)', () => {
  const cases = g.ops as GoldenOpCase[];
  it('has the 39 op cases', () => expect(cases.length).toBe(39));
  for (const c of cases) {
    it(`${c.op} ${JSON.stringify(c.params)}`, () => {
      const graph = goldenGraph(c);
      // Run twice: valueAndGrad writes the gradient, it does not accumulate it.
      const { value, grads } = engineGrad(api, graph, 2);
      const out = fromJson(c.out).data;
      const up = fromJson(c.upstream).data;
      const L = out.reduce((s, v, i) => s + v * up[i], 0);
      expectClose([value], [L], 1e-5, 1e-5, `${c.op} L = sum(out * upstream)`);
      // d L / d upstream is the op's value, element by element.
      expectClose(grads[graph.leaves.length - 1]!, out, 1e-5, 1e-5, `${c.op} value`);
      c.grads.forEach((want, k) => {
        if (want !== null) expectClose(grads[k]!, fromJson(want).data, 1e-5, 1e-5, `${c.op} gradient of input ${k}`);
      });
    });
  }
});

describe('every op at seeded inputs: engine vs the float64 reference, |got - want| <= 1e-5 * (|want| + 1)', () => {
  for (const { name, graph } of opChecks()) {
    it(name, () => {
      const want = grad64(graph);
      const got = engineGrad(api, graph);
      const what = `${name}\n${printGraph(graph)}\n`;
      expectClose([got.value], [want.value], 1e-5, 1e-5, `${what}value`);
      got.grads.forEach((gk, k) => {
        if (gk) expectClose(gk, want.grads[k], 1e-5, 1e-5, `${what}gradient of v${k}`);
      });
    });
  }
});

describe('ties and kinks: PyTorch 1.13 backward rules, worked by hand', () => {
  for (const k of KINKS) {
    it(k.name, () => {
      const { grads } = engineGrad(api, k.graph);
      k.grads.forEach((want, i) => expectClose(grads[i]!, want, 1e-6, 1e-7, `${k.name}: leaf ${i}`));
    });
  }
});

describe('autodiff.json residual model: loss and gradients, |got - want| <= 1e-4 * (|want| + max |want| of the parameter)', () => {
  const m = g.models[0];
  it(m.description, () => {
    const x = input([5]);
    const h1 = layers.dense({ units: 6, activation: 'relu' }).apply(x);
    const h2 = layers.dense({ units: 6 }).apply(h1);
    const out = layers.dense({ units: 3 }).apply(ops.relu(ops.add(h1, h2)));
    const model = new Model({ inputs: x, outputs: out }, { seed: 0 });
    model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.sgd({ lr: 0.1 }) });
    // getWeights() order: layers in order of first application, each W [in, out] then b.
    model.setWeights(m.weights);
    const X = m.inputs[0] as number[][];
    const pred = model.predict(X);
    const scaleOut = Math.max(...m.output.flat().map(Math.abs));
    expectClose(pred.data, m.output.flat(), 1e-4, 1e-4 * scaleOut, 'output');
    const { loss, grads } = model.lossAndGradients(X, m.target);
    expectClose([loss], [m.loss], 1e-4, 0, 'loss');
    expect(grads.length).toBe(m.grads.length);
    m.grads.forEach((want: number[][] | number[], i: number) => {
      const flat = want.flat() as number[];
      const scale = Math.max(...flat.map(Math.abs));
      expectClose(grads[i], flat, 1e-4, 1e-4 * scale, `gradient of weight ${i}`);
    });
  });
});

describe('the seed examples through valueAndGrad', () => {
  it('GradientTape run: w = 5, loss (w+1)^2, lr = 0.4 * 0.9^(epoch/2), 40 epochs; w within 1e-4 relative', () => {
    const s = g.seed_gradient_tape;
    const w = parameter([1], [s.w0]);
    const f = valueAndGrad(() => ops.square(ops.add(w, 1)));
    const ws: number[] = [];
    const losses: number[] = [];
    for (let epoch = 0; epoch < s.epochs; epoch++) {
      losses.push(f());
      w.value[0] -= s.lrBase * s.lrDecay ** (epoch / s.lrStep) * w.grad[0];
      ws.push(w.value[0]);
    }
    expectClose(ws, s.w, 1e-4, 0, 'w after each epoch');
    // The loss near the optimum is (float32 rounding of w + 1)^2: an absolute 1e-8 covers it.
    expectClose(losses, s.lossBefore, 1e-4, 1e-8, 'loss before each update');
  });

  it('PyTorch momentum: loss = ((w**2)*0.5).sum(), SGD lr 0.01 momentum 0.9: 1 -> 0.99 -> 0.9711', () => {
    const ex = golden('optimizers.json').seed_examples.momentum_half_w2;
    const w = parameter([1], [ex.w0]);
    const f = valueAndGrad(() => ops.sum(ops.mul(ops.pow(w, 2), 0.5)));
    const opt = optimizers.sgd(ex.hyper, [w]);
    const ws: number[] = [];
    const losses: number[] = [];
    for (let step = 0; step < ex.w.length; step++) {
      losses.push(f());
      opt.step();
      ws.push(w.value[0]);
    }
    expectClose(ws, ex.w, 1e-6, 0, 'w after each step');
    expectClose(losses, [0.5 * ex.w0 ** 2, 0.5 * ex.w[0] ** 2], 1e-6, 0, 'loss before each step');
  });
});
