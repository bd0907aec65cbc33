// Matrix products on the three GEMM kernels. y = a @ b with a [m, k], b [k, n]; an a of higher
// rank [..., k] is read as its [positions, k] rows (a dense layer on the last axis, the im2col
// rows of a convolution), so y is [..., n];
// da = dy @ b^T (gemm NT), db = a^T @ dy (gemm TN): the same kernels, in the same argument
// order, as a dense layer always used, so a chain of dense layers computes the same bits.
import { apply, requireRank, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, showShape, type SymbolicTensor } from '../symbolic.js';
import { batchedMatmul } from './batched-matmul.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';

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
      const vy = rowsView(y), n = vy.cols;
      if (variant === 'nn') {
        const kk = rowsView(a).cols;
        return () => k.gemm_nn_f32(P[sy], P[sa], P[sb], viewRows(vy, run), n, kk, 1, 0);
      }
      if (variant === 'nt') {
        const kk = rowsView(a).cols;
        return () => k.gemm_nt_f32(P[sy], P[sa], P[sb], viewRows(vy, run), n, kk, 1, 0);
      }
      const va = rowsView(a), m = y.rows;
      return () => k.gemm_tn_f32(P[sy], P[sa], P[sb], m, n, viewRows(va, run), 1, 0);
    },
    vjp: variant === 'nn' ? (e, [dy]) => {
      if (!dy) return [undefined, undefined];
      const [a, b] = e.inputs;
      return [matmulNT(dy, b), matmulTN(a, dy)];
    } : undefined,
  };
}

/** t as [positions, last axis]. */
const rowsView = (t: SymbolicTensor) => viewOf(t, t.rank - 1);

const NN = gemmOp('nn');
const NT = gemmOp('nt');
const TN = gemmOp('tn');

/** a [..., k] @ b [k, n] -> [..., n]; b of higher rank: a batched product, leading dimensions broadcast (ops/batched-matmul.ts). */
export function matmul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.rank < 2) throw new ShapeError(`wasmnn: matmul takes a first operand of rank 2 or more, got ${a}`);
  // A b whose leading dimensions are all 1 (and no more of them than a has) is one [k, n] matrix.
  if (b.rank > 2 && (b.rank > a.rank || b.shape.slice(0, -2).some((d) => d !== 1))) return batchedMatmul(a, b);
  if (b.rank > 2) b = reshape(b, b.shape.slice(-2), 'matmul');
  requireRank('matmul', b, 2, 'second operand');
  const k = a.shape[a.rank - 1];
  if (k !== b.rows) throw new ShapeError(`wasmnn: matmul: ${showShape(a.shape)} @ ${showShape(b.shape)}: the first has ${k} columns, the second ${b.rows === BATCH ? 'a batch of' : b.rows} rows`);
  if (b.rows === BATCH) throw new ShapeError(`wasmnn: matmul: the second operand ${showShape(b.shape)} must have a fixed number of rows`);
  return apply(NN, [a, b], [...a.shape.slice(0, -1), b.cols]);
}

/** a @ b^T: a [..., k], b [n, k] -> [..., n]. */
export function matmulNT(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  return apply(NT, [a, b], [...a.shape.slice(0, -1), b.rows]);
}

/**
 * a^T @ b over every position: a [..., m], b [..., n] -> [m, n]; the positions may hold the batch.
 * With few rows of the result against more columns (a first convolution's dW: 9 x 16 over 86 528
 * positions) it is (b^T a)^T: the threaded runtime splits a product by rows of its result, in
 * blocks of 4, and 9 rows went 8 and 1 to two threads, 16 go 8 and 8. Each entry is the same sum of
 * the same products in the same order either way (from 5 rows both are 4x8-kernel paths), so the bits match.
 */
export function matmulTN(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  if (a.cols === BATCH) throw new ShapeError('wasmnn: matmul: a transposed batch cannot be the first operand');
  const m = a.shape[a.rank - 1], n = b.shape[b.rank - 1];
  if (m >= 5 && m < 16 && n >= 2 * m && b.cols !== BATCH) return transpose(apply(TN, [b, a], [n, m]), [1, 0]);
  return apply(TN, [a, b], [m, n]);
}
