// Central differences against a gradient left in place by a valueAndGrad function.
import { expect } from 'vitest';
import type { Parameter } from 'wasmnn';

/**
 * (L(v + h) - L(v - h)) / 2h at one element of each parameter against the gradient f() left
 * there. h = 0.25 suits an L linear in that element (only float32 rounding separates them); a
 * curved L needs a smaller h and a looser tol.
 */
export function expectCentralDifferences(f: () => number, at: readonly (readonly [Parameter, number])[], tol: number, h = 0.25): void {
  f();
  for (const [P, i] of at) {
    const v0 = P.value[i], grad = P.grad[i];
    P.value[i] = v0 + h;
    const up = f();
    P.value[i] = v0 - h;
    const down = f();
    P.value[i] = v0;
    expect(Math.abs((up - down) / (2 * h) - grad), `${P.name}[${i}]: gradient ${grad}, central difference ${(up - down) / (2 * h)}`).toBeLessThan(tol * (1 + Math.abs(grad)));
  }
}
