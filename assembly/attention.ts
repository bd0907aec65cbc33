// Fused scaled dot-product attention, FlashAttention-2's schedule on one core. Per unit u of bh
// (one (batch, head) pair), with s = scale * q k^T + mask:
//   o = softmax(s) v,  lse = log(sum_j exp(s_ij))            (forward)
//   P = exp(s - lse), dP = dO v^T, D = rowsum(dO * o), dS = P * (dP - D) * scale,
//   dq = dS k, dk = dS^T q, dv = P^T dO                      (backward)
// Layout, row-major and contiguous per unit: q [tq, d], k [tk, d], v [tk, dv], o and dO [tq, dv],
// lse [tq]; units follow each other (q of unit u at q + u*tq*d floats); mask [tq, tk] additive,
// shared by every unit, or 0 for none; drop [tq, tk] per unit, or 0: dropout on P, Z = 0 or
// 1/(1-p) drawn by the host, o = (P * Z) v, dS = P * (Z * dP - D) * scale, dv = (P * Z)^T dO, D
// = rowsum(dO * o) as without it (FlashAttention's dropout, the mask kept instead of regenerated).
// Any 4-byte alignment; no output may overlap an input.
// causal != 0 keeps key j for query i only when j <= i + diag (diag 0: PyTorch's is_causal, the
// top-left diagonal; tk - tq: the bottom-right one). A row with no key left gives o = NaN, as the
// formula does (softmax of -inf everywhere), and lse = -inf; the backward takes its P as 0 (no
// gradient flows through it, where the formula's is NaN).
// The forward walks tiles of ATTN_BQ queries x ATTN_BK keys with an online softmax (a running max
// m and sum l per row, the output accumulator rescaled by exp(m_old - m_new)), so the tq x tk
// scores never leave a tile; it writes lse (unless its pointer is 0) for the backward, which
// recomputes each tile's scores from q and k and lse instead of storing P. Key tiles wholly above
// the causal diagonal are skipped (and, in the backward, query tiles wholly below a key tile's).
// Every product is one small GEMM (attention-tiles.ts' mm, v128 over 4 rows x 8 columns, the build's
// multiply-add) on tiles packed into scratch with the head dimensions rounded up to 4 (zeros), so
// d and dv need no tail; both are at most ATTN_DMAX (128). exp is simdmath's exp4 (1-2 ulp).
// NOTE: ATTN_BQ 32 x ATTN_BK 64 (scratch.ts). bench/attention.mjs, Zen 5, one thread, 2 shared cores,
// batch 4 x 4 heads, d 32, GFLOP/s of 4 tq tk d a pair. Kernels alone (load ~4): forward t 64 23.2,
// t 256 23.9 (causal t 256 37.5, skipped tiles counted as done) against 11.4 / 12.0 for gemm_nt +
// softmax_rows + gemm_nn; backward 34.9 / 36.6 (of 2.5x the forward's flops). Through the graph
// (Model.predict, copies in and out included; load ~2.3, medians): the op 13.8 / 20.7 against
// transpose + matmul + mul + softmax + matmul 7.6 / 10.4. Tried: 64 x 64 (forward 24.5 / 25.1 but
// causal t 64 16.6, t 256 32.9: fewer tiles skipped), 32 x 32 (22.0 / 22.1, backward 31).
import { exp4 } from './simdmath';
import { copyRun, zeroRun } from './runs';
import { at, mm, packT, packRows } from './attention-tiles';
import { SCRATCH_BASE, S_ATTN, ATTN_BYTES, ATTN_BQ, ATTN_BK, ATTN_DMAX } from './scratch';

