// Where the gradients land: each parameter's gradient tensor is written straight into the
// parameter's grad memory (a gemm or column sum writes it there, as a dense layer always did).
// A gradient that is not an op's own output (a constant, or the same tensor as another
// parameter's) gets a copy.
import type { Parameter } from '../optimizers/parameter.js';
import type { SymbolicTensor } from './symbolic.js';
import { copy } from './ops/shape.js';

export function pinGradients(params: readonly SymbolicTensor[], grads: readonly (SymbolicTensor | undefined)[]): { pins: { tensor: SymbolicTensor; ptr: number }[]; unreached: Parameter[] } {
  const pins: { tensor: SymbolicTensor; ptr: number }[] = [];
  const unreached: Parameter[] = [];
  const taken = new Set<SymbolicTensor>();
  params.forEach((t, i) => {
    const p = t.slot!.param;
    if (!p) throw new Error(`wasmnn: the parameter ${t.slot!.label} is not bound to memory (is its layer part of a model?)`);
    let g = grads[i];
    if (!g) {
      unreached.push(p);
      return;
    }
    if (g.kind !== 'value' || taken.has(g)) g = copy(g);
    taken.add(g);
    pins.push({ tensor: g, ptr: p.gradPtr });
  });
  return { pins, unreached };
}
