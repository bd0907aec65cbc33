// Unknown option keys are errors that name the key and, for a Keras or PyTorch spelling, the wasmnn
// one; applied to every options object outside the model (init has its own test in test/wasm).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, optimizers, schedules, callbacks, regularizers, initializers, data } from 'wasmnn';
import { checkOptions } from '../../src/validate/options.js';
import { checkCallbacks } from '../../src/callbacks/index.js';

beforeAll(async () => {
  await init();
});

describe('checkOptions', () => {
  const known = ['lr', 'epochs', 'batchSize', 'validationData', 'callbacks'];
  it('passes known keys and undefined options', () => {
    expect(() => checkOptions('f', { lr: 1, epochs: 2 }, known)).not.toThrow();
    expect(() => checkOptions('f', undefined, known)).not.toThrow();
  });
  it.each([
    ['learningRate', /f: unknown option 'learningRate'; use 'lr'. Known options: lr, epochs/],
    ['learning_rate', /unknown option 'learning_rate'; use 'lr'/],
    ['epoch', /unknown option 'epoch'; use 'epochs'/],
    ['validationSplit', /unknown option 'validationSplit'; use 'validationData' \(split the data first with data.trainTestSplit\)/],
    ['verbose', /unknown option 'verbose'; use 'callbacks' \(callbacks.progress\(\) prints a line per epoch\)/],
    ['batch_size', /unknown option 'batch_size'; use 'batchSize'/],
    ['batchsize', /use 'batchSize'/],
    ['bacthSize', /use 'batchSize'/],
    ['classWeight', /unknown option 'classWeight'. Known options/],
  ])('names %s and what to use', (key, message) => {
    expect(() => checkOptions('f', { [key]: 1 }, known)).toThrow(message);
  });
  it('applies a foreign name only where its wasmnn name exists', () => {
    expect(() => checkOptions('f', { learningRate: 1 }, ['epochs'])).toThrow(/unknown option 'learningRate'. Known options: epochs$/);
  });
  it('refuses what is not an options object', () => {
    expect(() => checkOptions('f', null, known)).toThrow(/f takes an options object, got null/);
    expect(() => checkOptions('f', [1], known)).toThrow(/got an array/);
    expect(() => checkOptions('f', 0.1, known)).toThrow(/got number 0.1/);
  });
});

