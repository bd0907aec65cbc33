// Sums and means over all elements ([1, 1]), over rows (axis 0: [1, cols]) or over columns
// (axis 1: [rows, 1]), summed in f64 by the kernels. The gradient broadcasts the upstream value
// back over the reduced dimension, times 1/count for a mean: dx[r,c] = s * dy(reduced index).
import { apply, fixedRows, requireRank, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { type Shape, type SymbolicTensor } from '../symbolic.js';

export type Axis = 0 | 1 | undefined;

/** The mode (as the element-wise kernels read operands) of a reduction's output: 1 row, 2 column, 3 scalar. */
const MODE_OF_AXIS = (axis: Axis) => (axis === 0 ? 1 : axis === 1 ? 2 : 3);

function reducedShape(s: Shape, axis: Axis): Shape {
  return axis === 0 ? [1, s[1]] : axis === 1 ? [s[0], 1] : [1, 1];
}

const reduceOp: PrimitiveOp = {
  name: 'reduce',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const axis = e.attrs.axis as Axis, mean = e.attrs.mean as boolean;
    const P = c.run.ptrs, run = c.run, k = c.k, S = run.scalars;
    const sy = c.slot(y), sx = c.slot(x), fr = fixedRows(x), cols = x.cols;
    if (axis === undefined) {
      return () => {
        const n = (fr || run.rows) * cols;
        S[sy] = k.sum_all_f32(P[sy], P[sx], n, mean ? 1 / n : 1);
      };
    }
    if (axis === 0) {
      return () => {
        const rows = fr || run.rows;
        k.col_sum_f32(P[sy], P[sx], rows, cols, 0);
        if (mean) k.scale_f32(P[sy], P[sy], cols, 1 / rows);
      };
    }
    return () => k.row_sum_f32(P[sy], P[sx], fr || run.rows, cols, mean ? 1 / cols : 1);
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined];
    const x = e.inputs[0];
    return [apply(broadcastOp, [dy], x.shape, { mode: MODE_OF_AXIS(e.attrs.axis as Axis), mean: e.attrs.mean, axis: e.attrs.axis })];
  },
};

export function reduce(x: SymbolicTensor, axis: Axis, mean: boolean): SymbolicTensor {
  if (axis !== undefined && axis !== 0 && axis !== 1) throw new RangeError(`wasmnn: ${mean ? 'mean' : 'sum'}: axis must be 0, 1 or left out, got ${String(axis)}`);
  if (axis !== undefined) requireRank(`${mean ? 'mean' : 'sum'} along an axis`, x, 2);
  return apply(reduceOp, [x], reducedShape(x.shape, axis), { axis, mean });
}

// dx[r,c] = s * dy(r,c read in `mode`), s = 1, or 1/count of the mean's reduction.
const broadcastOp: PrimitiveOp = {
  name: 'broadcast',
  emit(e, c) {
    const dy = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(dx), sy = c.slot(dy), fr = fixedRows(dx), cols = dx.cols;
    const mode = e.attrs.mode as number, mean = e.attrs.mean as boolean, axis = e.attrs.axis as Axis;
    return () => {
      const rows = fr || run.rows;
      const s = !mean ? 1 : axis === undefined ? 1 / (rows * cols) : axis === 0 ? 1 / rows : 1 / cols;
      k.broadcast_f32(P[sx], P[sy], rows, cols, mode, s);
    };
  },
};

// The gradient of a broadcast operand: the upstream gradient summed over what was broadcast.
const sumToOp: PrimitiveOp = {
  name: 'sumTo',
  emit(e, c) {
    const dy = e.inputs[0], d = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(d), sy = c.slot(dy), v = viewOf(dy, e.attrs.split as number), cols = v.cols, mode = e.attrs.mode as number;
    if (mode === 1) return () => k.col_sum_f32(P[sd], P[sy], viewRows(v, run), cols, 0);
    if (mode === 2) return () => k.row_sum_f32(P[sd], P[sy], viewRows(v, run), cols, 1);
    return () => {
      k.sum_all_f32(P[sd], P[sy], viewRows(v, run) * cols, 1);
    };
  },
};

/** dy reduced to the shape an operand read in `mode` (in dy's [rows, cols] split `split`) had (mode 0: dy itself). */
export function reduceToMode(dy: SymbolicTensor, mode: number, shape: Shape, split = 1): SymbolicTensor {
  if (mode === 0) return dy;
  return apply(sumToOp, [dy], shape, { mode, split });
}

