// Boxes of N-d tensors: pad (x placed inside a larger tensor filled with a constant) and crop
// (a box of x: tfjs' slice along several axes), each the other's gradient:
//   pad:  y = c everywhere, y[b_0 + i_0, ..., b_r + i_r] = x[i];  dx = crop(dy at b)
//   crop: y[i] = x[b_0 + i_0, ...];                               dx = pad(dy with zeros)
// The copy between the small tensor and the box of the big one is copy_block_f32 calls: the axes
// after the last one that differs are contiguous (one row of the box is s_L * inner elements), a
// call copies the rows along the axis before it, and the axes before that are counted through.
// The batch axis is never cut (it is whole in both).
import { apply, ShapeError, type PrimitiveOp, type RunState } from '../op.js';
import { BATCH, type Shape, type SymbolicTensor } from '../symbolic.js';
import type { Kernels } from '../../wasm/exports.js';

interface Box {
  /** The last axis where small and big differ (-1: they are the same). */
  last: number;
  /** Elements of a box row (s_L * inner), of a big row along the same axis (d_L * inner), and the row's offset in it. */
  row: number;
  bigRow: number;
  rowOffset: number;
  /** The axis before `last`: rows per call, their first index in big, and big's stride along it. */
  rows: number;
  rowsBegin: number;
  /** Counted axes 0..last-2: small's extents, the begin in big, big's strides (elements). */
  counts: Int32Array;
  begins: Int32Array;
  strides: Float64Array;
  batch: boolean;
}

function boxOf(small: Shape, big: Shape, begin: readonly number[]): Box {
  const r = big.length;
  let last = -1;
  for (let i = 0; i < r; i++) if (small[i] !== big[i]) last = i;
  const dim = (s: Shape, i: number) => (s[i] === BATCH ? 1 : s[i]);
  let inner = 1;
  for (let i = last + 1; i < r; i++) inner *= dim(big, i);
  const strides = new Float64Array(r);
  let st = 1;
  for (let i = r - 1; i >= 0; i--) {
    strides[i] = st;
    st *= dim(big, i);
  }
  const outer = Math.max(last - 1, 0);
  return {
    last, row: last < 0 ? 0 : small[last] * inner, bigRow: last < 0 ? 0 : big[last] * inner, rowOffset: last < 0 ? 0 : begin[last] * inner,
    rows: last > 0 ? dim(small, last - 1) : 1, rowsBegin: last > 0 ? begin[last - 1] : 0,
    counts: Int32Array.from({ length: outer }, (_, i) => dim(small, i)), begins: Int32Array.from(begin.slice(0, outer)), strides: strides.slice(0, outer),
    batch: big[0] === BATCH,
  };
}

/** Copies between small (contiguous) and the box of big; toBig: small -> big, else big -> small. */
function boxCopy(k: Kernels, run: RunState, g: Box, small: number, big: number, toBig: boolean): void {
  const n = g.counts.length;
  // The batch, when it is axis 0, is counted (n > 0) or the rows of the call (last == 1).
  const rows = g.batch && g.last === 1 ? run.rows : g.rows;
  const bigStep = g.last > 0 ? g.bigRow : 0;
  let calls = 1;
  for (let i = 0; i < n; i++) calls *= g.batch && i === 0 ? run.rows : g.counts[i];
  const rowStart = g.rowsBegin * bigStep + g.rowOffset, chunk = rows * g.row;
  for (let q = 0; q < calls; q++) {
    let rest = q, at = rowStart;
    for (let i = n - 1; i >= 0; i--) {
      const extent = g.batch && i === 0 ? run.rows : g.counts[i];
      at += (g.begins[i] + (rest % extent)) * g.strides[i];
      rest = Math.floor(rest / extent);
    }
    const s = small + 4 * q * chunk, b = big + 4 * at;
    if (toBig) k.copy_block_f32(b, bigStep, s, g.row, rows, g.row);
    else k.copy_block_f32(s, g.row, b, bigStep, rows, g.row);
  }
}