describe('optimizers', () => {
  const all = { sgd: optimizers.sgd, adagrad: optimizers.adagrad, rmsprop: optimizers.rmsprop, adam: optimizers.adam, adamw: optimizers.adamw, adamax: optimizers.adamax, nadam: optimizers.nadam, adadelta: optimizers.adadelta };
  for (const [name, make] of Object.entries(all)) {
    it(`${name} refuses learningRate, names lr, and accepts its getConfig() back`, () => {
      expect(() => make({ learningRate: 0.1 } as never)).toThrow(new RegExp(`optimizers.${name}: unknown option 'learningRate'; use 'lr'`));
      const { kind: _kind, ...config } = make({ lr: 0.05 }).getConfig();
      expect(() => make(config as never)).not.toThrow();
    });
  }
  it('names the PyTorch and Keras spellings', () => {
    expect(() => optimizers.adam({ lr: 0.1, betas: [0.9, 0.99] } as never)).toThrow(/'betas'; use 'beta1' \(PyTorch's betas=\(b1, b2\) are beta1 and beta2\)/);
    expect(() => optimizers.adam({ epsilon: 1e-7 } as never)).toThrow(/'epsilon'; use 'eps'/);
    expect(() => optimizers.adam({ beta_1: 0.9 } as never)).toThrow(/'beta_1'; use 'beta1'/);
    expect(() => optimizers.sgd({ lr: 0.1, weight_decay: 1e-4 } as never)).toThrow(/'weight_decay'; use 'weightDecay'/);
    expect(() => optimizers.sgd({ lr: 0.1, clipnorm: 1 } as never)).toThrow(/'clipnorm'; use 'clipNorm'/);
    expect(() => optimizers.rmsprop({ rho: 0.9 } as never)).toThrow(/'rho'; use 'alpha'/);
    expect(() => optimizers.adadelta({ rho: 0.9 })).not.toThrow();
    expect(() => optimizers.adagrad({ initial_accumulator_value: 0.1 } as never)).toThrow(/use 'initialAccumulator'/);
    expect(() => new optimizers.Sgd({ lr: 0.1, momentun: 0.9 } as never)).toThrow(/'momentun'; use 'momentum'/);
  });
});

describe('schedules', () => {
  const cases: [string, (o: never) => unknown, Record<string, unknown>][] = [
    ['step', schedules.step as never, { initial: 0.1, stepSize: 2 }],
    ['multiStep', schedules.multiStep as never, { initial: 0.1, milestones: [2] }],
    ['exponential', schedules.exponential as never, { initial: 0.1, gamma: 0.9 }],
    ['cosine', schedules.cosine as never, { initial: 0.1, tMax: 5 }],
    ['linearWarmup', schedules.linearWarmup as never, { initial: 0.1 }],
    ['oneCycle', schedules.oneCycle as never, { maxLr: 0.1, totalSteps: 10 }],
    ['exponentialDecay', schedules.exponentialDecay as never, { initial: 0.1, decaySteps: 2, decayRate: 0.9 }],
    ['piecewiseConstant', schedules.piecewiseConstant as never, { boundaries: [2], values: [0.1, 0.01] }],
    ['reduceOnPlateau', schedules.reduceOnPlateau as never, { initial: 0.1 }],
  ];
  for (const [name, make, ok] of cases) {
    it(`${name} refuses an unknown key and takes its own getConfig() back`, () => {
      expect(() => make({ ...ok, scheduleUnit: 'step' } as never)).toThrow(new RegExp(`schedules.${name}: unknown option 'scheduleUnit'`));
      const s = make(ok as never) as { getConfig(): { kind: string } };
      expect(schedules.fromConfig(s.getConfig()).getConfig()).toEqual(s.getConfig());
      expect((make(s.getConfig() as never) as typeof s).getConfig()).toEqual(s.getConfig()); // kind is allowed
    });
  }
  it('names the PyTorch and Keras spellings', () => {
    expect(() => schedules.step({ initial: 0.1, step_size: 2 } as never)).toThrow(/'step_size'; use 'stepSize'/);
    expect(() => schedules.cosine({ initial: 0.1, T_max: 5 } as never)).toThrow(/'T_max'; use 'tMax'/);
    expect(() => schedules.exponentialDecay({ initial_learning_rate: 0.1, decaySteps: 2, decayRate: 0.9 } as never)).toThrow(/'initial_learning_rate'; use 'initial'/);
    expect(() => schedules.reduceOnPlateau({ initial: 0.1, minDelta: 0.01 } as never)).toThrow(/'minDelta'; use 'threshold'/);
    expect(() => schedules.step(undefined as never)).toThrow(/schedule initial must be a positive finite number, got undefined/);
  });
});

describe('callbacks', () => {
  it('earlyStopping and progress refuse unknown keys', () => {
    expect(() => callbacks.earlyStopping({ restore_best_weights: true } as never)).toThrow(/callbacks.earlyStopping: unknown option 'restore_best_weights'; use 'restoreBestWeights'/);
    expect(() => callbacks.earlyStopping({ baseline: 0.5 } as never)).toThrow(/unknown option 'baseline'/);
    expect(() => callbacks.progress({ verbose: 1 } as never)).toThrow(/callbacks.progress: unknown option 'verbose'/);
  });
  it('checkCallbacks refuses a plain function, a misspelt hook and an object with no hook', () => {
    expect(() => checkCallbacks('fit', [callbacks.earlyStopping(), callbacks.progress(), { onEpochEnd: () => {} }])).not.toThrow();
    expect(() => checkCallbacks('fit', [() => {}])).toThrow(/fit: callbacks\[0\] is a function; a callback is an object with hooks such as onEpochEnd/);
    expect(() => checkCallbacks('fit', [{ on_epoch_end: () => {} }])).toThrow(/callbacks\[0\] has 'on_epoch_end', which fit never calls; use 'onEpochEnd'/);
    expect(() => checkCallbacks('fit', [{ onEpochEnd: 1 }])).toThrow(/callbacks\[0\].onEpochEnd must be a function, got number/);
    expect(() => checkCallbacks('fit', [{}])).toThrow(/has none of the hooks/);
    expect(() => checkCallbacks('fit', callbacks.progress())).toThrow(/callbacks must be an array/);
  });
});

describe('regularizers and initializers', () => {
  it('l1l2 refuses unknown keys; l1/l2 take a number or their Keras keyword', () => {
    expect(() => regularizers.l1l2({ l3: 1 } as never)).toThrow(/regularizers.l1l2: unknown option 'l3'; use 'l1'/);
    expect(regularizers.l2({ l2: 0.5 }).l2).toBe(0.5);
    expect(() => regularizers.l2({ l1: 0.5 } as never)).toThrow(/regularizers.l2: unknown option 'l1'; use 'l2' \(for both penalties use regularizers.l1l2/);
  });
  it('constant, uniform and normal take their arguments as an options object too, checked', () => {
    expect(initializers.normal({ mean: 1, std: 2 }).getConfig()).toEqual({ name: 'normal', mean: 1, std: 2 });
    expect(initializers.uniform({ a: -1, b: 1 }).getConfig()).toEqual({ name: 'uniform', a: -1, b: 1 });
    expect(initializers.constant({ value: 3 }).getConfig()).toEqual({ name: 'constant', value: 3 });
    expect(() => initializers.normal({ mean: 0, stddev: 0.05 } as never)).toThrow(/initializers.normal: unknown option 'stddev'; use 'std'/);
    expect(() => initializers.uniform({ minval: -1, maxval: 1 } as never)).toThrow(/unknown option 'minval'; use 'a'/);
    expect(initializers.normal(1, 2).getConfig()).toEqual({ name: 'normal', mean: 1, std: 2 });
  });
});

describe('data helpers', () => {
  it.each([
    ['makeMoons', () => data.makeMoons({ n_samples: 10 } as never), /data.makeMoons: unknown option 'n_samples'; use 'n'/],
    ['makeCircles', () => data.makeCircles({ random_state: 1 } as never), /data.makeCircles: unknown option 'random_state'; use 'seed'/],
    ['makeSpirals', () => data.makeSpirals({ turn: 2 } as never), /data.makeSpirals: unknown option 'turn'; use 'turns'/],
    ['makeXor', () => data.makeXor({ noize: 0.1 } as never), /data.makeXor: unknown option 'noize'; use 'noise'/],
    ['makeRegression', () => data.makeRegression({ n_features: 3 } as never), /data.makeRegression: unknown option 'n_features'/],
    ['trainTestSplit', () => data.trainTestSplit(data.makeMoons().x, data.makeMoons().y, { test_size: 0.2 } as never), /data.trainTestSplit: unknown option 'test_size'; use 'testSize'/],
    ['parseCsv', () => data.parseCsv('a\n1', { headers: true } as never), /data.parseCsv: unknown option 'headers'; use 'header'/],
    ['loadCsv', () => data.loadCsv('a,b\n1,2', { label: 0 } as never), /data.loadCsv: unknown option 'label'/],
  ])('%s refuses an unknown key', (_name, call, message) => {
    expect(call).toThrow(message);
  });
});
