// Batched matrix products: y[..., m, n] = a[..., m, k] @ b[..., k, n] for operands with the same
// leading dimensions (the batch may be one of them), one GEMM call per matrix on the kernels a
// dense layer uses (each call splits across threads as any GEMM). Gradients, per matrix:
// da = dy @ b^T (gemm NT), db = a^T @ dy (gemm TN). The reference is src/reference/gemm.ts's
// batchedMatmul. Broadcasting of the leading dimensions is not in the engine yet.
import { apply, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, showShape, type SymbolicTensor } from '../symbolic.js';

type Variant = 'nn' | 'nt' | 'tn';

function batchedOp(variant: Variant): PrimitiveOp {
  return {
    name: `batchedMatmul${variant === 'nn' ? '' : `_${variant}`}`,
    emit(e, c) {
      const [a, b] = e.inputs;
      const y = e.outputs[0];
      const P = c.run.ptrs, run = c.run, k = c.k;
      const sy = c.slot(y), sa = c.slot(a), sb = c.slot(b);
      const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2), [m, n] = y.shape.slice(-2);
      const v = viewOf(y, y.rank - 2); // one row a matrix
      const sizeA = ra * ca * 4, sizeB = rb * cb * 4, sizeY = m * n * 4;
      const gemm = variant === 'nn' ? k.gemm_nn_f32 : variant === 'nt' ? k.gemm_nt_f32 : k.gemm_tn_f32;
      const inner = variant === 'tn' ? ra : ca; // nn, nt: a's columns; tn: a's rows
      return () => {
        const count = viewRows(v, run);
        for (let i = 0; i < count; i++) gemm(P[sy] + i * sizeY, P[sa] + i * sizeA, P[sb] + i * sizeB, m, n, inner, 1, 0);
      };
    },
    vjp: variant === 'nn' ? (e, [dy]) => {
      if (!dy) return [undefined, undefined];
      const [a, b] = e.inputs;
      return [product(NT, dy, b, b.shape.at(-2)!), product(TN, a, dy, dy.shape.at(-1)!, a.shape.at(-1)!)];
    } : undefined,
  };
}

const NN = batchedOp('nn');
const NT = batchedOp('nt');
const TN = batchedOp('tn');

// The output [...lead, m, n] of a product whose operands share their leading dimensions.
function product(op: PrimitiveOp, a: SymbolicTensor, b: SymbolicTensor, n: number, m = a.shape.at(-2)!): SymbolicTensor {
  return apply(op, [a, b], [...a.shape.slice(0, -2), m, n]);
}

/** a [..., m, k] @ b [..., k, n] with the same leading dimensions -> [..., m, n]. */
export function batchedMatmul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  const what = `matmul: ${showShape(a.shape)} @ ${showShape(b.shape)}`;
  if (a.rank !== b.rank || a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) {
    throw new ShapeError(`wasmnn: ${what}: batched operands need the same leading dimensions (broadcasting them is not in the engine yet)`);
  }
  const [m, k] = a.shape.slice(-2), [kb, n] = b.shape.slice(-2);
  if (m === BATCH || k === BATCH || kb === BATCH || n === BATCH) throw new ShapeError(`wasmnn: ${what}: the batch cannot be one of the two matrix dimensions`);
  if (k !== kb) throw new ShapeError(`wasmnn: ${what}: the first's matrices have ${k} columns, the second's ${kb} rows`);
  return product(NN, a, b, n);
}
