// Weight decay left off some parameters (adam/adamw `exclude`, PyTorch's no-decay param group) and
// global-norm clipping (globalClipNorm, PyTorch's clip_grad_norm_), against adamw-groups.json
// (tools/golden/adamw_groups.py, PyTorch 1.13 float64): 30 full-batch steps of a dense-tanh,
// batch-norm, dense model whose kernels decay and whose biases, gamma and beta do not.
// Also: parameter roles, exclude by name pattern, save/load with exclude, and the errors.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { init, Sequential, layers, optimizers, parameter } from 'wasmnn';
import { golden, bits } from '../helpers/fixtures.js';

beforeAll(async () => {
  await init();
});
afterEach(() => vi.restoreAllMocks());

const g = golden('adamw-groups.json');
const x = { data: Float32Array.from(g.x), shape: g.xShape };
const y = g.y.map((v: number) => [v]);
const NAMES = Object.keys(g.weights);

function model() {
  const m = new Sequential([
    layers.dense({ inputDim: 3, units: 6, activation: 'tanh' }),
    layers.batchNorm(),
    layers.dense({ units: 4 }),
  ], { seed: 0 });
  expect(m.parameters().map((p) => p.name)).toEqual(NAMES);
  m.setWeights(NAMES.map((n) => g.weights[n]));
  return m;
}

/** The 31 losses (after 0..30 updates, training mode) of `opt` on the fixture's model, and its final weights. */
function train(opt: optimizers.Optimizer) {
  const m = model();
  m.compile({ loss: 'softmaxCrossEntropy', optimizer: opt, batchSize: 16 });
  const losses: number[] = [];
  for (let t = 0; t < g.steps; t++) losses.push(m.trainOnBatch(x, y));
  losses.push(m.lossAndGradients(x, y, { pure: true }).loss);
  const final = m.getWeights();
  m.dispose();
  return { losses, final };
}

function expectCase(name: string, got: { losses: number[]; final: Float32Array[] }) {
  const c = g.cases.find((k: { name: string }) => k.name === name);
  // Float32 against float64 over 30 Adam steps (worst seen: losses 1.5e-7 relative, weights 3.9e-7): 1e-6 and 2e-6.
  got.losses.forEach((l, t) => expect(Math.abs(l - c.losses[t]), `${name} loss after ${t} steps`).toBeLessThan(1e-6 * c.losses[t]));
  NAMES.forEach((n, i) => got.final[i].forEach((v, j) => expect(Math.abs(v - c.final[n][j]), `${name} ${n}[${j}]`).toBeLessThan(2e-6)));
}

describe('adamw-groups.json: decay on some parameters, PyTorch float64', () => {
  it('parameters know their roles: kernels are weights, biases biases, batch norm gamma and beta norms', () => {
    const m = model();
    expect(m.parameters().map((p) => p.role)).toEqual(['weight', 'bias', 'norm', 'norm', 'weight', 'bias']);
    expect(parameter([2]).role).toBe('weight');
    expect(parameter([2], undefined, 'my/bias').role).toBe('bias');
    expect(parameter([2], undefined, 'table', 'embedding').role).toBe('embedding');
    expect(() => parameter([2], undefined, 'x', 'kernel' as never)).toThrow(/role must be one of weight, bias, norm, embedding, got "kernel"/);
    m.dispose();
  });

  it("AdamW with exclude ['bias', 'norm'] is PyTorch's two groups (weight_decay 0.5 and 0)", () => {
    expectCase('adamw', train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: ['bias', 'norm'] })));
  });

  it('AdamW without exclude decays every parameter, as one group (and differs from the two groups)', () => {
    const all = train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5 }));
    expectCase('adamw_all', all);
    const c = g.cases.find((k: { name: string }) => k.name === 'adamw');
    expect(Math.abs(all.losses[30] - c.losses[30])).toBeGreaterThan(0.05);
  });

  it('Adam (L2 in the gradient) with exclude: weight_decay 0.05 on the kernels only', () => {
    expectCase('adam_l2', train(optimizers.adam({ lr: g.lr, weightDecay: 0.05, exclude: ['bias', 'norm'] })));
  });

  it('globalClipNorm 0.25 composes with exclude: clip_grad_norm_ over all gradients, then the grouped update', () => {
    const c = g.cases.find((k: { name: string }) => k.name === 'adamw_clip');
    expect(c.clipped.filter(Boolean).length).toBe(27); // clipping acted in 27 of the 30 steps
    expectCase('adamw_clip', train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: ['bias', 'norm'], globalClipNorm: 0.25 })));
  });

  it('name patterns select the same parameters as roles, bit for bit; a RegExp JSON form too', () => {
    const roles = train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: ['bias', 'norm'] }));
    const names = train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: [/\/bias$/, /^batch_norm/] }));
    const json = train(optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: [{ pattern: '/(bias|gamma|beta)$' }] }));
    expect(bits(names.final)).toEqual(bits(roles.final));
    expect(bits(json.final)).toEqual(bits(roles.final));
  });
});

