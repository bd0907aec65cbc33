// Comparisons the interop tests share: outputs of another engine against wasmnn's.
import { expect } from 'vitest';

/** max |a - b| / max(1, |b|), after checking the lengths agree; a NaN anywhere gives Infinity. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return Number.isNaN(m) ? Infinity : m;
}

/** The float32 bit patterns of a's values. */
export const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));
