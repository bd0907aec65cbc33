// Matrix products on the three GEMM kernels. y = a @ b with a [m, k], b [k, n];
// da = dy @ b^T (gemm NT), db = a^T @ dy (gemm TN): the same kernels, in the same argument
// order, as a dense layer always used, so a chain of dense layers computes the same bits.
import { apply, fixedRows, ShapeError, type PrimitiveOp } from '../op.js';
import { BATCH, showShape, type SymbolicTensor } from '../symbolic.js';

type Variant = 'nn' | 'nt' | 'tn';

function gemmOp(variant: Variant): PrimitiveOp {
  return {
    name: variant === 'nn' ? 'matmul' : `matmul_${variant}`,
    emit(e, c) {
      const [a, b] = e.inputs;
      const y = e.outputs[0];
      const P = c.run.ptrs, run = c.run, k = c.k;
      const sy = c.slot(y), sa = c.slot(a), sb = c.slot(b);
      // m, n from the output; the inner dimension from the operands (it may be the batch in TN).
      const fm = fixedRows(y), n = y.cols;
      if (variant === 'nn') {
        const kk = a.cols;
        return () => k.gemm_nn_f32(P[sy], P[sa], P[sb], fm || run.rows, n, kk, 1, 0);
      }
      if (variant === 'nt') {
        const kk = a.cols;
        return () => k.gemm_nt_f32(P[sy], P[sa], P[sb], fm || run.rows, n, kk, 1, 0);
      }
      const fk = fixedRows(a), m = y.rows;
      return () => k.gemm_tn_f32(P[sy], P[sa], P[sb], m, n, fk || run.rows, 1, 0);
    },
    vjp: variant === 'nn' ? (e, [dy]) => {
      if (!dy) return [undefined, undefined];
      const [a, b] = e.inputs;
      return [matmulNT(dy, b), matmulTN(a, dy)];
    } : undefined,
  };
}

const NN = gemmOp('nn');
const NT = gemmOp('nt');
const TN = gemmOp('tn');

export function matmul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.cols !== b.rows) throw new ShapeError(`wasmnn: matmul: ${showShape(a.shape)} @ ${showShape(b.shape)}: the first has ${a.cols} columns, the second ${b.rows === BATCH ? 'a batch of' : b.rows} rows`);
  if (b.rows === BATCH) throw new ShapeError(`wasmnn: matmul: the second operand ${showShape(b.shape)} must have a fixed number of rows`);
  return apply(NN, [a, b], [a.rows, b.cols]);
}

/** a @ b^T: a [m, k], b [n, k] -> [m, n]. */
export function matmulNT(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  return apply(NT, [a, b], [a.rows, b.rows]);
}

/** a^T @ b: a [k, m], b [k, n] -> [m, n]; k may be the batch. */
export function matmulTN(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.cols === BATCH) throw new ShapeError('wasmnn: matmul: a transposed batch cannot be the first operand');
  return apply(TN, [a, b], [a.cols, b.cols]);
}
