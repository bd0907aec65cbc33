// What a primitive op is to the engine: how to emit its forward step (kernel calls on the
// pointers the plan assigns), its vector-Jacobian product as more equations of the same graph,
// and which input buffer its output may take over when that input dies with it.
import type { Kernels } from '../wasm/exports.js';
import { BATCH, makeEqn, type Eqn, type OpRef, type Shape, type SymbolicTensor, type DType } from './symbolic.js';

/** State shared by a program's steps: read at run time, so steps are built once and replanning rewrites only ptrs. */
export interface RunState {
  /** Rows of the batch dimension for this run. */
  rows: number;
  /** Byte address of every tensor slot. */
  ptrs: Float64Array;
  /** f64 values of scalars whose kernels return one (loss and sum), by slot: NaN where not set. */
  scalars: Float64Array;
  /** The PRNG state dropout draws from. */
  dropoutState: number;
  /** Views of the whole heap for scalar writes and label checks (re-derived after growth by the program). */
  heapF: Float32Array;
  heapI: Int32Array;
}

export interface EmitContext {
  readonly k: Kernels;
  readonly run: RunState;
  /** True for a training program (dropout active, batch statistics). */
  readonly training: boolean;
  /** The slot of a tensor in run.ptrs. */
  slot(t: SymbolicTensor): number;
  /** Whether a later step or the program's result reads this tensor. */
  used(t: SymbolicTensor): boolean;
}

export type Step = () => void;

export interface PrimitiveOp extends OpRef {
  readonly name: string;
  /** The forward step, or undefined when the op needs none (its output aliases an input). */
  emit(e: Eqn, c: EmitContext): Step | undefined;
  /** Gradients of the inputs from the gradients of the outputs (undefined: no gradient flows). */
  vjp?(e: Eqn, dOut: readonly (SymbolicTensor | undefined)[]): (SymbolicTensor | undefined)[];
  /** Output 0 may be written over input `inPlace` when that input's last use is this op. */
  readonly inPlace?: number;
  /** Output 0 is input `alias(e, training)` itself (no step), or -1. */
  alias?(e: Eqn, training: boolean): number;
}

export function isPrimitive(op: OpRef): op is PrimitiveOp {
  return typeof (op as PrimitiveOp).emit === 'function';
}

/** One equation of a primitive with one output; returns that output. */
export function apply(op: PrimitiveOp, inputs: readonly SymbolicTensor[], shape: Shape, attrs: Record<string, unknown> = {}, dtype: DType = 'float32'): SymbolicTensor {
  for (const t of inputs) {
    if (t.dtype !== 'float32') throw new ShapeError(`wasmnn: ${op.name} takes float32 tensors, got an ${t.dtype} input of shape ${t} (int32 inputs carry indices: for softmaxCrossEntropy, ops.gather, ops.oneHot, layers.embedding)`);
  }
  return makeEqn(op, inputs, [{ shape, dtype }], attrs).outputs[0];
}

/** Rows of t in this run: fixed, or the batch. Steps inline this as `(fixed || run.rows)`. */
export function fixedRows(t: SymbolicTensor): number {
  return t.shape[0] === BATCH ? 0 : t.shape[0];
}

/**
 * t as a [rows, cols] block split before dimension `split`: cols the product of the dimensions
 * from `split` on, rows those before it. With a batch, rows = run.rows * mult (fixed = 0).
 */
export interface View {
  readonly fixed: number;
  readonly mult: number;
  readonly cols: number;
}

export function viewOf(t: SymbolicTensor, split = 1): View {
  const s = t.shape;
  let lead = 1;
  for (let i = s[0] === BATCH ? 1 : 0; i < Math.min(split, s.length); i++) lead *= s[i];
  let cols = 1;
  for (let i = split; i < s.length; i++) cols *= s[i];
  return s[0] === BATCH ? { fixed: 0, mult: lead, cols } : { fixed: lead, mult: 1, cols };
}

/** Rows of a view in this run. */
export const viewRows = (v: View, run: RunState): number => v.fixed || run.rows * v.mult;

/** Refuses a tensor whose rank is not `rank` for an op that has no other meaning yet. */
export function requireRank(op: string, t: SymbolicTensor, rank: number, what = 'operand'): void {
  if (t.rank !== rank) throw new ShapeError(`wasmnn: ${op} takes a rank-${rank} ${what}, got ${t} (rank ${t.rank})`);
}

export class ShapeError extends RangeError {
  override name = 'ShapeError';
}
