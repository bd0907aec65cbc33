// Fusion as a pass over the collected equations (tinygrad's way, not a special case in a layer):
//   relu(a + b) with b a bias row and the sum read by nothing else -> one bias_relu_f32 pass.
// ReLU's gradient reads its output, so the sum is never needed again.
import { viewOf, viewRows, type PrimitiveOp } from './op.js';
import type { Eqn, SymbolicTensor } from './symbolic.js';
import { isRowBiasAdd } from './ops/elementwise.js';
import { isReluOf } from './ops/activation.js';

const biasReluOp: PrimitiveOp = {
  name: 'biasRelu',
  inPlace: 0,
  emit(e, c) {
    const [a, b] = e.inputs;
    const y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sa = c.slot(a), sb = c.slot(b), v = viewOf(y, e.attrs.split as number), cols = v.cols;
    return () => k.bias_relu_f32(P[sy], P[sa], P[sb], viewRows(v, run), cols);
  },
};

export function fuse(eqns: readonly Eqn[], roots: readonly SymbolicTensor[]): Eqn[] {
  const uses = new Map<SymbolicTensor, number>();
  const count = (t: SymbolicTensor) => uses.set(t, (uses.get(t) ?? 0) + 1);
  for (const e of eqns) e.inputs.forEach(count);
  roots.forEach(count);
  const present = new Set(eqns);
  const removed = new Set<Eqn>();
  const out: Eqn[] = eqns.map((e) => {
    const y = e.outputs[0];
    if (!y || !isReluOf(y)) return e;
    const sum = e.inputs[0];
    const p = sum.producer;
    if (!p || !isRowBiasAdd(p) || uses.get(sum) !== 1 || !present.has(p)) return e;
    removed.add(p);
    return { id: e.id, op: biasReluOp, inputs: p.inputs, outputs: e.outputs, attrs: { split: p.attrs.split } };
  });
  return out.filter((e) => !removed.has(e));
}
