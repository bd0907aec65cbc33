// Reshapes relabel memory: the output is the input's buffer under another shape (no step, no
// copy; the plan joins the two), and the gradient is the upstream gradient reshaped back.
// A batch dimension stays the leading one: it is written -1 (BATCH) in the new shape.
import { ShapeError, type PrimitiveOp } from '../op.js';
import { BATCH, makeEqn, showShape, sizeOf, type Shape, type SymbolicTensor } from '../symbolic.js';

const reshapeOp: PrimitiveOp = {
  name: 'reshape',
  emit: () => undefined,
  alias: () => 0,
  vjp: (e, [dy]) => [dy && reshape(dy, e.inputs[0].shape)],
};

/**
 * x with the shape `shape`, the same elements in the same order. With a batch, shape[0] is -1
 * (the batch) and the rest must hold one sample's elements; without one, one -1 may stand for
 * what the other dimensions leave.
 */
export function reshape(x: SymbolicTensor, shape: readonly number[], op = 'reshape'): SymbolicTensor {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d > 0 || d === -1))) {
    throw new ShapeError(`wasmnn: ${op}: a shape is positive integers (and -1), got ${JSON.stringify(shape)}`);
  }
  const batch = x.shape[0] === BATCH;
  let out: number[] = [...shape];
  if (batch) {
    if (out[0] !== BATCH || out.indexOf(BATCH, 1) >= 0) throw new ShapeError(`wasmnn: ${op}: ${x} has a batch dimension, so the new shape starts with -1 (the batch) and has no other -1; got ${JSON.stringify(shape)}`);
    const per = x.cols, have = sizeOf(out.slice(1));
    if (have !== per) throw new ShapeError(`wasmnn: ${op}: ${x} has ${per} elements per sample, the shape ${showShape(out)} holds ${have}`);
  } else {
    const n = sizeOf(x.shape), free = out.indexOf(-1);
    if (free >= 0) {
      if (out.indexOf(-1, free + 1) >= 0) throw new ShapeError(`wasmnn: ${op}: at most one -1 in ${JSON.stringify(shape)}`);
      const rest = sizeOf(out.filter((d) => d !== -1));
      if (n % rest !== 0) throw new ShapeError(`wasmnn: ${op}: ${x} has ${n} elements, not a multiple of the ${rest} of ${JSON.stringify(shape)}`);
      out[free] = n / rest;
    }
    if (sizeOf(out) !== n) throw new ShapeError(`wasmnn: ${op}: ${x} has ${n} elements, the shape ${showShape(out)} holds ${sizeOf(out)}`);
  }
  if (out.length === x.rank && out.every((d, i) => d === x.shape[i])) return x;
  return makeEqn(reshapeOp, [x], [{ shape: out as Shape, dtype: x.dtype }]).outputs[0];
}

/** [batch, ...] -> [batch, elements per sample]. */
export function flatten(x: SymbolicTensor): SymbolicTensor {
  return reshape(x, [x.shape[0] === BATCH ? BATCH : x.rows, x.cols], 'flatten');
}

const axisIn = (op: string, axis: number, rank: number): number => {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) throw new ShapeError(`wasmnn: ${op}: axis ${axis} is outside a rank-${rank} tensor`);
  return axis < 0 ? axis + rank : axis;
};

/** x with a dimension of 1 inserted at `axis` (negative counts from the end of the result). */
export function expandDims(x: SymbolicTensor, axis: number): SymbolicTensor {
  const a = axisIn('expandDims', axis, x.rank + 1);
  if (a === 0 && x.shape[0] === BATCH) throw new ShapeError(`wasmnn: expandDims: the batch of ${x} stays the leading dimension`);
  return reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)], 'expandDims');
}

/** x without its dimensions of 1 (or just `axis`, which must be 1). */
export function squeeze(x: SymbolicTensor, axis?: number): SymbolicTensor {
  if (axis === undefined) return reshape(x, x.shape.filter((d) => d !== 1), 'squeeze');
  const a = axisIn('squeeze', axis, x.rank);
  if (x.shape[a] !== 1) throw new ShapeError(`wasmnn: squeeze: dimension ${axis} of ${x} is ${x.shape[a]}, not 1`);
  return reshape(x, x.shape.filter((_, i) => i !== a), 'squeeze');
}