const padOp: PrimitiveOp = {
  name: 'pad',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), value = e.attrs.value as number, g = boxOf(x.shape, y.shape, e.attrs.before as number[]);
    const per = y.shape.reduce((n, d) => (d === BATCH ? n : n * d), 1);
    return () => {
      k.fill_f32(P[sy], (g.batch ? run.rows : 1) * per, value);
      boxCopy(k, run, g, P[sx], P[sy], true);
    };
  },
  vjp(e, [dy]) {
    return [dy && cropBox(dy, e.attrs.before as number[], e.inputs[0].shape)];
  },
};

const cropOp: PrimitiveOp = {
  name: 'crop',
  emit(e, c) {
    const x = e.inputs[0], y = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sx = c.slot(x), sy = c.slot(y), g = boxOf(y.shape, x.shape, e.attrs.begin as number[]);
    return () => boxCopy(k, run, g, P[sy], P[sx], false);
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined];
    const begin = e.attrs.begin as number[], x = e.inputs[0];
    return [padBox(dy, begin, x.shape.map((d, i) => (d === BATCH ? 0 : d - begin[i] - dy.shape[i])), 0)];
  },
};

/** x padded by before[i] / after[i] elements of `value` on axis i (checked by the caller). */
export function padBox(x: SymbolicTensor, before: readonly number[], after: readonly number[], value: number): SymbolicTensor {
  if (before.every((b, i) => b === 0 && after[i] === 0)) return x;
  return apply(padOp, [x], x.shape.map((d, i) => (d === BATCH ? d : d + before[i] + after[i])), { before: [...before], after: [...after], value });
}

/** The box of x of shape `size` from `begin` (checked by the caller; the batch, if any, whole). */
export function cropBox(x: SymbolicTensor, begin: readonly number[], size: Shape): SymbolicTensor {
  if (size.every((d, i) => d === x.shape[i])) return x;
  return apply(cropOp, [x], [...size], { begin: [...begin] });
}

/** tfjs' pad: paddings [[before, after], ...] one pair per axis (the batch's [0, 0]). */
export function pad(x: SymbolicTensor, paddings: readonly (readonly number[])[], value = 0): SymbolicTensor {
  const bad = (why: string) => new ShapeError(`wasmnn: pad: ${why}; got paddings ${JSON.stringify(paddings)} for ${x}`);
  if (!Array.isArray(paddings) || paddings.length !== x.rank) throw bad(`paddings needs one [before, after] pair for each of the ${x.rank} axes`);
  paddings.forEach((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d >= 0)) throw bad(`axis ${i}'s padding must be [before, after] of non-negative integers`);
    if (x.shape[i] === BATCH && (p[0] !== 0 || p[1] !== 0)) throw bad('the batch axis (0) cannot be padded: its padding must be [0, 0]');
  });
  if (typeof value !== 'number' || Number.isNaN(value)) throw new RangeError(`wasmnn: pad: constantValue must be a number, got ${String(value)}`);
  return padBox(x, paddings.map((p) => p[0]), paddings.map((p) => p[1]), value);
}

/** tfjs' slice's box, checked: begin and size per axis (size -1: to the end; short lists pad with 0 and -1). */
export function sliceBounds(x: SymbolicTensor, begin: readonly number[], size: readonly number[] | undefined): { begin: number[]; size: number[] } {
  const r = x.rank, sz = size ?? [];
  const bad = (why: string) => new ShapeError(`wasmnn: slice: ${why}; got begin ${JSON.stringify(begin)}, size ${JSON.stringify(size)} for ${x}`);
  if (!Array.isArray(begin) || begin.length > r || !Array.isArray(sz) || sz.length > r) throw bad(`begin and size have at most one entry for each of the ${r} axes`);
  const b = Array.from({ length: r }, (_, i) => begin[i] ?? 0);
  const s = Array.from({ length: r }, (_, i) => sz[i] ?? -1);
  const out = x.shape.map((d, i) => {
    if (!Number.isInteger(b[i]) || !Number.isInteger(s[i])) throw bad(`axis ${i}: begin and size must be integers`);
    if (d === BATCH) {
      if (b[i] !== 0 || s[i] !== -1) throw bad('the batch axis (0) is taken whole: begin 0 and size -1');
      return d;
    }
    const n = s[i] === -1 ? d - b[i] : s[i];
    if (b[i] < 0 || n <= 0 || b[i] + n > d) throw bad(`axis ${i}: [${b[i]}, ${b[i] + n}) is not inside its ${d} entries`);
    return n;
  });
  return { begin: b, size: out };
}
