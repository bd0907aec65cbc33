// Keras' step-based schedules:
//   exponentialDecay: initial * decayRate^(step/decaySteps)  (floor of the exponent when staircase)
//   piecewiseConstant: values[k] while step <= boundaries[k]; values[last] after the last boundary
import { type Schedule, increasing, make, positive, positiveInt } from './schedule.js';

/** @example schedules.exponentialDecay({ initial: 0.4, decaySteps: 2, decayRate: 0.9, staircase: false }) */
export function exponentialDecay({ initial, decaySteps, decayRate, staircase = false }: { initial: number; decaySteps: number; decayRate: number; staircase?: boolean }): Schedule {
  positive('initial', initial);
  positiveInt('decaySteps', decaySteps);
  positive('decayRate', decayRate);
  return make('exponentialDecay', { initial, decaySteps, decayRate, staircase }, (s) => {
    const p = s / decaySteps;
    return initial * decayRate ** (staircase ? Math.floor(p) : p);
  });
}

/** @example schedules.piecewiseConstant({ boundaries: [20, 28], values: [0.4, 0.2, 0.1] }) */
export function piecewiseConstant({ boundaries, values }: { boundaries: number[]; values: number[] }): Schedule {
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
