// Batched matrix products: y[..., m, n] = a[..., m, k] @ b[..., k, n], the leading dimensions
// broadcast as NumPy's (aligned from the right, a 1 or a missing dimension read again for each
// index of the other; the batch may be one of them, and stays the leading axis). One GEMM call per
// output matrix on the kernels a dense layer uses (each call splits across threads as any GEMM).
// Gradients, per output matrix: da = dy @ b^T (gemm NT), db = a^T @ dy (gemm TN); where an operand
// was broadcast, the calls for its one matrix add into it (beta 1 after the first), which is the
// sum over the broadcast dimensions. The reference is src/reference/gemm.ts's batchedMatmul.
import { apply, ShapeError, type PrimitiveOp } from '../op.js';
import { BATCH, showShape, type Shape, type SymbolicTensor } from '../symbolic.js';

type Variant = 'nn' | 'nt' | 'tn';

/** Which matrix of each of c, a, b the i-th output matrix of one sample uses, and their batch strides. */
interface Mapping {
  batch: boolean;
  per: number;
  off: [Int32Array, Int32Array, Int32Array];
  batchStride: [number, number, number];
  /** Whether matrix i of c is written for the first time within a sample. */
  first: Uint8Array;
}

/** NumPy's broadcast of leading dimensions (BATCH against BATCH or 1), or undefined. */
function broadcastLead(a: Shape, b: Shape): Shape | undefined {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

function mapping(lead: Shape, leads: readonly Shape[]): Mapping {
  const batch = lead[0] === BATCH;
  const dims = batch ? lead.slice(1) : [...lead];
  const per = dims.reduce((n, d) => n * d, 1);
  const off = leads.map((t) => {
    const padded = [...Array<number>(lead.length - t.length).fill(1), ...t].slice(batch ? 1 : 0);
    const o = new Int32Array(per);
    for (let i = 0; i < per; i++) {
      let rest = i, at = 0, stride = 1;
      for (let j = dims.length - 1; j >= 0; j--) {
        const idx = rest % dims[j];
        rest = Math.floor(rest / dims[j]);
        if (padded[j] !== 1) at += idx * stride;
        stride *= padded[j];
      }
      o[i] = at;
    }
    return o;
  }) as Mapping['off'];
  const batchStride = leads.map((t) => (batch && t.length === lead.length && t[0] === BATCH ? t.slice(1).reduce((n, d) => n * d, 1) : 0)) as Mapping['batchStride'];
  const seen = new Set<number>();
  const first = Uint8Array.from(off[0], (o) => (seen.has(o) ? 0 : (seen.add(o), 1)));
  return { batch, per, off, batchStride, first };
}

function batchedOp(variant: Variant): PrimitiveOp {
  return {
    name: `batchedMatmul${variant === 'nn' ? '' : `_${variant}`}`,
    emit(e, c) {
      const [a, b] = e.inputs;
      const y = e.outputs[0];
      const P = c.run.ptrs, run = c.run, k = c.k;
      const sy = c.slot(y), sa = c.slot(a), sb = c.slot(b);
      const [ra, ca] = a.shape.slice(-2), [rb, cb] = b.shape.slice(-2), [m, n] = y.shape.slice(-2);
      const sizeA = ra * ca * 4, sizeB = rb * cb * 4, sizeY = m * n * 4;
      const gemm = variant === 'nn' ? k.gemm_nn_f32 : variant === 'nt' ? k.gemm_nt_f32 : k.gemm_tn_f32;
      const inner = variant === 'tn' ? ra : ca; // nn, nt: a's columns; tn: a's rows
      const map = e.attrs.map as Mapping, per = map.per, [oy, oa, ob] = map.off, [by, ba, bb] = map.batchStride, first = map.first;
      return () => {
        const samples = map.batch ? run.rows : 1;
        for (let s = 0; s < samples; s++) {
          for (let i = 0; i < per; i++) {
            const beta = first[i] === 1 && (s === 0 || by !== 0) ? 0 : 1;
            gemm(P[sy] + (s * by + oy[i]) * sizeY, P[sa] + (s * ba + oa[i]) * sizeA, P[sb] + (s * bb + ob[i]) * sizeB, m, n, inner, 1, beta);
          }
        }
      };
    },
    vjp: variant === 'nn' ? (e, [dy]) => {
      if (!dy) return [undefined, undefined];
      const [a, b] = e.inputs;
      return [product(NT, dy, b, a.shape, e.attrs.lead as Shape), product(TN, a, dy, b.shape, e.attrs.lead as Shape)];
    } : undefined,
  };
}

const NN = batchedOp('nn');
const NT = batchedOp('nt');
const TN = batchedOp('tn');

/** A product into a tensor of shape `out` over the output matrices of `lead`. */
function product(op: PrimitiveOp, a: SymbolicTensor, b: SymbolicTensor, out: Shape, lead: Shape): SymbolicTensor {
  const map = mapping(lead, [out.slice(0, -2), a.shape.slice(0, -2), b.shape.slice(0, -2)]);
  return apply(op, [a, b], out, { map, lead });
}

/** a [..., m, k] @ b [..., k, n], the leading dimensions broadcast -> [...broadcast, m, n]. */
export function batchedMatmul(a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  const what = `matmul: ${showShape(a.shape)} @ ${showShape(b.shape)}`;
  const [m, k] = a.shape.slice(-2), [kb, n] = b.shape.slice(-2);
  if (m === BATCH || k === BATCH || kb === BATCH || n === BATCH) throw new ShapeError(`wasmnn: ${what}: the batch cannot be one of the two matrix dimensions`);
  if (k !== kb) throw new ShapeError(`wasmnn: ${what}: the first's matrices have ${k} columns, the second's ${kb} rows`);
  const la = a.shape.slice(0, -2), lb = b.shape.slice(0, -2);
  const lead = broadcastLead(la, lb);
  if (!lead) throw new ShapeError(`wasmnn: ${what}: the leading dimensions ${showShape(la)} and ${showShape(lb)} do not broadcast (aligned from the right, each pair must be equal or one of them 1)`);
  if (lead.indexOf(BATCH) > 0) throw new ShapeError(`wasmnn: ${what}: the batch would not be the leading axis of the result ${showShape([...lead, m, n])} (the other operand has more leading dimensions)`);
  return product(NN, a, b, [...lead, m, n], lead);
}
