// Index ops over int32 tensors of any shape [batch, ...]:
//   gather(table [vocab, dim], idx) = [..., dim], out[i, :] = table[idx[i], :] (an embedding lookup)
//   d table = dy's rows added into the rows idx names, in index order (scatter_add_rows_f32; no
//   one-hot matrix), split by table rows across threads with the same bits
//   oneHot(idx, depth) = [..., depth] of 0s with a 1 at each index (no gradient: indices are data)
// An index outside [0, vocab) is refused where it enters the op, before the kernel reads a row:
// index_check_i32 scans the run's indices in wasm and the message is built only on failure, so
// a step allocates nothing.
import { ShapeError, viewOf, viewRows, type PrimitiveOp, type RunState } from '../op.js';
import { BATCH, makeEqn, type SymbolicTensor } from '../symbolic.js';

/** The i32 tensor as a column of `rows` indices. */
const indices = (idx: SymbolicTensor) => viewOf(idx, idx.rank);

const gatherOp: PrimitiveOp = {
  name: 'gather',
  emit(e, c) {
    const [table, idx] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(e.outputs[0]), st = c.slot(table), si = c.slot(idx), v = indices(idx);
    const [vocab, dim] = table.shape, who = e.attrs.who as string;
    return () => {
      const n = viewRows(v, run);
      const bad = k.index_check_i32(P[si], n, vocab);
      if (bad >= 0) throw outOfRange(who, run, P[si], bad, idx, vocab, 'the vocabulary size');
      k.gather_rows_f32(P[sy], P[st], P[si], n, dim);
    };
  },
  vjp(e, [dy]) {
    if (!dy) return [undefined, undefined];
    const [table, idx] = e.inputs;
    return [makeEqn(scatterOp, [dy, idx], [table.shape]).outputs[0], undefined];
  },
};

const scatterOp: PrimitiveOp = {
  name: 'gatherGrad',
  emit(e, c) {
    const [dy, idx] = e.inputs;
    const dt = e.outputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(dt), sdy = c.slot(dy), si = c.slot(idx), v = indices(idx);
    const [vocab, dim] = dt.shape;
    return () => k.scatter_add_rows_f32(P[sd], P[sd], P[sdy], P[si], vocab, viewRows(v, run), dim);
  },
};

const oneHotOp: PrimitiveOp = {
  name: 'oneHot',
  emit(e, c) {
    const idx = e.inputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(e.outputs[0]), si = c.slot(idx), v = indices(idx), depth = e.attrs.depth as number;
    return () => {
      const n = viewRows(v, run);
      const bad = k.index_check_i32(P[si], n, depth);
      if (bad >= 0) throw outOfRange('oneHot', run, P[si], bad, idx, depth, 'the depth');
      k.one_hot_f32(P[sy], P[si], n, depth);
    };
  },
  vjp: () => [undefined],
};

// Built only when a check fails: the index, where it is (batch row first) and the size.
function outOfRange(who: string, run: RunState, ptr: number, at: number, idx: SymbolicTensor, size: number, what: string): RangeError {
  const value = run.heapI[ptr / 4 + at];
  const dims = idx.shape.map((d) => (d === BATCH ? run.rows : d));
  const pos: number[] = [];
  for (let i = dims.length - 1, r = at; i >= 0; i--) {
    pos.unshift(r % dims[i]);
    r = Math.floor(r / dims[i]);
  }
  return new RangeError(`wasmnn: ${who}: index ${value} at position [${pos.join(', ')}] is outside [0, ${size}) (${what} is ${size})`);
}

function requireIndices(op: string, idx: SymbolicTensor): void {
  if (idx.dtype !== 'int32') throw new ShapeError(`wasmnn: ${op} takes int32 indices (input({ shape, dtype: 'int32' })), got a ${idx.dtype} tensor of shape ${idx}`);
}

/** table[idx]: rows of a [vocab, dim] table at int32 indices of any shape; `who` names the op or layer in errors. */
export function gather(table: SymbolicTensor, idx: SymbolicTensor, who = 'gather'): SymbolicTensor {
  requireIndices(who, idx);
  if (table.dtype !== 'float32' || table.rank !== 2 || table.shape[0] === BATCH) {
    throw new ShapeError(`wasmnn: ${who}: the table is a float32 [vocab, dim] tensor (a parameter, say), got ${table.dtype === 'float32' ? '' : `${table.dtype} `}${table}`);
  }
  return makeEqn(gatherOp, [table, idx], [[...idx.shape, table.shape[1]]], { who }).outputs[0];
}

/** 1 at each index's place along a new last axis of `depth`, 0 elsewhere. */
export function oneHot(idx: SymbolicTensor, depth: number): SymbolicTensor {
  requireIndices('oneHot', idx);
  if (!Number.isInteger(depth) || depth <= 0) throw new RangeError(`wasmnn: oneHot: depth must be a positive integer, got ${depth}`);
  return makeEqn(oneHotOp, [idx], [[...idx.shape, depth]], { depth }).outputs[0];
}

