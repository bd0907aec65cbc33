// Masking: where(cond, a, b) = cond != 0 ? a : b element by element (NumPy's where), the chosen
// operand's value copied, so a -Infinity or NaN on the other side never leaks (a causal mask of
// attention scores: where(mask, scores, -Infinity)). cond is float32 data with no gradient (a
// constant 0/1 mask, say): the output's shape, or its trailing dimensions (a [t, t] mask under
// [batch, t, t] or [batch, heads, t, t] scores). a and b are the output's shape or single values.
//   da = where(cond, dy, 0), db = where(cond, 0, dy)   (summed to one value for a single value)
import { ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, constant, makeEqn, sameShape, showShape, sizeOf, type SymbolicTensor } from '../symbolic.js';
import { reduce } from './reduce.js';

const whereOp: PrimitiveOp = {
  name: 'where',
  inPlace: 1,
  emit(e, c) {
    const [cond, a, b] = e.inputs;
    const y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sc = c.slot(cond), sa = c.slot(a), sb = c.slot(b);
    const all = viewOf(y, y.rank), per = e.attrs.condSize as number;
    const scalars = (single(a) ? 1 : 0) | (single(b) ? 2 : 0);
    // A mask over trailing axes is one row of per elements read again for each of total/per
    // rows; a full one (per 0) is a single row of everything.
    return () => {
      const n = viewRows(all, run);
      k.where_f32(P[sy], P[sc], P[sa], P[sb], per ? n / per : 1, per || n, scalars);
    };
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined, undefined, undefined];
    const [cond, a, b] = e.inputs;
    const zero = constant([0], [1, 1]);
    const one = (t: SymbolicTensor, g: SymbolicTensor) => (t.kind === 'const' ? undefined : single(t) && !single(dy) ? reduce(g, undefined, false) : g);
    return [undefined, one(a, where(cond, dy, zero)), one(b, where(cond, zero, dy))];
  },
};

const single = (t: SymbolicTensor) => t.shape[0] !== BATCH && sizeOf(t.shape) === 1;

export function where(cond: SymbolicTensor, a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  for (const [name, t] of [['cond', cond], ['a', a], ['b', b]] as const) {
    if (t.dtype !== 'float32') throw new ShapeError(`wasmnn: where: ${name} must be float32 (a mask of 0s and 1s for cond), got an ${t.dtype} tensor of shape ${t}`);
  }
  const full = [a, b].filter((t) => !single(t));
  const shape = full.length ? full[0].shape : cond.shape;
  if (full.length === 2 && !sameShape(a.shape, b.shape)) throw new ShapeError(`wasmnn: where: a ${showShape(a.shape)} and b ${showShape(b.shape)} differ in shape (each must be the output's shape or a single value)`);
  // cond without its leading 1s must be the output's trailing dimensions.
  let cs = [...cond.shape];
  while (cs.length > 1 && cs[0] === 1) cs = cs.slice(1);
  const tail = shape.slice(shape.length - cs.length);
  if (cs.length > shape.length || !sameShape(cs, tail)) throw new ShapeError(`wasmnn: where: cond ${showShape(cond.shape)} does not fit the output ${showShape(shape)}: it must have the output's shape or its trailing dimensions (a [t, t] mask under [batch, t, t])`);
  const condSize = cs.length === shape.length && shape[0] === BATCH ? 0 : sizeOf(cs);
  return makeEqn(whereOp, [cond, a, b], [shape], { condSize }).outputs[0];
}
