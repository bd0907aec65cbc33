// Keras' step-based schedules:
//   exponentialDecay: initial * decayRate^(step/decaySteps)  (floor of the exponent when staircase)
//   piecewiseConstant: values[k] while step <= boundaries[k]; values[last] after the last boundary
import { type Schedule, increasing, make, positive, positiveInt, checkScheduleOptions } from './schedule.js';
import { optionKeys } from '../validate/options.js';

export interface ExponentialDecayOptions {
  initial: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}

/** @example schedules.exponentialDecay({ initial: 0.4, decaySteps: 2, decayRate: 0.9, staircase: false }) */
export function exponentialDecay(options: ExponentialDecayOptions): Schedule {
  checkScheduleOptions('exponentialDecay', options, optionKeys<ExponentialDecayOptions>({ initial: true, decaySteps: true, decayRate: true, staircase: true }));
  const { initial, decaySteps, decayRate, staircase = false } = options ?? ({} as ExponentialDecayOptions);
  positive('initial', initial);
  positiveInt('decaySteps', decaySteps);
  positive('decayRate', decayRate);
  return make('exponentialDecay', { initial, decaySteps, decayRate, staircase }, (s) => {
    const p = s / decaySteps;
    return initial * decayRate ** (staircase ? Math.floor(p) : p);
  });
}

export interface PiecewiseConstantOptions {
  boundaries: number[];
  values: number[];
}

/** @example schedules.piecewiseConstant({ boundaries: [20, 28], values: [0.4, 0.2, 0.1] }) */
export function piecewiseConstant(options: PiecewiseConstantOptions): Schedule {
  checkScheduleOptions('piecewiseConstant', options, optionKeys<PiecewiseConstantOptions>({ boundaries: true, values: true }));
  const { boundaries, values } = options ?? ({} as PiecewiseConstantOptions);
  increasing('boundaries', boundaries);
  if (!Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new RangeError(`wasmnn: schedule piecewiseConstant needs values.length = boundaries.length + 1 (${boundaries.length + 1}), got ${values?.length}`);
  }
  values.forEach((v, i) => positive(`values[${i}]`, v));
  return make('piecewiseConstant', { boundaries: [...boundaries], values: [...values] }, (s) => {
    for (let k = 0; k < boundaries.length; k++) if (s <= boundaries[k]) return values[k];
    return values[values.length - 1];
  });
}
