// Every optimizer against optimizers.json (PyTorch float64): 30 steps on
// 0.5*w'Aw - b'w + 0.025*sum(w^4) from w0, trajectory within 1e-4 relative; the seed examples;
// hyper-parameter validation; clipping; a zero gradient leaves weights unchanged.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, optimizers, parameter } from 'wasmnn';
import { golden } from '../helpers/fixtures.js';
import { expectClose } from '../helpers/wasm.js';

beforeAll(async () => {
  await init();
});

const g = golden('optimizers.json');
const FACTORY: Record<string, (o: any, p: any) => any> = {
  sgd: optimizers.sgd, sgd_momentum: optimizers.sgd, sgd_nesterov: optimizers.sgd, sgd_momentum_dampening: optimizers.sgd,
  sgd_weight_decay: optimizers.sgd, adagrad: optimizers.adagrad, adagrad_init_acc: optimizers.adagrad, rmsprop: optimizers.rmsprop,
  rmsprop_alpha09: optimizers.rmsprop, rmsprop_momentum_centered: optimizers.rmsprop, adam: optimizers.adam, adam_amsgrad: optimizers.adam,
  adam_l2: optimizers.adam, adamw: optimizers.adamw, adamax: optimizers.adamax, nadam: optimizers.nadam, adadelta: optimizers.adadelta,
};

/** Gradient of 0.5*w'Aw - b'w + 0.025*sum(w^4), in float64: 0.5*(A + A')w - b + 0.1*w^3. */
function gradient(w: ArrayLike<number>): number[] {
  const n = w.length;
  return Array.from({ length: n }, (_, i) => {
    let s = 0;
    for (let j = 0; j < n; j++) s += 0.5 * (g.A[i][j] + g.A[j][i]) * w[j];
    return s - g.b[i] + 0.1 * w[i] ** 3;
  });
}

describe('optimizers.json: 30-step trajectories', () => {
  it('covers all 17 cases', () => expect(g.cases.map((c: any) => c.name).sort()).toEqual(Object.keys(FACTORY).sort()));
  for (const c of g.cases) {
    it(`${c.name} ${JSON.stringify(c.hyper)}`, () => {
      const { note, ...hyper } = c.hyper;
      const w = parameter([g.w0.length], g.w0);
      const opt = FACTORY[c.name](hyper, [w]);
      c.trajectory.forEach((want: number[], step: number) => {
        w.grad.set(gradient(w.value));
        opt.step();
        expectClose(w.value, want, 1e-4, 1e-6, `${c.name} step ${step + 1}`);
      });
    });
  }
});

describe('seed examples (loss 0.5*w^2, gradient w)', () => {
  const run = (opt: any, w: any, steps: number) => Array.from({ length: steps }, () => {
    w.grad.set([w.value[0]]);
    opt.step();
    return w.value[0];
  });
  it('momentum 0.9, lr 0.01: 1 -> 0.99 -> 0.9711', () => {
    const w = parameter([1], [1]);
    const ex = g.seed_examples.momentum_half_w2;
    expectClose(run(optimizers.sgd(ex.hyper, [w]), w, 2), ex.w, 1e-6, 0);
  });
  it('adagrad lr 0.01', () => {
    const ex = g.seed_examples.adagrad_half_w2;
    const w = parameter([1], [ex.w0]);
    expectClose(run(optimizers.adagrad(ex.hyper, [w]), w, ex.w.length), ex.w, 1e-6, 0);
  });
  it('RMSprop alpha 0.9, lr 0.01: 0.1 -> 0.0684', () => {
    const ex = g.seed_examples.rmsprop_half_w2;
    const w = parameter([1], [ex.w0]);
    expectClose(run(optimizers.rmsprop(ex.hyper, [w]), w, ex.w.length), ex.w, 1e-5, 0);
  });
});

describe('behaviour', () => {
  it('a zero gradient leaves weights unchanged, except for decoupled decay', () => {
    for (const make of [optimizers.sgd, optimizers.adagrad, optimizers.rmsprop, optimizers.adam, optimizers.adamax, optimizers.nadam, optimizers.adadelta]) {
      const w = parameter([3], [1, -2, 3]);
      const opt = make({ lr: 0.1 } as never, [w]);
      for (let i = 0; i < 3; i++) opt.step();
      expect(Array.from(w.value)).toEqual([1, -2, 3]);
    }
    const w = parameter([2], [1, -2]);
    const opt = optimizers.adamw({ lr: 0.1, weightDecay: 0.5 }, [w]);
    opt.step();
    expectClose(w.value, [0.95, -1.9], 1e-7, 0, 'adamw decay only'); // w*(1 - lr*wd)
  });
  it('clipValue and clipNorm (Keras semantics) act on the gradient before the update', () => {
    const w = parameter([2], [0, 0]);
    const opt = optimizers.sgd({ lr: 1, clipValue: 0.5 }, [w]);
    w.grad.set([2, -0.25]);
    opt.step();
    expect(Array.from(w.value)).toEqual([-0.5, 0.25]);
    const v = parameter([2], [0, 0]);
    const o2 = optimizers.sgd({ lr: 1, clipNorm: 1 }, [v]);
    v.grad.set([3, 4]); // norm 5 -> scaled to norm 1
    o2.step();
    expectClose(v.value, [-0.6, -0.8], 1e-6, 0);
  });
  it('invalid hyper-parameters throw at construction, naming them', () => {
    expect(() => optimizers.adam({ lr: -1 })).toThrow(/lr must be a positive/);
    expect(() => optimizers.adam({ beta1: 1 })).toThrow(/beta1 must be in \[0, 1\)/);
    expect(() => optimizers.adam({ beta2: -0.1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => optimizers.adam({ eps: 0 })).toThrow(/eps must be a positive/);
    expect(() => optimizers.rmsprop({ alpha: 1.5 })).toThrow(/alpha must be in \[0, 1\)/);
    expect(() => optimizers.sgd({ lr: 0.1, momentum: -0.9 })).toThrow(/momentum must be a finite number >= 0/);
    expect(() => optimizers.sgd({ lr: 0.1, nesterov: true })).toThrow(/nesterov momentum needs momentum > 0/);
    expect(() => optimizers.sgd({ lr: 0.1, clipNorm: 0 })).toThrow(/clipNorm must be a positive/);
    expect(() => optimizers.adadelta({ rho: 2 })).toThrow(/rho must be in \[0, 1\]/);
    expect(() => optimizers.sgd({})).toThrow(/lr is required/);
  });
  it('step() before any parameters is a clear error', () => {
    expect(() => optimizers.adam({}).step()).toThrow(/before it has parameters/);
  });
});
