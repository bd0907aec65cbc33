// Sums and means over any axes of an N-d tensor (NumPy's axis and keepdims, tfjs' keepDims).
// Adjacent reduced axes (and axes of 1 between them) form one run [from, to); x is read as
// [outer, r, inner], outer the dimensions before the run (the batch among them), r the run's,
// inner those after it, and each run is one step: row sums when inner is 1, else a column sum of
// each [r, inner] block (col_sum_f32, summed in f64 when the kernel's periodic path is not taken).
// Runs are reduced last to first. The gradient of a run spreads dy back over it, times 1/r for
// a mean: dx[o, i, j] = s * dy[o, j].
// Two cases keep the 2-D op of ops/reduce.ts (and its name, which save/load and ONNX read): every
// axis (the engine's scalar [1, 1]) and one axis of a rank-2 tensor.
import { apply, ShapeError, type PrimitiveOp } from '../op.js';
import { BATCH, type Shape, type SymbolicTensor } from '../symbolic.js';
import { axesOf } from './axes.js';
import { reduce } from './reduce.js';
import { reshape } from './reshape.js';

/** The product of dimensions [from, to) but the batch, and whether the batch is among them. */
function span(s: Shape, from: number, to: number): { fixed: number; batch: boolean } {
  let fixed = 1, batch = false;
  for (let i = from; i < to; i++) {
    if (s[i] === BATCH) batch = true;
    else fixed *= s[i];
  }
  return { fixed, batch };
}

/** Runs [from, to) of reduced axes, axes of 1 joining their neighbours (reducing them changes nothing). */
export function runsOf(s: Shape, axes: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let i = 0; i < s.length; i++) {
    if (!axes.includes(i)) continue;
    let from = i, to = i + 1;
    while (from > 0 && s[from - 1] === 1) from--;
    while (to < s.length && (axes.includes(to) || s[to] === 1)) to++;
    const last = runs[runs.length - 1];
    if (last && last[1] >= from) last[1] = to;
    else runs.push([from, to]);
    i = to - 1;
  }
  return runs;
}

/** x's run [from, to) as [outer, r, inner] in this run (the batch resolved to `rows`). */
export function runGeometry(s: Shape, from: number, to: number) {
  const o = span(s, 0, from), r = span(s, from, to), inner = span(s, to, s.length).fixed;
  return { outer: (rows: number) => (o.batch ? rows * o.fixed : o.fixed), r: (rows: number) => (r.batch ? rows * r.fixed : r.fixed), inner };
}

const reduceRunOp: PrimitiveOp = {
  name: 'reduceRun',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), mean = e.attrs.mean as boolean;
    const g = runGeometry(x.shape, e.attrs.from as number, e.attrs.to as number), inner = g.inner;
    if (inner === 1) {
      return () => {
        const r = g.r(run.rows);
        k.row_sum_f32(P[sy], P[sx], g.outer(run.rows), r, mean ? 1 / r : 1);
      };
    }
    return () => {
      const outer = g.outer(run.rows), r = g.r(run.rows), block = 4 * r * inner;
      for (let o = 0; o < outer; o++) k.col_sum_f32(P[sy] + 4 * o * inner, P[sx] + o * block, r, inner, 0);
      if (mean) k.scale_f32(P[sy], P[sy], outer * inner, 1 / r);
    };
  },
  vjp(e, [dy]) {
    return [dy && apply(spreadRunOp, [dy], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

// dx = dy spread over the run, times 1/r for a mean: broadcast_f32 reads dy as a column (inner 1)
// or, per outer block, as a row over the block's r rows.
const spreadRunOp: PrimitiveOp = {
  name: 'spreadRun',
  emit(e, c) {
    const dy = e.inputs[0], dx = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(dy), sx = c.slot(dx), mean = e.attrs.mean as boolean;
    const g = runGeometry(dx.shape, e.attrs.from as number, e.attrs.to as number), inner = g.inner;
    if (inner === 1) {
      return () => {
        const r = g.r(run.rows);
        k.broadcast_f32(P[sx], P[sy], g.outer(run.rows), r, 2, mean ? 1 / r : 1);
      };
    }
    return () => {
      const outer = g.outer(run.rows), r = g.r(run.rows), block = 4 * r * inner, s = mean ? 1 / r : 1;
      for (let o = 0; o < outer; o++) k.broadcast_f32(P[sx] + o * block, P[sy] + 4 * o * inner, r, inner, 1, s);
    };
  },
};

/**
 * The sum (or mean) of x over `axis` (a number, a list, negative from the end; undefined: every
 * axis). keepDims leaves each reduced axis as a 1; without it they are dropped, except that a
 * reduction over every axis is the engine's scalar [1, 1] (tfjs: a rank-0 tensor).
 */
export function reduceAxes(x: SymbolicTensor, axis: number | readonly number[] | undefined, keepDims: boolean, mean: boolean): SymbolicTensor {
  const op = mean ? 'mean' : 'sum';
  if (typeof keepDims !== 'boolean') throw new TypeError(`wasmnn: ${op}: keepDims must be true or false, got ${JSON.stringify(keepDims)}`);
  const axes = axesOf(op, axis, x);
  if (axes.length === 0) return x;
  const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const dropped = x.shape.filter((_, i) => !axes.includes(i));
  if (axes.length === x.rank) {
    const all = reduce(x, undefined, mean);
    return keepDims && x.rank !== 2 ? reshape(all, kept, op) : all;
  }
  if (x.rank === 2) {
    const one = reduce(x, axes[0] as 0 | 1, mean);
    return keepDims ? one : reshape(one, dropped, op);
  }
  const runs = runsOf(x.shape, axes);
  let t = x;
  for (let j = runs.length - 1; j >= 0; j--) t = reduceRun(t, runs[j][0], runs[j][1], mean);
  return reshape(t, keepDims ? kept : dropped, op);
}

/** The sum (mean) over the run of axes [from, to), kept as 1s. */
export function reduceRun(x: SymbolicTensor, from: number, to: number, mean: boolean): SymbolicTensor {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to <= from || to > x.rank) throw new ShapeError(`wasmnn: ${mean ? 'mean' : 'sum'}: axes [${from}, ${to}) are not a run of axes of ${x}`);
  return apply(reduceRunOp, [x], x.shape.map((d, i) => (i >= from && i < to ? 1 : d)), { from, to, mean });
}