const BASE: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_ATTN : memory.data(ATTN_BYTES, 64);
const BQ: i32 = ATTN_BQ;
const BK: i32 = ATTN_BK;
const PANEL: usize = <usize>(ATTN_BK * ATTN_DMAX) << 2;
const ROWS: usize = <usize>(ATTN_BQ * ATTN_DMAX) << 2;
const TILE: usize = <usize>(ATTN_BQ * ATTN_BK) << 2;
const KT: usize = BASE; // [d, BK] the key tile transposed
const VT: usize = KT + PANEL; // backward [dv, BK] V^T; forward [BK, dvp] V
const KP: usize = VT + PANEL; // [BK, dp] K
const DK: usize = KP + PANEL; // [BK, dp]
const DV: usize = DK + PANEL; // [BK, dvp]
const QP: usize = DV + PANEL; // backward [BQ, dp] Q; forward [BQ, dvp] the output accumulator
const DOP: usize = QP + ROWS; // [BQ, dvp] dO
const DQ: usize = DOP + ROWS; // [BQ, dp] a tile's share of dq
const S: usize = DQ + ROWS; // [BQ, BK] scores, then P
const DS: usize = S + TILE; // [BQ, BK] dP, then dS
const PT: usize = DS + TILE; // [BK, BQ] P^T, then dS^T
const M: usize = PT + TILE; // [BQ] running max
const L: usize = M + (<usize>ATTN_BQ << 2); // [BQ] running sum

// dst[c, r] = src[r, c] for r < h, c < w; src rows BK apart, dst rows BQ apart.
function transposeTile(dst: usize, src: usize, h: i32, w: i32): void {
  for (let r = 0; r < h; r++) {
    const row = src + (<usize>(r * BK) << 2);
    for (let c = 0; c < w; c++) store<f32>(at(dst, c * BQ + r), load<f32>(at(row, c)));
  }
}

// A score row: s = scale * (q.k) + mask for the lim keys this query sees, -inf for the rest of wp.
@inline function scoreRow(row: usize, wp: i32, lim: i32, scale: f32, maskRow: usize): void {
  const sv = f32x4.splat(scale);
  for (let c = 0; c < wp; c += 4) v128.store(at(row, c), f32x4.mul(v128.load(at(row, c)), sv));
  if (maskRow) for (let c = 0; c < lim; c++) store<f32>(at(row, c), load<f32>(at(row, c)) + load<f32>(at(maskRow, c)));
  for (let c = lim; c < wp; c++) store<f32>(at(row, c), -Infinity);
}

// Keys of the tile [j0, j0 + w) that query i sees.
@inline function seen(i: i32, j0: i32, w: i32, causal: bool, diag: i32): i32 {
  return causal ? min(max(i + diag - j0 + 1, 0), w) : w;
}

@inline function rowMax(row: usize, wp: i32): f32 {
  let m = f32x4.splat(-Infinity);
  for (let c = 0; c < wp; c += 4) m = f32x4.max(m, v128.load(at(row, c)));
  return max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)));
}

