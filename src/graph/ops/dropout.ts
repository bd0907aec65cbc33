// Inverted dropout: in training y = x * mask, mask_i = 1/(1-rate) with probability 1-rate, else 0,
// drawn from the program's dropout PRNG stream (output 1 is the mask); dx = dy * mask.
// In evaluation y is x itself: no step, no buffer.
import { fixedRows, type PrimitiveOp } from '../op.js';
import { makeEqn, type SymbolicTensor } from '../symbolic.js';
import { binary } from './elementwise.js';

const dropoutOp: PrimitiveOp = {
  name: 'dropout',
  alias: (_e, training) => (training ? -1 : 0),
  emit(e, c) {
    if (!c.training) return undefined;
    const x = e.inputs[0];
    const [y, mask] = e.outputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sm = c.slot(mask), sx = c.slot(x), fr = fixedRows(x), cols = x.cols, rate = e.attrs.rate as number;
    return () => k.dropout_f32(P[sy], P[sm], P[sx], (fr || run.rows) * cols, rate, run.dropoutState);
  },
  vjp(e, [dy]) {
    return [dy && binary('mul', dy, e.outputs[1])];
  },
};

export function dropout(x: SymbolicTensor, rate: number): SymbolicTensor {
  if (rate === 0) return x;
  return makeEqn(dropoutOp, [x], [x.shape, x.shape], { rate }).outputs[0];
}
