// Concatenation and slicing along the last axis (the columns of a 2-D tensor), as strided block
// copies over the [positions, last] view.
// concat: y[:, o_i : o_i + c_i] = x_i; its gradient slices dy back. slice: y = x[:, b : b + s];
// its gradient is dy placed into zeros at column b.
import { apply, fixedRows, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { showShape, type SymbolicTensor } from '../symbolic.js';

const concatOp: PrimitiveOp = {
  name: 'concat',
  emit(e, c) {
    const y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const v = lastAxis(y), sy = c.slot(y), total = v.cols;
    const parts = e.inputs.map((x) => c.slot(x));
    const widths = e.inputs.map((x) => lastAxis(x).cols);
    return () => {
      const rows = viewRows(v, run);
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
      const w = x.shape[x.rank - 1];
      const g = slice(dy, o, w);
      o += w;
      return g;
    });
  },
};

/** The [positions, last axis] view. */
const lastAxis = (t: SymbolicTensor) => viewOf(t, t.rank - 1);

export function concat(xs: readonly SymbolicTensor[], axis = -1): SymbolicTensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('wasmnn: concat needs a non-empty list of tensors');
  const r = xs[0].rank;
  if (r < 2 || (axis !== -1 && axis !== r - 1)) throw new RangeError(`wasmnn: concat joins along the last axis (${r - 1} or -1) of tensors of rank 2 or more, got axis ${axis} for ${xs[0]}`);
  const head = xs[0].shape.slice(0, -1);
  for (const x of xs) {
    if (x.rank !== r || !x.shape.slice(0, -1).every((d: number, i: number) => d === head[i])) throw new ShapeError(`wasmnn: concat: every tensor needs the same dimensions but the last, got ${xs.map((t) => showShape(t.shape)).join(', ')}`);
  }
  if (xs.length === 1) return xs[0];
  return apply(concatOp, xs, [...head, xs.reduce((n, x) => n + x.shape[r - 1], 0)]);
}

const sliceOp: PrimitiveOp = {
  name: 'slice',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const v = lastAxis(y), sy = c.slot(y), sx = c.slot(x), begin = e.attrs.begin as number, size = v.cols, from = lastAxis(x).cols;
    return () => k.copy_block_f32(P[sy], size, P[sx] + 4 * begin, from, viewRows(v, run), size);
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
    const v = lastAxis(dx), sx = c.slot(dx), sy = c.slot(dy), cols = v.cols, begin = e.attrs.begin as number, size = lastAxis(dy).cols;
    return () => {
      const rows = viewRows(v, run);
      k.fill_f32(P[sx], rows * cols, 0);
      k.copy_block_f32(P[sx] + 4 * begin, cols, P[sy], size, rows, size);
    };
  },
};

/** Entries [begin, begin + size) of x's last axis (x of rank 2 or more). */
export function slice(x: SymbolicTensor, begin: number, size: number): SymbolicTensor {
  if (x.rank < 2) throw new ShapeError(`wasmnn: slice takes a tensor of rank 2 or more, got ${x}`);
  const last = x.shape[x.rank - 1];
  if (!Number.isInteger(begin) || !Number.isInteger(size) || begin < 0 || size <= 0 || begin + size > last) {
    throw new ShapeError(`wasmnn: slice(begin ${begin}, size ${size}) does not fit the last axis (${last}) of ${showShape(x.shape)}`);
  }
  if (begin === 0 && size === last) return x;
  return apply(sliceOp, [x], [...x.shape.slice(0, -1), size], { begin });
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