// row = exp(row - base); returns the row's sum (four lanes, then (l0 + l1) + (l2 + l3)).
@inline function expRow(row: usize, wp: i32, base: f32): f32 {
  const b = f32x4.splat(base);
  let s = f32x4.splat(0);
  for (let c = 0; c < wp; c += 4) {
    const e = exp4(f32x4.sub(v128.load(at(row, c)), b));
    v128.store(at(row, c), e);
    s = f32x4.add(s, e);
  }
  return (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

export function forwardUnit(o: usize, lse: usize, q: usize, k: usize, v: usize, mask: usize, drop: usize, tq: i32, tk: i32, d: i32, dv: i32, scale: f32, causal: bool, diag: i32): void {
  const dvp = (dv + 3) & ~3;
  const acc = QP;
  for (let i0 = 0; i0 < tq; i0 += BQ) {
    const h = min(BQ, tq - i0);
    // Keys past the last row's diagonal are masked for the whole tile.
    const jEnd = causal ? min(max(i0 + h + diag, 0), tk) : tk;
    for (let r = 0; r < h; r++) {
      store<f32>(at(M, r), -Infinity);
      store<f32>(at(L, r), 0);
    }
    zeroRun(acc, h * dvp);
    const qi = at(q, i0 * d);
    for (let j0 = 0; j0 < jEnd; j0 += BK) {
      const w = min(BK, jEnd - j0), wp = (w + 3) & ~3;
      packT(KT, BK, at(k, j0 * d), d, w, wp);
      packRows(VT, dvp, at(v, j0 * dv), dv, w);
      mm(S, BK, qi, d, KT, BK, h, wp, d, false);
      for (let r = 0; r < h; r++) {
        const row = S + (<usize>(r * BK) << 2);
        scoreRow(row, wp, seen(i0 + r, j0, w, causal, diag), scale, mask ? at(mask, (i0 + r) * tk + j0) : 0);
        const mOld = load<f32>(at(M, r));
        const mNew = max(mOld, rowMax(row, wp));
        const base: f32 = mNew == -Infinity ? 0 : mNew; // no key seen yet: exp(-inf - 0) = 0
        const alpha = <f32>Math.exp(<f64>(mOld - base));
        const sum = expRow(row, wp, base);
        store<f32>(at(L, r), load<f32>(at(L, r)) * alpha + sum);
        store<f32>(at(M, r), mNew);
        if (drop) for (let c = 0, z = at(drop, (i0 + r) * tk + j0); c < w; c++) store<f32>(at(row, c), load<f32>(at(row, c)) * load<f32>(at(z, c)));
        if (alpha != 1) {
          const av = f32x4.splat(alpha), ar = acc + (<usize>(r * dvp) << 2);
          for (let e = 0; e < dvp; e += 4) v128.store(at(ar, e), f32x4.mul(v128.load(at(ar, e)), av));
        }
      }
      mm(acc, dvp, S, BK, VT, dvp, h, dvp, w, true);
    }
    for (let r = 0; r < h; r++) {
      const l = load<f32>(at(L, r)), ar = acc + (<usize>(r * dvp) << 2), orow = at(o, (i0 + r) * dv);
      for (let e = 0; e < dv; e++) store<f32>(at(orow, e), load<f32>(at(ar, e)) / l);
      if (lse) store<f32>(at(lse, i0 + r), <f32>(<f64>load<f32>(at(M, r)) + Math.log(<f64>l)));
    }
  }
}

function backwardUnit(dq: usize, dk: usize, dvo: usize, q: usize, k: usize, v: usize, o: usize, dout: usize, lse: usize, mask: usize, drop: usize, tq: i32, tk: i32, d: i32, dv: i32, scale: f32, causal: bool, diag: i32): void {
  const dp = (d + 3) & ~3, dvp = (dv + 3) & ~3;
  zeroRun(dq, tq * d);
  const sv = f32x4.splat(scale);
  for (let j0 = 0; j0 < tk; j0 += BK) {
    const w = min(BK, tk - j0), wp = (w + 3) & ~3;
    const kj = at(k, j0 * d), vj = at(v, j0 * dv);
    packT(KT, BK, kj, d, w, wp);
    packT(VT, BK, vj, dv, w, wp);
    packRows(KP, dp, kj, d, w);
    zeroRun(DK, w * dp);
    zeroRun(DV, w * dvp);
    // The first query tile with a row that sees key j0 (i + diag >= j0).
    const first = causal ? j0 - diag : 0;
    for (let i0 = first <= 0 ? 0 : (first / BQ) * BQ; i0 < tq; i0 += BQ) {
      const h = min(BQ, tq - i0);
      const qi = at(q, i0 * d), oi = at(o, i0 * dv), doi = at(dout, i0 * dv);
      mm(S, BK, qi, d, KT, BK, h, wp, d, false);
      mm(DS, BK, doi, dv, VT, BK, h, wp, dv, false);
      packRows(QP, dp, qi, d, h);
      packRows(DOP, dvp, doi, dv, h);
      for (let r = 0; r < h; r++) {
        const row = S + (<usize>(r * BK) << 2), drow = DS + (<usize>(r * BK) << 2);
        scoreRow(row, wp, seen(i0 + r, j0, w, causal, diag), scale, mask ? at(mask, (i0 + r) * tk + j0) : 0);
        const l = load<f32>(at(lse, i0 + r));
        const lv = f32x4.splat(l == -Infinity ? Infinity : l); // a row that saw no key: P = 0
        let dsum: f64 = 0;
        if (l != -Infinity) for (let e = 0; e < dv; e++) dsum += <f64>load<f32>(at(doi, r * dv + e)) * <f64>load<f32>(at(oi, r * dv + e));
        const dvec = f32x4.splat(<f32>dsum);
        for (let c = 0; c < wp; c += 4) {
          const p = exp4(f32x4.sub(v128.load(at(row, c)), lv));
          v128.store(at(row, c), p);
          if (!drop) v128.store(at(drow, c), f32x4.mul(f32x4.mul(p, f32x4.sub(v128.load(at(drow, c)), dvec)), sv));
        }
        // With dropout the P^T dO product takes P * Z; columns past w keep P = 0 and dP = 0.
        const ds = <f32>dsum, z = drop ? at(drop, (i0 + r) * tk + j0) : 0;
        if (drop) for (let c = 0; c < w; c++) {
          const p = load<f32>(at(row, c)), zc = load<f32>(at(z, c));
          store<f32>(at(drow, c), p * (zc * load<f32>(at(drow, c)) - ds) * scale);
          store<f32>(at(row, c), p * zc);
        }
      }
      transposeTile(PT, S, h, w);
      mm(DV, dvp, PT, BQ, DOP, dvp, w, dvp, h, true);
      transposeTile(PT, DS, h, w);
      mm(DK, dp, PT, BQ, QP, dp, w, dp, h, true);
      mm(DQ, dp, DS, BK, KP, dp, h, dp, w, false);
      for (let r = 0; r < h; r++) {
        const drow = at(dq, (i0 + r) * d), src = DQ + (<usize>(r * dp) << 2);
        for (let e = 0; e < d; e++) store<f32>(at(drow, e), load<f32>(at(drow, e)) + load<f32>(at(src, e)));
      }
    }
    for (let c = 0; c < w; c++) {
      copyRun(at(dk, (j0 + c) * d), DK + (<usize>(c * dp) << 2), d);
      copyRun(at(dvo, (j0 + c) * dv), DV + (<usize>(c * dvp) << 2), dv);
    }
  }
}

/** (o, lse|0, q, k, v, mask|0, drop|0, bh, tq, tk, d, dv, scale, causal, diag): the forward of bh units. */
export function attention_f32(o: usize, lse: usize, q: usize, k: usize, v: usize, mask: usize, drop: usize, bh: i32, tq: i32, tk: i32, d: i32, dv: i32, scale: f32, causal: i32, diag: i32): void {
  if (d > ATTN_DMAX || dv > ATTN_DMAX) unreachable();
  for (let u = 0; u < bh; u++) {
    const uq = u * tq;
    forwardUnit(at(o, uq * dv), lse ? at(lse, uq) : 0, at(q, uq * d), at(k, u * tk * d), at(v, u * tk * dv), mask, drop ? at(drop, uq * tk) : 0, tq, tk, d, dv, scale, causal != 0, diag);
  }
}

/** (dq, dk, dv, q, k, v, o, dO, lse, mask|0, drop|0, bh, tq, tk, d, dv, scale, causal, diag): the gradients of bh units, lse from the forward. */
export function attention_backward_f32(dq: usize, dk: usize, dvo: usize, q: usize, k: usize, v: usize, o: usize, dout: usize, lse: usize, mask: usize, drop: usize, bh: i32, tq: i32, tk: i32, d: i32, dv: i32, scale: f32, causal: i32, diag: i32): void {
  if (d > ATTN_DMAX || dv > ATTN_DMAX) unreachable();
  for (let u = 0; u < bh; u++) {
    const uq = u * tq, uk = u * tk;
    backwardUnit(at(dq, uq * d), at(dk, uk * d), at(dvo, uk * dv), at(q, uq * d), at(k, uk * d), at(v, uk * dv), at(o, uq * dv), at(dout, uq * dv), at(lse, uq), mask, drop ? at(drop, uq * tk) : 0, tq, tk, d, dv, scale, causal != 0, diag);
  }
}
