// Attention of the last tq of len positions over a key/value cache (a generating model's step):
//   o = softmax(scale * q k[0..len)^T, causal) v[0..len), query i at position len - tq + i,
// per unit u of bh (a head): q [tq, d] and o [tq, dv] contiguous, units one after another; the
// unit's keys [len, d] and values [len, dv] the first len rows of a cache of ld >= len rows (unit
// u's at k + u*ld*d floats). It is attention_f32's forward on those rows with the bottom-right
// causal diagonal (diag = len - tq), so a query's output has the bits of the same row in a causal
// attention_f32 over the whole sequence (a tile's keys past the query count as exact zeros there).
// Any 4-byte alignment; o must not overlap an input; d, dv <= 128 (else it traps).
import { forwardUnit } from './attention';
import { ATTN_DMAX } from './scratch';

/** (o, q, k, v, bh, tq, len, ld, d, dv, scale): the last tq of len positions over the cached keys 0..len-1 of bh units. */
export function attention_decode_f32(o: usize, q: usize, k: usize, v: usize, bh: i32, tq: i32, len: i32, ld: i32, d: i32, dv: i32, scale: f32): void {
  if (d > ATTN_DMAX || dv > ATTN_DMAX || tq > len || len > ld) unreachable();
  for (let u = 0; u < bh; u++) {
    const ou = o + (<usize>(u * tq * dv) << 2), qu = q + (<usize>(u * tq * d) << 2);
    const ku = k + (<usize>(u * ld * d) << 2), vu = v + (<usize>(u * ld * dv) << 2);
    forwardUnit(ou, 0, qu, ku, vu, 0, 0, tq, len, d, dv, scale, true, len - tq);
  }
}
