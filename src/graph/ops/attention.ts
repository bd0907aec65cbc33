// Scaled dot-product attention as one op on the fused kernels (assembly/attention.ts):
//   out = softmax(scale * q k^T + mask) v, per (batch, head) pair,
// q [batch, heads, tq, d], k [batch, heads, tk, d], v [batch, heads, tk, dv] -> [batch, heads, tq, dv]
// (PyTorch's scaled_dot_product_attention layout). The forward also writes each row's
// log-sum-exp (output 1, [batch, heads, tq]), from which the backward kernel recomputes the
// probabilities tile by tile and gives dq, dk and dv in one call. causal keeps key j for query i
// when j <= i (PyTorch's is_causal: the top-left diagonal, also when tq != tk). The mask is a
// constant [tq, tk], additive, or boolean (true: take part, as PyTorch's boolean attn_mask),
// shared by every (batch, head) pair. A query row that sees no key is NaN (the formula's 0/0).
// dropout p > 0 (PyTorch's dropout_p; training only): out = (softmax(...) * Z) v, Z = 1/(1-p) with
// probability 1-p, else 0, one factor per (batch, head, query, key), drawn from the program's
// dropout stream as ops.dropout draws (dropout_f32 on ones: outputs 2 and 3, Z and its raw
// numbers, [batch, heads, tq, tk]) and read again by the backward. NOTE: Z is kept, not regenerated
// from a counter in the backward as FlashAttention does: 2 x 4 bytes per score of training memory
// (PyTorch's math path keeps as much) for one stream and one code path. In evaluation Z is neither
// drawn nor read: the same kernel call, the same bits, as p = 0.
import { ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { BATCH, constant, makeEqn, showShape, type SymbolicTensor } from '../symbolic.js';

/** The largest head dimension (d or dv) the kernels take (their scratch tiles). */
export const MAX_HEAD_DIM = 128;

export type AttentionMask = ArrayLike<number | boolean> | readonly (readonly (number | boolean)[])[];

export interface AttentionAttrs {
  readonly scale: number;
  readonly causal: boolean;
  /** Dropout on the probabilities in training (0: none, no Z outputs). */
  readonly rate: number;
  readonly masked: boolean;
}

// (bh, tq, tk, d, dv) of an equation's q, k, v.
function dims(q: SymbolicTensor, k: SymbolicTensor, v: SymbolicTensor) {
  return { bh: viewOf(q, 2), tq: q.shape[2], tk: k.shape[2], d: q.shape[3], dv: v.shape[3] };
}

const attentionOp: PrimitiveOp = {
  name: 'dotProductAttention',
  emit(e, c) {
    const [q, k, v, mask] = e.inputs;
    const [o, lse, z, raw] = e.outputs;
    const { scale, causal, rate } = e.attrs as unknown as AttentionAttrs;
    const P = c.run.ptrs, run = c.run, kern = c.k;
    const so = c.slot(o), sl = c.slot(lse), sq = c.slot(q), sk = c.slot(k), sv = c.slot(v), sm = mask ? c.slot(mask) : -1;
    const { bh, tq, tk, d, dv } = dims(q, k, v), flag = causal ? 1 : 0;
    if (!(rate > 0 && c.training)) return () => kern.attention_f32(P[so], P[sl], P[sq], P[sk], P[sv], sm < 0 ? 0 : P[sm], 0, viewRows(bh, run), tq, tk, d, dv, scale, flag, 0);
    const sz = c.slot(z), sr = c.slot(raw);
    return () => {
      const units = viewRows(bh, run), n = units * tq * tk;
      kern.fill_f32(P[sz], n, 1);
      kern.dropout_f32(P[sz], P[sr], P[sz], n, rate, run.dropoutState);
      kern.attention_f32(P[so], P[sl], P[sq], P[sk], P[sv], sm < 0 ? 0 : P[sm], P[sz], units, tq, tk, d, dv, scale, flag, 0);
    };
  },
  vjp(e, [dO]) {
    if (!dO) return e.inputs.map(() => undefined);
    const [q, k, v, mask] = e.inputs;
    const [o, lse, z] = e.outputs;
    const inputs = [q, k, v, o, dO, lse, ...(mask ? [mask] : []), ...(z ? [z] : [])];
    const g = makeEqn(attentionGradOp, inputs, [q.shape, k.shape, v.shape], { ...e.attrs });
    return [...g.outputs, ...(mask ? [undefined] : [])];
  },
};

const attentionGradOp: PrimitiveOp = {
  name: 'dotProductAttentionGrad',
  emit(e, c) {
    const { scale, causal, masked, rate } = e.attrs as unknown as AttentionAttrs;
    const [q, k, v, o, dO, lse] = e.inputs, mask = masked ? e.inputs[6] : undefined, z = rate > 0 ? e.inputs[masked ? 7 : 6] : undefined;
    const [dq, dk, dv] = e.outputs;
    const P = c.run.ptrs, run = c.run, kern = c.k;
    const sdq = c.slot(dq), sdk = c.slot(dk), sdv = c.slot(dv), sq = c.slot(q), sk = c.slot(k), sv = c.slot(v);
    const so = c.slot(o), sdo = c.slot(dO), sl = c.slot(lse), sm = mask ? c.slot(mask) : -1, sz = z ? c.slot(z) : -1;
    const g = dims(q, k, v), flag = causal ? 1 : 0;
    return () => kern.attention_backward_f32(P[sdq], P[sdk], P[sdv], P[sq], P[sk], P[sv], P[so], P[sdo], P[sl], sm < 0 ? 0 : P[sm], sz < 0 ? 0 : P[sz], viewRows(g.bh, run), g.tq, g.tk, g.d, g.dv, scale, flag, 0);
  },
};

// A user's mask as the additive [tq, tk] constant: numbers as given, booleans 0 (true) or -inf.
function maskConstant(mask: AttentionMask, tq: number, tk: number, what: string): SymbolicTensor {
  const rows = Array.isArray(mask) && mask.length > 0 && Array.isArray(mask[0]);
  if (rows && (mask.length !== tq || (mask as readonly unknown[][]).some((r) => r.length !== tk))) {
    throw new ShapeError(`${what}: the mask must be [tq, tk] = [${tq}, ${tk}] rows, got ${mask.length} rows of ${(mask as readonly unknown[][]).map((r) => r.length).join('/')}`);
  }
  const flat = rows ? (mask as readonly (readonly (number | boolean)[])[]).flat() : Array.from(mask as ArrayLike<number | boolean>);
  if (flat.length !== tq * tk) throw new ShapeError(`${what}: the mask must hold tq x tk = ${tq} x ${tk} = ${tq * tk} values, got ${flat.length}`);
  const values = flat.map((x, i) => {
    if (typeof x === 'boolean') return x ? 0 : -Infinity;
    if (typeof x !== 'number' || Number.isNaN(x) || x === Infinity) throw new RangeError(`${what}: mask entry ${i} must be a boolean or a number below +Infinity, got ${String(x)}`);
    return x;
  });
  return constant(values, [tq, tk]);
}

/** softmax(scale * q k^T + mask) v over q [b, h, tq, d], k [b, h, tk, d], v [b, h, tk, dv]: [b, h, tq, dv]; dropout on the softmax in training. */
export function dotProductAttention(q: SymbolicTensor, k: SymbolicTensor, v: SymbolicTensor, options: { causal?: boolean; scale?: number; mask?: AttentionMask; dropout?: number } = {}): SymbolicTensor {
  const what = `wasmnn: dotProductAttention(q ${showShape(q.shape)}, k ${showShape(k.shape)}, v ${showShape(v.shape)})`;
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    if (t.rank !== 4) throw new ShapeError(`${what}: ${name} must be rank 4, [batch, heads, positions, features] (rank ${t.rank})`);
    if (t.dtype !== 'float32') throw new ShapeError(`${what}: ${name} must be float32, got ${t.dtype}`);
    if (t.shape.slice(1).includes(BATCH)) throw new ShapeError(`${what}: only the leading dimension of ${name} may be the batch`);
  }
  const [b, h, tq, d] = q.shape, [bk, hk, tk, dk] = k.shape, [bv, hv, tv, dv] = v.shape;
  if (b !== bk || b !== bv) throw new ShapeError(`${what}: q, k and v need the same batch (${showShape([b])}, ${showShape([bk])}, ${showShape([bv])})`);
  if (h !== hk || h !== hv) throw new ShapeError(`${what}: q, k and v need the same number of heads (${h}, ${hk}, ${hv})`);
  if (d !== dk) throw new ShapeError(`${what}: q and k need the same feature size d (${d} and ${dk})`);
  if (tk !== tv) throw new ShapeError(`${what}: k and v need the same number of positions (${tk} and ${tv})`);
  if (d > MAX_HEAD_DIM || dv > MAX_HEAD_DIM) throw new ShapeError(`${what}: head dimensions up to ${MAX_HEAD_DIM} are supported, got d ${d}, dv ${dv}`);
  const scale = options.scale ?? 1 / Math.sqrt(d);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw new RangeError(`${what}: scale must be a finite number, got ${String(options.scale)}`);
  const causal = options.causal ?? false;
  if (typeof causal !== 'boolean') throw new TypeError(`${what}: causal must be true or false, got ${String(causal)}`);
  const rate = options.dropout ?? 0;
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`${what}: dropout must be a number in [0, 1), got ${String(rate)}`);
  const inputs = [q, k, v];
  if (options.mask !== undefined) inputs.push(maskConstant(options.mask, tq, tk, what));
  const attrs: AttentionAttrs = { scale, causal, rate, masked: options.mask !== undefined };
  const z = rate > 0 ? [[b, h, tq, tk], [b, h, tq, tk]] : [];
  return makeEqn(attentionOp, inputs, [[b, h, tq, dv], [b, h, tq], ...z], { ...attrs }).outputs[0];
}
