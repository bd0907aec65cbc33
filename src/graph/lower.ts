// Lowering: a copy of the graph in which every layer call is replaced by the primitive ops the
// layer writes it as. Leaves (inputs, parameters, constants) are shared with the original, so
// data for a model's inputs goes to the same tensors the user built the model from.
import { isPrimitive } from './op.js';
import { collect, makeEqn, type SymbolicTensor } from './symbolic.js';
import type { Layer } from '../layers/layer.js';

/** The lowered tensors standing for `roots`. */
export function lower(roots: readonly SymbolicTensor[]): SymbolicTensor[] {
  const map = new Map<SymbolicTensor, SymbolicTensor>();
  const get = (t: SymbolicTensor) => map.get(t) ?? t;
  for (const e of collect(roots)) {
    const inputs = e.inputs.map(get);
    if (isPrimitive(e.op)) {
      if (inputs.every((t, i) => t === e.inputs[i])) continue; // nothing below it changed: keep the equation
      const copy = makeEqn(e.op, inputs, e.outputs.map((t) => ({ shape: t.shape, dtype: t.dtype })), e.attrs as Record<string, unknown>);
      e.outputs.forEach((t, i) => map.set(t, copy.outputs[i]));
    } else {
      map.set(e.outputs[0], (e.op as Layer).lower(inputs[0], ...inputs.slice(1)));
    }
  }
  return roots.map(get);
}
