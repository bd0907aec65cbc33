// Max and min over any axes of an N-d tensor (tfjs' max/min with keepDims, torch.amax/amin).
// The reduced axes are made one run [from, to) (ops/reduce-axes.ts' runs; when they form more
// than one, a transpose first gathers them after the batch, or last, keeping the batch in front),
// so x is read as [outer, r, inner] and reduced by one kernel call (assembly/extrema.ts).
// NOTE: the gradient follows torch.amax / amin, not max(dim): dy is split evenly among the
// elements equal to the maximum, dx = (x == y) * dy / count. One run keeps that exact for any
// axes (reducing runs one after another would split ties run by run instead).
import { apply, ShapeError, type PrimitiveOp } from '../op.js';
import { type SymbolicTensor } from '../symbolic.js';
import { axesOf } from './axes.js';
import { runGeometry, runsOf } from './reduce-axes.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';

const maxRunOp: PrimitiveOp = {
  name: 'maxRun',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), isMin = e.attrs.min ? 1 : 0;
    const g = runGeometry(x.shape, e.attrs.from as number, e.attrs.to as number);
    return () => k.reduce_max_f32(P[sy], P[sx], g.outer(run.rows), g.r(run.rows), g.inner, isMin);
  },
  vjp(e, [dy]) {
    return [dy && apply(maxRunGradOp, [dy, e.inputs[0], e.outputs[0]], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

// dx = (x == y) * dy / count over the run (min and max alike: y is the extreme either way).
const maxRunGradOp: PrimitiveOp = {
  name: 'maxRunGrad',
  emit(e, c) {
    const [dy, x, y] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), sy = c.slot(y);
    const g = runGeometry(x.shape, e.attrs.from as number, e.attrs.to as number);
    return () => k.reduce_max_backward_f32(P[sd], P[sdy], P[sx], P[sy], g.outer(run.rows), g.r(run.rows), g.inner);
  },
};

/**
 * The maximum (min: the minimum) of x over `axis` (a number, a list, negative from the end;
 * undefined: every axis). keepDims leaves each reduced axis as a 1; without it they are dropped,
 * and every axis gives the engine's scalar [1, 1], as sum does.
 */
export function reduceExtreme(x: SymbolicTensor, axis: number | readonly number[] | undefined, keepDims: boolean, min: boolean): SymbolicTensor {
  const op = min ? 'min' : 'max';
  if (typeof keepDims !== 'boolean') throw new TypeError(`wasmnn: ${op}: keepDims must be true or false, got ${JSON.stringify(keepDims)}`);
  if (x.dtype !== 'float32') throw new ShapeError(`wasmnn: ${op} takes float32 values, got an ${x.dtype} tensor ${x}`);
  const axes = axesOf(op, axis, x);
  if (axes.length === 0) return x;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const dropped = x.shape.filter((_, i) => !axes.includes(i));
  const out = keepDims ? kept : axes.length === x.rank ? [1, 1] : dropped;
  let t = x, runs = runsOf(x.shape, axes);
  if (runs.length > 1) {
    // The reduced axes right after axis 0 when it is one of them, else last; the others in order.
    const rest = x.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const perm = axes[0] === 0 ? [...axes, ...rest] : [...rest, ...axes];
    t = transpose(x, perm);
    runs = axes[0] === 0 ? [[0, axes.length]] : [[rest.length, x.rank]];
  }
  const [from, to] = runs[0];
  const y = apply(maxRunOp, [t], t.shape.map((d, i) => (i >= from && i < to ? 1 : d)), { from, to, min });
  return reshape(y, out, op);
}
