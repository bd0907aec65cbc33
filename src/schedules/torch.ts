// PyTorch's epoch schedules in closed form (lr[e] = rate in force during epoch e):
//   step:        initial * gamma^floor(e/stepSize)
//   multiStep:   initial * gamma^(number of milestones <= e)
//   exponential: initial * gamma^e
//   cosine:      etaMin + (initial - etaMin) * (1 + cos(pi*e/tMax)) / 2   (CosineAnnealingLR)
//   linearWarmup: initial * (startFactor + (endFactor - startFactor) * min(e, totalIters)/totalIters)  (LinearLR)
import { type Schedule, increasing, make, nonNegative, positive, positiveInt, checkScheduleOptions } from './schedule.js';
import { optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';

export interface StepOptions {
  initial: number;
  stepSize: number;
  gamma?: number;
}

/** @example schedules.step({ initial: 0.1, stepSize: 20, gamma: 0.8 }) */
export function step(options: StepOptions): Schedule {
  checkScheduleOptions('step', options, optionKeys<StepOptions>({ initial: true, stepSize: true, gamma: true }));
  const { initial, stepSize, gamma = 0.1 } = options ?? ({} as StepOptions);
  positive('initial', initial);
  positiveInt('stepSize', stepSize);
  positive('gamma', gamma);
  return make('step', { initial, stepSize, gamma }, (e) => initial * gamma ** Math.floor(e / stepSize));
}

export interface MultiStepOptions {
  initial: number;
  milestones: number[];
  gamma?: number;
}

/** @example schedules.multiStep({ initial: 0.1, milestones: [30, 80], gamma: 0.1 }) */
export function multiStep(options: MultiStepOptions): Schedule {
  checkScheduleOptions('multiStep', options, optionKeys<MultiStepOptions>({ initial: true, milestones: true, gamma: true }));
  const { initial, milestones, gamma = 0.1 } = options ?? ({} as MultiStepOptions);
  positive('initial', initial);
  increasing('milestones', milestones);
  positive('gamma', gamma);
  return make('multiStep', { initial, milestones: [...milestones], gamma }, (e) => initial * gamma ** milestones.filter((m) => m <= e).length);
}

export interface ExponentialOptions {
  initial: number;
  gamma: number;
}

/** @example schedules.exponential({ initial: 0.1, gamma: 0.95 }) */
export function exponential(options: ExponentialOptions): Schedule {
  checkScheduleOptions('exponential', options, optionKeys<ExponentialOptions>({ initial: true, gamma: true }));
  const { initial, gamma } = options ?? ({} as ExponentialOptions);
  positive('initial', initial);
  positive('gamma', gamma);
  return make('exponential', { initial, gamma }, (e) => initial * gamma ** e);
}

export interface CosineOptions {
  initial: number;
  tMax: number;
  etaMin?: number;
}

/** @example schedules.cosine({ initial: 0.1, tMax: 50, etaMin: 0.001 }) */
export function cosine(options: CosineOptions): Schedule {
  checkScheduleOptions('cosine', options, optionKeys<CosineOptions>({ initial: true, tMax: true, etaMin: true }));
  const { initial, tMax, etaMin = 0 } = options ?? ({} as CosineOptions);
  positive('initial', initial);
  positiveInt('tMax', tMax);
  nonNegative('etaMin', etaMin);
  return make('cosine', { initial, tMax, etaMin }, (e) => etaMin + ((initial - etaMin) * (1 + Math.cos((Math.PI * e) / tMax))) / 2);
}

export interface LinearWarmupOptions {
  initial: number;
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

/** @example schedules.linearWarmup({ initial: 0.1, startFactor: 0.1, totalIters: 10 }) */
export function linearWarmup(options: LinearWarmupOptions): Schedule {
  checkScheduleOptions('linearWarmup', options, optionKeys<LinearWarmupOptions>({ initial: true, startFactor: true, endFactor: true, totalIters: true }));
  const { initial, startFactor = 1 / 3, endFactor = 1, totalIters = 5 } = options ?? ({} as LinearWarmupOptions);
  positive('initial', initial);
  if (typeof startFactor !== 'number' || !(startFactor > 0 && startFactor <= 1)) throw new RangeError(`wasmnn: schedule startFactor must be in (0, 1], got ${describe(startFactor)}`);
  if (typeof endFactor !== 'number' || !(endFactor >= 0 && endFactor <= 1)) throw new RangeError(`wasmnn: schedule endFactor must be in [0, 1], got ${describe(endFactor)}`);
  positiveInt('totalIters', totalIters);
  return make('linearWarmup', { initial, startFactor, endFactor, totalIters }, (e) => initial * (startFactor + ((endFactor - startFactor) * Math.min(e, totalIters)) / totalIters));
}
