// Transposes: y = x with its axes reordered (NumPy's transpose, up to 6 axes) on the permute kernel;
// the gradient is dy transposed by the inverse permutation. The batch stays the leading axis.
// A permutation that moves no axis of more than one element relabels memory: a reshape, no copy.
import { ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, makeEqn, type SymbolicTensor } from '../symbolic.js';
import { reshape } from './reshape.js';

const MAX_RANK = 6;

const transposeOp: PrimitiveOp = {
  name: 'transpose',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), v = viewOf(x);
    const perm = e.attrs.perm as readonly number[];
    const d = [...x.shape, ...Array<number>(MAX_RANK - x.rank).fill(1)];
    const p = [...perm, ...Array.from({ length: MAX_RANK - perm.length }, (_, i) => perm.length + i)];
    return () => k.permute_f32(P[sy], P[sx], viewRows(v, run), d[1], d[2], d[3], d[4], d[5], p[0], p[1], p[2], p[3], p[4], p[5]);
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined];
    const perm = e.attrs.perm as readonly number[];
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [transpose(dy, inverse)];
  },
};

/** x with axis j of the result taken from axis perm[j] of x (default: the axes reversed; negative axes count from the end). */
export function transpose(x: SymbolicTensor, perm?: readonly number[]): SymbolicTensor {
  const r = x.rank;
  const p = perm === undefined ? Array.from({ length: r }, (_, i) => r - 1 - i) : perm.map((a) => (Number.isInteger(a) && a < 0 ? a + r : a));
  if (!Array.isArray(p) || p.length !== r || !p.every((a) => Number.isInteger(a) && a >= 0 && a < r) || new Set(p).size !== r) {
    throw new ShapeError(`wasmnn: transpose: perm must order all ${r} axes of ${x} once each, got ${JSON.stringify(perm)}`);
  }
  if (r > MAX_RANK) throw new ShapeError(`wasmnn: transpose takes up to ${MAX_RANK} axes, ${x} has ${r}`);
  if (x.shape[0] === BATCH && p[0] !== 0) throw new ShapeError(`wasmnn: transpose: the batch of ${x} stays the leading axis (perm[0] must be 0), got ${JSON.stringify(perm)}`);
  const shape = p.map((a) => x.shape[a]);
  // The axes of more than one element keep their order: the same memory under another shape.
  const moved = p.filter((a) => x.shape[a] !== 1);
  if (moved.every((a, i) => i === 0 || a > moved[i - 1])) return reshape(x, shape, 'transpose');
  return makeEqn(transposeOp, [x], [{ shape, dtype: x.dtype }], { perm: p }).outputs[0];
}
