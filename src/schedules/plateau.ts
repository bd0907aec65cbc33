// ReduceLROnPlateau (PyTorch): after each epoch, observe(metric). An improvement is
// metric < best*(1 - threshold) ('rel', mode 'min'; the mirror image for 'max', or +-threshold
// for 'abs'). After more than `patience` epochs without one, lr <- max(lr*factor, minLr) (if that
// changes it by more than eps), then `cooldown` epochs of grace. Stateful: rate() is the current rate.
import { type Schedule, nonNegative, positive, checkScheduleOptions } from './schedule.js';
import { optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';

export interface PlateauOptions {
  initial: number;
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  mode?: 'min' | 'max';
  cooldown?: number;
  minLr?: number;
  eps?: number;
}

export interface PlateauSchedule extends Schedule {
  /** Feeds the monitored metric of the epoch that just ended; returns the rate for the next. */
  observe(metric: number): number;
  reset(): void;
}

const KEYS = optionKeys<PlateauOptions>({ initial: true, factor: true, patience: true, threshold: true, thresholdMode: true, mode: true, cooldown: true, minLr: true, eps: true });

export function reduceOnPlateau(options: PlateauOptions): PlateauSchedule {
  checkScheduleOptions('reduceOnPlateau', options, KEYS);
  const { initial, factor = 0.1, patience = 10, threshold = 1e-4, thresholdMode = 'rel', mode = 'min', cooldown = 0, minLr = 0, eps = 1e-8 } = options ?? ({} as PlateauOptions);
  positive('initial', initial);
  if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) throw new RangeError(`wasmnn: schedule factor must be in (0, 1), got ${describe(factor)}`);
  nonNegative('patience', patience);
  nonNegative('threshold', threshold);
  nonNegative('cooldown', cooldown);
  nonNegative('minLr', minLr);
  if (mode !== 'min' && mode !== 'max') throw new RangeError(`wasmnn: schedule mode must be 'min' or 'max', got ${describe(mode)}`);
  if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new RangeError(`wasmnn: schedule thresholdMode must be 'rel' or 'abs', got ${describe(thresholdMode)}`);
  let lr = initial, best = mode === 'min' ? Infinity : -Infinity, bad = 0, cool = 0;
  const better = (m: number) => {
    if (mode === 'min') return thresholdMode === 'rel' ? m < best * (1 - threshold) : m < best - threshold;
    return thresholdMode === 'rel' ? m > best * (1 + threshold) : m > best + threshold;
  };
  const config = { initial, factor, patience, threshold, thresholdMode, mode, cooldown, minLr, eps };
  return {
    kind: 'reduceOnPlateau',
    rate: () => lr,
    observe(metric: number) {
      if (typeof metric !== 'number' || Number.isNaN(metric)) throw new RangeError(`wasmnn: reduceOnPlateau observed ${metric}`);
      if (better(metric)) {
        best = metric;
        bad = 0;
      } else bad++;
      if (cool > 0) {
        cool--;
        bad = 0;
      }
      if (bad > patience) {
        const next = Math.max(lr * factor, minLr);
        if (lr - next > eps) lr = next;
        cool = cooldown;
        bad = 0;
      }
      return lr;
    },
    reset() {
      lr = initial;
      best = mode === 'min' ? Infinity : -Infinity;
      bad = 0;
      cool = 0;
    },
    getConfig: () => ({ kind: 'reduceOnPlateau', ...config }),
    // best is null while nothing has been observed (JSON has no infinity).
    getState: () => ({ lr, best: Number.isFinite(best) ? best : null, bad, cool }),
    setState(st: Record<string, unknown>) {
      const count = (k: string) => {
        const v = st?.[k];
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`wasmnn: reduceOnPlateau state: ${k} must be an integer >= 0, got ${JSON.stringify(v)}`);
        return v;
      };
      const r = st?.lr;
      if (typeof r !== 'number' || !(r > 0) || !Number.isFinite(r)) throw new RangeError(`wasmnn: reduceOnPlateau state: lr must be a positive finite number, got ${JSON.stringify(r)}`);
      const b = st.best;
      if (b !== null && (typeof b !== 'number' || !Number.isFinite(b))) throw new RangeError(`wasmnn: reduceOnPlateau state: best must be a finite number or null, got ${JSON.stringify(b)}`);
      const nb = count('bad'), nc = count('cool');
      lr = r;
      best = b === null ? (mode === 'min' ? Infinity : -Infinity) : b;
      bad = nb;
      cool = nc;
    },
  };
}