describe('exclude through save and load', () => {
  it('a model saved with its optimizer resumes with the same exclusions, step for step', () => {
    const make = () => optimizers.adamw({ lr: g.lr, weightDecay: 0.5, exclude: ['norm', /dense_2\/bias/] });
    const a = model();
    a.compile({ loss: 'softmaxCrossEntropy', optimizer: make() });
    for (let t = 0; t < 5; t++) a.trainOnBatch(x, y);
    const saved = a.save({ includeOptimizer: true });
    expect(saved.topology.training?.optimizer.exclude).toEqual(['norm', { pattern: 'dense_2\\/bias', flags: '' }]);
    const b = Sequential.load({ topology: JSON.parse(JSON.stringify(saved.topology)), weights: saved.weights });
    for (let t = 0; t < 5; t++) expect(b.trainOnBatch(x, y)).toBe(a.trainOnBatch(x, y));
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    [a, b].forEach((m) => m.dispose());
  });
});

describe('errors', () => {
  it('an unknown role, exclude without weight decay, a bad pattern, a non-list, and both clip norms are refused', () => {
    expect(() => optimizers.adamw({ exclude: ['biases'] as never })).toThrow(/exclude\[0\] 'biases' is not a parameter role; the roles are 'weight', 'bias', 'norm', 'embedding'/);
    expect(() => optimizers.adam({ exclude: ['bias'] })).toThrow(/optimizers.adam: exclude leaves parameters out of weight decay, but weightDecay is 0/);
    expect(() => optimizers.adamw({ weightDecay: 0, exclude: ['bias'] })).toThrow(/weightDecay is 0/);
    expect(() => optimizers.adamw({ exclude: [{ pattern: '(' }] })).toThrow(/exclude\[0\] is not a valid pattern/);
    expect(() => optimizers.adamw({ exclude: 'bias' as never })).toThrow(/exclude must be a list of parameter roles/);
    expect(() => optimizers.adamw({ exclude: [3] as never })).toThrow(/exclude\[0\] must be a parameter role or a RegExp, got 3/);
    expect(() => optimizers.adamw({ excludes: ['bias'] } as never)).toThrow(/excludes/);
    expect(() => optimizers.adamw({ clipNorm: 1, globalClipNorm: 1 })).toThrow(/clipNorm .* and globalClipNorm .* are both set/);
    expect(() => optimizers.sgd({ lr: 0.1, globalClipNorm: -1 })).toThrow(/globalClipNorm must be a positive finite number, got -1/);
  });

  it('an exclusion that selects no parameter warns, naming it and the roles there are', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const m = model();
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ weightDecay: 0.1, exclude: ['embedding', /nothing/, 'bias'] }) });
    expect(warn.mock.calls.map((c) => c[0])).toEqual([
      "wasmnn: optimizers.adamw: exclude 'embedding' selects none of the 6 parameters (their roles: weight, bias, norm); it leaves nothing out of weight decay",
      'wasmnn: optimizers.adamw: exclude /nothing/ selects none of the 6 parameters (their roles: weight, bias, norm); it leaves nothing out of weight decay',
    ]);
    m.dispose();
  });

  it('a free-standing parameter set takes exclude too: the excluded one moves as without decay', () => {
    const w = parameter([3], [1, 2, 3]), b = parameter([2], [1, 1], 'b', 'bias');
    const w2 = parameter([3], [1, 2, 3]), b2 = parameter([2], [1, 1], 'b', 'bias');
    const opt = optimizers.adamw({ lr: 0.1, weightDecay: 0.5, exclude: ['bias'] }, [w, b]);
    const plain = optimizers.adam({ lr: 0.1 }, [b2]), decayed = optimizers.adamw({ lr: 0.1, weightDecay: 0.5 }, [w2]);
    for (let t = 0; t < 3; t++) {
      for (const p of [w, b, w2, b2]) p.grad.fill(0.25);
      opt.step();
      plain.step();
      decayed.step();
    }
    expect(bits([b.value])).toEqual(bits([b2.value]));
    expect(bits([w.value])).toEqual(bits([w2.value]));
  });
});

describe('the sequence layers give their parameters roles, so that exclude finds them', () => {
  it('embedding and positional tables are embeddings, layer norms and the block norms are norms, block biases are biases', async () => {
    await init(undefined, { simd: 'plain', threads: 1 });
    const m = new Sequential([
      layers.embedding({ inputDim: 7, outputDim: 8, inputShape: [4] } as never),
      layers.positionalEmbedding({ maxLength: 4, outputDim: 8 }),
      layers.transformerBlock({ numHeads: 2 }),
      layers.layerNormalization(),
      layers.dense({ units: 7 }),
    ], { seed: 1 });
    const roles = m.parameters().map((p) => [p.name.replace(/^[a-z_]+_\d+\//, ''), p.role]);
    const byRole = (r: string) => roles.filter(([, role]) => role === r).map(([name]) => name).sort();
    expect(byRole('embedding')).toEqual(['embeddings', 'embeddings']);
    expect(byRole('norm')).toEqual(['beta', 'gamma', 'ln_1/beta', 'ln_1/gamma', 'ln_2/beta', 'ln_2/gamma']);
    expect(byRole('bias').length).toBe(5); // the block's 4 dense biases and the head's
    m.dispose();
  });
});
