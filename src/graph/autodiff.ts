// Reverse mode over a collected list of equations: every op's vjp builds the gradient as more
// equations of the same graph, so the backward pass is planned and run like the forward one.
// A tensor read by several equations gets the sum of their contributions.
import { isPrimitive, type PrimitiveOp } from './op.js';
import { constant, type Eqn, type SymbolicTensor } from './symbolic.js';
import { binary } from './ops/elementwise.js';

/**
 * The gradients of the scalar `of` with respect to each tensor of `wrt` (undefined where `of`
 * does not depend on it). `eqns` is collect([of]) (primitives only).
 */
export function gradients(eqns: readonly Eqn[], of: SymbolicTensor, wrt: readonly SymbolicTensor[]): (SymbolicTensor | undefined)[] {
  if (of.rows !== 1 || of.cols !== 1) throw new RangeError(`wasmnn: a gradient needs a single value to differentiate, got a tensor of shape ${of}`);
  const needs = new Set<SymbolicTensor>(wrt);
  for (const e of eqns) {
    if (e.inputs.some((t) => needs.has(t))) for (const o of e.outputs) needs.add(o);
  }
  const parts = new Map<SymbolicTensor, SymbolicTensor[]>();
  const add = (t: SymbolicTensor, g: SymbolicTensor) => {
    const list = parts.get(t);
    if (list) list.push(g);
    else parts.set(t, [g]);
  };
  const total = (t: SymbolicTensor): SymbolicTensor | undefined => {
    const list = parts.get(t);
    if (!list) return undefined;
    let g = list[0];
    for (let i = 1; i < list.length; i++) g = binary('add', g, list[i]);
    parts.set(t, [g]);
    return g;
  };
  add(of, constant([1], [1, 1]));
  for (let i = eqns.length - 1; i >= 0; i--) {
    const e = eqns[i];
    if (!e.inputs.some((t) => needs.has(t))) continue;
    const dOut = e.outputs.map(total);
    if (dOut.every((g) => g === undefined)) continue;
    if (!isPrimitive(e.op)) throw new Error(`wasmnn: internal: '${e.op.name}' was not lowered before differentiation`);
    const op = e.op as PrimitiveOp;
    if (!op.vjp) throw new Error(`wasmnn: the op '${op.name}' has no gradient`);
    const dIn = op.vjp(e, dOut);
    e.inputs.forEach((t, j) => {
      const g = dIn[j];
      if (g && needs.has(t)) add(t, g);
    });
  }
  return wrt.map(total);
}
