// Scaled dot-product attention in plain float64 loops, the twin of assembly/attention.ts:
//   s = scale * q k^T + mask (key j hidden from query i, s = -inf, when causal and j > i + diag),
//   P = softmax(s) along each row, o = P v, lse = log(sum_j exp(s_ij));
//   dP = dO v^T, ds = P * (dP - rowsum(P * dP)), dq = scale * ds k, dk = scale * ds^T q, dv = P^T dO.
// Per unit of bh (a (batch, head) pair): q [tq, d], k [tk, d], v [tk, dv], o and dO [tq, dv];
// units stored one after another; mask [tq, tk] shared by every unit. A row that sees no key has
// o = NaN (0/0) and lse = -inf; the backward takes its P as 0 (the formula's gradient is NaN).
// With dropout factors Z [bh, tq, tk] (0 or 1/(1-p)), P becomes P * Z before P v: o = (P * Z) v,
// dv = (P * Z)^T dO, and ds = P * (Z * dP - rowsum(P * Z * dP)) (the chain rule through P * Z).

export interface AttentionGeometry {
  bh: number;
  tq: number;
  tk: number;
  d: number;
  dv: number;
  scale: number;
  causal: boolean;
  /** Key j is seen by query i when j <= i + diag (causal only); 0 is PyTorch's is_causal. */
  diag?: number;
  /** An additive [tq, tk] mask, or none. */
  mask?: ArrayLike<number>;
  /** Dropout factors [bh, tq, tk] multiplying P, or none. */
  drop?: ArrayLike<number>;
}

/** The kernel's arguments after its pointers: bh, tq, tk, d, dv, scale, causal, diag. */
export const attentionArgs = (g: AttentionGeometry): number[] => [g.bh, g.tq, g.tk, g.d, g.dv, g.scale, g.causal ? 1 : 0, g.diag ?? 0];

// One unit's probabilities P [tq, tk] and log-sum-exps.
function probabilities(q: ArrayLike<number>, k: ArrayLike<number>, u: number, g: AttentionGeometry): { p: Float64Array; lse: Float64Array } {
  const { tq, tk, d } = g;
  const p = new Float64Array(tq * tk), lse = new Float64Array(tq);
  for (let i = 0; i < tq; i++) {
    let m = -Infinity;
    for (let j = 0; j < tk; j++) {
      let s = -Infinity;
      if (!g.causal || j <= i + (g.diag ?? 0)) {
        let dot = 0;
        for (let e = 0; e < d; e++) dot += q[(u * tq + i) * d + e] * k[(u * tk + j) * d + e];
        s = g.scale * dot + (g.mask ? g.mask[i * tk + j] : 0);
      }
      p[i * tk + j] = s;
      m = Math.max(m, s);
    }
    let sum = 0;
    for (let j = 0; j < tk; j++) sum += Math.exp(p[i * tk + j] - m);
    for (let j = 0; j < tk; j++) p[i * tk + j] = Math.exp(p[i * tk + j] - m) / sum;
    lse[i] = m === -Infinity ? -Infinity : m + Math.log(sum); // no key seen: P is NaN (0/0), lse = log 0
  }
  return { p, lse };
}

/** o [bh, tq, dv] and lse [bh, tq]. */
export function attention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, g: AttentionGeometry): { o: Float64Array; lse: Float64Array } {
  const { bh, tq, tk, dv } = g;
  const o = new Float64Array(bh * tq * dv), lse = new Float64Array(bh * tq);
  for (let u = 0; u < bh; u++) {
    const r = probabilities(q, k, u, g);
    lse.set(r.lse, u * tq);
    if (g.drop) for (let i = 0; i < tq * tk; i++) r.p[i] *= g.drop[u * tq * tk + i];
    for (let i = 0; i < tq; i++) {
      for (let e = 0; e < dv; e++) {
        let s = 0;
        for (let j = 0; j < tk; j++) s += r.p[i * tk + j] * v[(u * tk + j) * dv + e];
        o[(u * tq + i) * dv + e] = s;
      }
    }
  }
  return { o, lse };
}

/** dq [bh, tq, d], dk [bh, tk, d], dv [bh, tk, dv] of L = sum(o * dO). */
export function attentionBackward(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, dO: ArrayLike<number>, g: AttentionGeometry): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { bh, tq, tk, d, dv } = g;
  const dq = new Float64Array(bh * tq * d), dk = new Float64Array(bh * tk * d), dvOut = new Float64Array(bh * tk * dv);
  for (let u = 0; u < bh; u++) {
    const { p, lse } = probabilities(q, k, u, g);
    for (let i = 0; i < tq; i++) if (lse[i] === -Infinity) p.fill(0, i * tk, (i + 1) * tk); // as the kernel: no gradient through a row that sees no key
    const ds = new Float64Array(tq * tk), z = (i: number) => (g.drop ? g.drop[u * tq * tk + i] : 1);
    for (let i = 0; i < tq; i++) {
      let rowDot = 0;
      for (let j = 0; j < tk; j++) {
        let dp = 0;
        for (let e = 0; e < dv; e++) dp += dO[(u * tq + i) * dv + e] * v[(u * tk + j) * dv + e];
        ds[i * tk + j] = z(i * tk + j) * dp;
        rowDot += p[i * tk + j] * ds[i * tk + j];
      }
      for (let j = 0; j < tk; j++) ds[i * tk + j] = p[i * tk + j] * (ds[i * tk + j] - rowDot) * g.scale;
    }
    for (let i = 0; i < tq; i++) {
      for (let j = 0; j < tk; j++) {
        const s = ds[i * tk + j], pij = p[i * tk + j] * z(i * tk + j);
        for (let e = 0; e < d; e++) {
          dq[(u * tq + i) * d + e] += s * k[(u * tk + j) * d + e];
          dk[(u * tk + j) * d + e] += s * q[(u * tq + i) * d + e];
        }
        for (let e = 0; e < dv; e++) dvOut[(u * tk + j) * dv + e] += pij * dO[(u * tq + i) * dv + e];
      }
    }
  }
  return { dq, dk, dv: dvOut };
}

export interface DecodeGeometry {
  bh: number;
  /** Queries: the last tq of the len positions. */
  tq: number;
  len: number;
  /** Rows of each unit's cache (>= len). */
  ld: number;
  d: number;
  dv: number;
  scale: number;
}

/** attention_decode_f32's twin: o [bh, tq, dv], causal, over caches k [bh, ld, d] and v [bh, ld, dv] (their first len rows). */
export function attentionDecode(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, g: DecodeGeometry): Float64Array {
  const { bh, tq, len, ld, d, dv } = g;
  const o = new Float64Array(bh * tq * dv);
  const rows = (x: ArrayLike<number>, from: number, n: number) => Float64Array.from({ length: n }, (_, i) => x[from + i]);
  for (let u = 0; u < bh; u++) {
    const one = attention(rows(q, u * tq * d, tq * d), rows(k, u * ld * d, len * d), rows(v, u * ld * dv, len * dv), { bh: 1, tq, tk: len, d, dv, scale: g.scale, causal: true, diag: len - tq });
    o.set(one.o, u * tq * dv);
  }
  return o;
}
