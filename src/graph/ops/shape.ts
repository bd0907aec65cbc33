// Concatenation and slicing along columns, as strided block copies.
// concat: y[:, o_i : o_i + c_i] = x_i; its gradient slices dy back. slice: y = x[:, b : b + s];
// its gradient is dy placed into zeros at column b.
import { apply, fixedRows, ShapeError, type PrimitiveOp } from '../op.js';
import { showShape, type SymbolicTensor } from '../symbolic.js';

const concatOp: PrimitiveOp = {
  name: 'concat',
  emit(e, c) {
    const y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), fr = fixedRows(y), total = y.cols;
    const parts = e.inputs.map((x) => c.slot(x));
    const widths = e.inputs.map((x) => x.cols);
    return () => {
      const rows = fr || run.rows;
      let o = 0;
      for (let i = 0; i < parts.length; i++) {
        k.copy_block_f32(P[sy] + 4 * o, total, P[parts[i]], widths[i], rows, widths[i]);
        o += widths[i];
      }
    };
  },
  vjp(e, [dy]) {
    if (!dy) return e.inputs.map(() => undefined);
    let o = 0;
    return e.inputs.map((x) => {
      const g = slice(dy, o, x.cols);
      o += x.cols;
      return g;
    });
  },
};

export function concat(xs: readonly SymbolicTensor[], axis = 1): SymbolicTensor {
  if (axis !== 1) throw new RangeError(`wasmnn: concat joins along columns (axis 1), got axis ${axis}`);
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('wasmnn: concat needs a non-empty list of tensors');
  const rows = xs[0].rows;
  for (const x of xs) {
    if (x.rows !== rows) throw new ShapeError(`wasmnn: concat: every tensor needs the same rows, got ${xs.map((t) => showShape(t.shape)).join(', ')}`);
  }
  if (xs.length === 1) return xs[0];
  return apply(concatOp, xs, [rows, xs.reduce((n, x) => n + x.cols, 0)]);
}

const sliceOp: PrimitiveOp = {
  name: 'slice',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(y), sx = c.slot(x), fr = fixedRows(y), begin = e.attrs.begin as number, size = y.cols, from = x.cols;
    return () => k.copy_block_f32(P[sy], size, P[sx] + 4 * begin, from, fr || run.rows, size);
  },
  vjp(e, [dy]) {
    return [dy && apply(padOp, [dy], e.inputs[0].shape, { begin: e.attrs.begin })];
  },
};

// dx = zeros with dy at columns [begin, begin + dy.cols).
const padOp: PrimitiveOp = {
  name: 'padColumns',
  emit(e, c) {
    const dy = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(dx), sy = c.slot(dy), fr = fixedRows(dx), cols = dx.cols, begin = e.attrs.begin as number, size = dy.cols;
    return () => {
      const rows = fr || run.rows;
      k.fill_f32(P[sx], rows * cols, 0);
      k.copy_block_f32(P[sx] + 4 * begin, cols, P[sy], size, rows, size);
    };
  },
};

export function slice(x: SymbolicTensor, begin: number, size: number): SymbolicTensor {
  if (!Number.isInteger(begin) || !Number.isInteger(size) || begin < 0 || size <= 0 || begin + size > x.cols) {
    throw new ShapeError(`wasmnn: slice(begin ${begin}, size ${size}) does not fit the ${x.cols} columns of ${showShape(x.shape)}`);
  }
  if (begin === 0 && size === x.cols) return x;
  return apply(sliceOp, [x], [x.rows, size], { begin });
}

const copyOp: PrimitiveOp = {
  name: 'copy',
  emit(e, c) {
    const x = e.inputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(e.outputs[0]), sx = c.slot(x), fr = fixedRows(x), cols = x.cols;
    return () => k.identity_f32(P[sy], P[sx], (fr || run.rows) * cols);
  },
  vjp: (_e, [dy]) => [dy],
};

/** A copy of x in a buffer of its own (for a gradient that must land in a parameter's memory). */
export function copy(x: SymbolicTensor): SymbolicTensor {
  return apply(copyOp, [x], x.shape);
}
