// A learning-rate schedule is a pure function of the step (epoch or batch, as the caller
// advances it) with a config it can be rebuilt from. Pass one as an optimizer's `lr`.
import { checkOptions } from '../validate/options.js';
import { describe } from '../validate/describe.js';

export interface Schedule {
  readonly kind: string;
  /** The rate in force during step `step` (0-based). */
  rate(step: number): number;
  getConfig(): Record<string, unknown>;
  /** A stateful schedule's state (reduceOnPlateau's), JSON-safe, for save({ includeOptimizer: true }). */
  getState?(): Record<string, number | null>;
  /** Restores getState() output; checks it first. */
  setState?(state: Record<string, unknown>): void;
}

export function positive(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`wasmnn: schedule ${name} must be a positive finite number, got ${describe(v)}`);
  return v;
}

export function nonNegative(name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`wasmnn: schedule ${name} must be a finite number >= 0, got ${describe(v)}`);
  return v;
}

export function positiveInt(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) throw new RangeError(`wasmnn: schedule ${name} must be a positive integer, got ${describe(v)}`);
  return v;
}

export function increasing(name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.some((x, i) => typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= v[i - 1]))) {
    throw new RangeError(`wasmnn: schedule ${name} must be a strictly increasing list of numbers, got ${JSON.stringify(v)}`);
  }
  return v as number[];
}

export function make(kind: string, config: Record<string, unknown>, rate: (step: number) => number): Schedule {
  return { kind, rate, getConfig: () => ({ kind, ...config }) };
}

/**
 * Throws on an unknown key in a schedule's options. `kind`, which a getConfig() carries, is allowed
 * and ignored: the factory called decides the kind.
 */
export function checkScheduleOptions(name: string, options: unknown, keys: readonly string[]): void {
  checkOptions(`schedules.${name}`, options, [...keys, 'kind']);
}
