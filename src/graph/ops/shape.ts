// Concatenation along any axis but the batch and slicing along the last axis (the columns of a
// 2-D tensor), as strided block copies; slices of other axes are ops/pad.ts's crop.
// concat: y[:, o_i : o_i + c_i] = x_i; its gradient slices dy back. slice: y = x[:, b : b + s];
// its gradient is dy placed into zeros at column b.
import { apply, fixedRows, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { showShape, type SymbolicTensor } from '../symbolic.js';
import { axisOf, hasBatch } from './axes.js';
import { cropBox, sliceBounds } from './pad.js';

// Along axis a, each x is a [outer, a_i * inner] block (outer the dimensions before a, the batch
// among them) and y's rows hold the blocks side by side. The last axis keeps its op name
// ('concat'), which save/load and the ONNX export read as the columns.
function concatAlong(name: string): PrimitiveOp {
  return {
    name,
    emit(e, c) {
      const y = e.outputs[0], axis = e.attrs.axis as number;
      const P = c.run.ptrs, run = c.run, k = c.k;
      const v = viewOf(y, axis), sy = c.slot(y), total = v.cols;
      const parts = e.inputs.map((x) => c.slot(x));
      const widths = e.inputs.map((x) => viewOf(x, axis).cols);
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
      const axis = e.attrs.axis as number;
      let o = 0;
      return e.inputs.map((x) => {
        const w = x.shape[axis];
        const g = axis === x.rank - 1 ? slice(dy, o, w) : cropBox(dy, x.shape.map((_, i) => (i === axis ? o : 0)), x.shape);
        o += w;
        return g;
      });
    },
  };
}

const concatOp = concatAlong('concat');
const concatAxisOp = concatAlong('concatAxis');

/** Joins tensors along `axis` (negative from the end; not the batch). */
export function concat(xs: readonly SymbolicTensor[], axis = -1): SymbolicTensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('wasmnn: concat needs a non-empty list of tensors');
  const r = xs[0].rank;
  const shapes = () => xs.map((t) => showShape(t.shape)).join(', ');
  if (r < 1) throw new ShapeError(`wasmnn: concat joins tensors of rank 1 or more, got ${xs[0]}`);
  const a = axisOf('concat', axis, xs[0]);
  const batched = xs.find(hasBatch); // any of them: [1, 3] and [batch, 3] along 0 would be [0, 3]
  if (batched && a === 0) throw new ShapeError(`wasmnn: concat: axis ${axis} of ${batched} is the batch, whose size is known only when the graph runs; concat along another axis`);
  for (const x of xs) {
    if (x.rank !== r || !x.shape.every((d: number, i: number) => i === a || d === xs[0].shape[i])) throw new ShapeError(`wasmnn: concat along axis ${axis}: every tensor needs the same rank and the same dimensions but axis ${a}, got ${shapes()}`);
  }
  if (xs.length === 1) return xs[0];
  const shape = xs[0].shape.map((d: number, i: number) => (i === a ? xs.reduce((n, x) => n + x.shape[a], 0) : d));
  return apply(a === r - 1 && r >= 2 ? concatOp : concatAxisOp, xs, shape, { axis: a });
}

/** The [positions, last axis] view. */
const lastAxis = (t: SymbolicTensor) => viewOf(t, t.rank - 1);

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

/**
 * tfjs' slice: the box of x from begin[i] with size[i] entries on axis i (-1: to the end; lists
 * shorter than the rank are padded with 0 and -1). A box that cuts only the last axis is slice().
 */
export function sliceAxes(x: SymbolicTensor, begin: readonly number[], size?: readonly number[]): SymbolicTensor {
  const box = sliceBounds(x, begin, size), last = x.rank - 1;
  if (x.rank >= 2 && box.size.every((d, i) => i === last || d === x.shape[i])) return slice(x, box.begin[last], box.size[last]);
  return cropBox(x, box.begin, box.size);
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
