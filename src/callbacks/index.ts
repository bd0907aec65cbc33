// Callbacks: hooks fit calls at the start of training and after every epoch. A callback
// stops training by returning false from onEpochEnd.
import { checkOptions, optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';

/** What fit reports after each epoch: the loss and every metric (`valLoss`, `valAccuracy`, ... for validation data). */
export interface EpochLogs {
  loss: number;
  [metric: string]: number;
}

export interface CallbackModel {
  getWeights(): Float32Array[];
  setWeights(w: Float32Array[]): void;
  /** The compiled optimizer. */
  readonly optimizer: { currentLr: number; setLearningRate(lr: number): void } | undefined;
}

export interface Callback {
  onTrainBegin?(model: CallbackModel): void;
  onEpochBegin?(epoch: number, model: CallbackModel): void;
  onEpochEnd?(epoch: number, logs: EpochLogs, model: CallbackModel): boolean | void;
  onTrainEnd?(model: CallbackModel): void;
}

export interface EarlyStoppingOptions {
  /** The metric to watch: 'valLoss' (default; 'loss' when there is no validation data), 'valAccuracy', ... */
  monitor?: string;
  /** Epochs without improvement after which training stops (Keras: stops at the `patience`-th). Default 0. */
  patience?: number;
  /** The smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** 'min' or 'max'; default 'max' for accuracy metrics, 'min' otherwise. */
  mode?: 'min' | 'max';
  /** Put back the weights of the best epoch when stopping (or at the end). Default false. */
  restoreBestWeights?: boolean;
}

const EARLY_STOPPING_KEYS = optionKeys<EarlyStoppingOptions>({ monitor: true, patience: true, minDelta: true, mode: true, restoreBestWeights: true });

/**
 * Stops training when the monitored metric has not improved by minDelta for `patience` epochs (Keras EarlyStopping).
 * @example model.fit(x, y, { validationData: [xv, yv], callbacks: [callbacks.earlyStopping({ patience: 5, restoreBestWeights: true })] })
 */
export function earlyStopping(options: EarlyStoppingOptions = {}): Callback & { stoppedEpoch: number; bestEpoch: number } {
  checkOptions('callbacks.earlyStopping', options, EARLY_STOPPING_KEYS);
  const { patience = 0, minDelta = 0, restoreBestWeights = false } = options;
  if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`wasmnn: earlyStopping patience must be an integer >= 0, got ${describe(patience)}`);
  if (typeof minDelta !== 'number' || !(minDelta >= 0) || !Number.isFinite(minDelta)) throw new RangeError(`wasmnn: earlyStopping minDelta must be a finite number >= 0, got ${describe(minDelta)}`);
  let best = NaN, wait = 0, weights: Float32Array[] | undefined;
  const state = {
    stoppedEpoch: -1,
    bestEpoch: -1,
    onTrainBegin() {
      best = NaN;
      wait = 0;
      weights = undefined;
      state.stoppedEpoch = -1;
      state.bestEpoch = -1;
    },
    onEpochEnd(epoch: number, logs: EpochLogs, model: CallbackModel) {
      const key = options.monitor ?? ('valLoss' in logs ? 'valLoss' : 'loss');
      const v = logs[key];
      if (v === undefined) throw new RangeError(`wasmnn: earlyStopping monitors '${key}', which fit does not report (it has: ${Object.keys(logs).join(', ')})`);
      const max = (options.mode ?? (/acc/i.test(key) ? 'max' : 'min')) === 'max';
      const improved = Number.isNaN(best) || (max ? v > best + minDelta : v < best - minDelta);
      if (improved) {
        best = v;
        wait = 0;
        state.bestEpoch = epoch;
        if (restoreBestWeights) weights = model.getWeights();
        return;
      }
      // As Keras: the patience-th epoch in a row without improvement is the last (patience 0
      // stops at the first).
      if (++wait >= patience) {
        state.stoppedEpoch = epoch;
        if (restoreBestWeights && weights) model.setWeights(weights);
        return false;
      }
    },
    onTrainEnd(model: CallbackModel) {
      if (restoreBestWeights && weights && state.stoppedEpoch < 0) model.setWeights(weights);
    },
  };
  return state;
}

