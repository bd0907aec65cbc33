// Axis arguments of the N-d ops (reductions, softmax, concat, slice, pad): NumPy's numbering, a
// negative axis counting from the end, checked once here so every op refuses the same way.
import { ShapeError } from '../op.js';
import { BATCH, type SymbolicTensor } from '../symbolic.js';

/** One axis of x as 0..rank-1, or a refusal naming the op, the axis and x's shape. */
export function axisOf(op: string, axis: number, x: SymbolicTensor): number {
  const r = x.rank;
  if (!Number.isInteger(axis)) throw new ShapeError(`wasmnn: ${op}: an axis is an integer, got ${JSON.stringify(axis)} for ${x}`);
  if (axis < -r || axis >= r) throw new ShapeError(`wasmnn: ${op}: axis ${String(axis)} is outside ${x} (rank ${r}: axes ${-r} to ${r - 1})`);
  return axis < 0 ? axis + r : axis;
}

/** A number or a list of distinct axes, sorted ascending; undefined is every axis. */
export function axesOf(op: string, axis: number | readonly number[] | undefined, x: SymbolicTensor): number[] {
  if (axis === undefined) return Array.from({ length: x.rank }, (_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  if (!Array.isArray(list)) throw new ShapeError(`wasmnn: ${op}: axis must be a number or a list of numbers, got ${JSON.stringify(axis)}`);
  const out = list.map((a) => axisOf(op, a, x));
  const dup = out.find((a, i) => out.indexOf(a) !== i);
  if (dup !== undefined) throw new ShapeError(`wasmnn: ${op}: axis ${dup} is listed twice in ${JSON.stringify(axis)} for ${x}`);
  return out.sort((a, b) => a - b);
}

/** True when axis 0 of x is the symbolic batch. */
export const hasBatch = (x: SymbolicTensor): boolean => x.shape[0] === BATCH;
