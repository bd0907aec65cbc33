// Hyper-parameter checks shared by the optimizers (PyTorch's ranges, each a clear error).
import { describe } from '../validate/describe.js';

export function checkRange(name: string, value: number, ok: boolean, what: string): void {
  if (typeof value !== 'number' || Number.isNaN(value) || !ok) {
    throw new RangeError(`wasmnn: ${name} must be ${what}, got ${describe(value)}`);
  }
}

/** The exponential-average factors (betas, alpha, rho) PyTorch accepts: [0, 1). */
export function checkBeta(name: string, v: number): number {
  checkRange(name, v, v >= 0 && v < 1, 'in [0, 1)');
  return v;
}
export function checkEps(v: number): number {
  checkRange('eps', v, v > 0 && Number.isFinite(v), 'a positive finite number');
  return v;
}
export function checkNonNegative(name: string, v: number): number {
  checkRange(name, v, v >= 0 && Number.isFinite(v), 'a finite number >= 0');
  return v;
}