/**
 * Sets the learning rate at the start of every epoch from `fn(epoch, currentLr)` (Keras
 * LearningRateScheduler); `fn` may also be a schedule, whose rate(epoch) is used.
 * @example callbacks.learningRateScheduler((epoch, lr) => (epoch < 10 ? lr : lr * 0.9))
 */
export function learningRateScheduler(fn: ((epoch: number, lr: number) => number) | { rate(epoch: number): number }): Callback {
  const f = typeof fn === 'function' ? fn : (e: number) => fn.rate(e);
  if (typeof f !== 'function') throw new TypeError('wasmnn: learningRateScheduler takes a function (epoch, lr) => lr or a schedule');
  return {
    onEpochBegin(epoch, model) {
      const opt = model.optimizer;
      if (!opt) throw new Error('wasmnn: learningRateScheduler needs a compiled model');
      opt.setLearningRate(f(epoch, opt.currentLr));
    },
  };
}

/**
 * Prints one line per epoch (every `every` epochs) with the loss and metrics. Quiet when not on a
 * terminal or under CI, unless `force` is set; `write` redirects the output.
 * NOTE: the epoch printed is the one in history.epoch and in every callback's `epoch`, counted
 * from 0 (Keras' progress bar counts from 1): "epoch 0" is the first.
 */
export function progress(options: { every?: number; force?: boolean; write?: (line: string) => void } = {}): Callback {
  checkOptions('callbacks.progress', options, ['every', 'force', 'write']);
  const { every = 1, force = false, write } = options;
  if (!Number.isInteger(every) || every <= 0) throw new RangeError(`wasmnn: progress every must be a positive integer, got ${describe(every)}`);
  const g = globalThis as { process?: { stdout?: { isTTY?: boolean; write?: (s: string) => void }; env?: Record<string, string | undefined> } };
  const quiet = !force && (!g.process?.stdout?.isTTY || !!g.process?.env?.CI);
  const out = write ?? ((line: string) => (g.process?.stdout?.write ? g.process.stdout.write(line + '\n') : console.log(line)));
  return {
    onEpochEnd(epoch, logs) {
      if (quiet || (epoch + 1) % every !== 0) return;
      out(`epoch ${epoch}: ` + Object.entries(logs).map(([k, v]) => `${k} ${v.toPrecision(4)}`).join(', '));
    },
  };
}

const HOOKS = ['onTrainBegin', 'onEpochBegin', 'onEpochEnd', 'onTrainEnd'] as const;

/**
 * Throws unless every entry is a callback object: not a function (give that as fit's onEpochEnd),
 * with at least one hook, and no misspelt hook (on_epoch_end, onEpochend) that would never be called.
 * Other keys are the callback's own state (earlyStopping's stoppedEpoch) and are left alone.
 */
export function checkCallbacks(where: string, callbacks: unknown): void {
  if (callbacks === undefined) return;
  if (!Array.isArray(callbacks)) throw new TypeError(`wasmnn: ${where}: callbacks must be an array of callback objects, got ${typeof callbacks === 'function' ? 'a function' : typeof callbacks}`);
  callbacks.forEach((cb: unknown, i) => {
    const at = `${where}: callbacks[${i}]`;
    if (typeof cb === 'function') {
      throw new TypeError(`wasmnn: ${at} is a function; a callback is an object with hooks such as onEpochEnd(epoch, logs, model) (callbacks.earlyStopping() returns one), or pass the function as fit's onEpochEnd`);
    }
    if (cb === null || typeof cb !== 'object') throw new TypeError(`wasmnn: ${at} must be a callback object, got ${cb === null ? 'null' : typeof cb}`);
    const keys = Object.keys(cb);
    const norm = (k: string) => k.toLowerCase().replace(/_/g, '');
    for (const k of keys) {
      const hook = HOOKS.find((h) => norm(h) === norm(k) && h !== k);
      if (hook) throw new RangeError(`wasmnn: ${at} has '${k}', which fit never calls; use '${hook}'`);
    }
    for (const h of HOOKS) {
      const f = (cb as Record<string, unknown>)[h];
      if (f !== undefined && typeof f !== 'function') throw new TypeError(`wasmnn: ${at}.${h} must be a function, got ${typeof f}`);
    }
    if (!HOOKS.some((h) => typeof (cb as Record<string, unknown>)[h] === 'function')) {
      throw new TypeError(`wasmnn: ${at} has none of the hooks ${HOOKS.join(', ')}`);
    }
  });
}
