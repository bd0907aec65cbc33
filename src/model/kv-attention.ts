// The attention layers' step over a key/value cache (see kv-cache.ts): positions p0 .. p0 + n - 1,
// x [n, width] -> [n, width']. A transformerBlock (nanoGPT's Block, as its lower()):
//   h = ln_1(x); qkv = h c_attn + b, [n, 3, heads, d] permuted to [3, heads, n, d];
//   k and v appended to the caches [heads, t, d] at rows p0 .. p0 + n - 1;
//   a = attention_decode(q, caches, len p0 + n), [heads, n, d] permuted back to [n, heads * d];
//   x = x + a c_proj + b; x = x + mlp(ln_2(x))
// A multiHeadAttention (self-attention, causal) the same with its own q, k, v projections.
// The layer's lowering calls the same kernels on the whole window (bias_add_f32 for each bias row,
// binary_f32 for the residual sums, gelu_f32), so each row comes out with the same bits.
import type { Kernels } from '../wasm/exports.js';
import type { Layer } from '../layers/layer.js';
import type { TransformerBlock } from '../layers/transformer-block.js';
import type { MultiHeadAttention } from '../layers/attention.js';

/** One layer of a cached run: reads x [n, width] and returns x or y, whichever now holds its output. */
export type Step = (x: number, y: number, p0: number, n: number) => number;

/** What a step may use besides its input and output: three [t, widest] blocks, a norm's statistics [t] and its epsilon (an f32). */
export interface Scratch {
  readonly k: Kernels;
  readonly t: number;
  readonly s: readonly [number, number, number];
  readonly mean: number;
  readonly rstd: number;
  readonly eps: number;
}

/** The widest row a layer's step keeps in scratch, and the cache floats it keeps a position (0 for a layer without attention). */
export function attentionWidths(l: Layer): { scratch: number; cache: number } {
  if (l.kind === 'transformerBlock') {
    const b = l as TransformerBlock, hk = b.numHeads * b.keyDim;
    return { scratch: Math.max(3 * hk, b.mlpRatio * l.inputUnits), cache: 2 * hk };
  }
  if (l.kind === 'multiHeadAttention') {
    const a = l as MultiHeadAttention, hk = a.numHeads * a.keyDim, hv = a.numHeads * a.valueDim;
    return { scratch: Math.max(hk, hv), cache: hk + hv };
  }
  return { scratch: 0, cache: 0 };
}

/** The step of an attention layer whose caches start at `cache` (keys [heads, t, keyDim], then values [heads, t, valueDim]). */
export function attentionStep(l: TransformerBlock | MultiHeadAttention, s: Scratch, cache: number, weights: readonly number[]): Step {
  return l.kind === 'transformerBlock' ? blockStep(l, s, cache, weights) : mhaStep(l, s, cache, weights);
}

function blockStep(l: TransformerBlock, s: Scratch, cache: number, weights: readonly number[]): Step {
  const { k, t, mean, rstd, eps } = s, [s0, s1, s2] = s.s;
  const [g1, b1, wa, ba, wp, bp, g2, b2, wf, bf, w2, bo] = weights;
  const heads = l.numHeads, d = l.keyDim, hk = heads * d, w = l.inputUnits, m = l.mlpRatio * w, scale = 1 / Math.sqrt(d);
  const kc = cache, vc = cache + 4 * t * hk;
  return (x, y, p0, n) => {
    k.layer_norm_f32(y, mean, rstd, x, g1, b1, eps, n, w);
    k.gemm_nn_f32(s0, y, wa, n, 3 * hk, w, 1, 0);
    k.bias_add_f32(s0, s0, ba, n, 3 * hk);
    k.permute_f32(s1, s0, n, 3, heads, d, 1, 1, 1, 2, 0, 3, 4, 5);
    k.copy_block_f32(kc + 4 * p0 * d, t * d, s1 + 4 * n * hk, n * d, heads, n * d);
    k.copy_block_f32(vc + 4 * p0 * d, t * d, s1 + 8 * n * hk, n * d, heads, n * d);
    k.attention_decode_f32(s0, s1, kc, vc, heads, n, p0 + n, t, d, d, scale);
    k.permute_f32(s2, s0, heads, n, d, 1, 1, 1, 1, 0, 2, 3, 4, 5);
    k.gemm_nn_f32(s0, s2, wp, n, w, hk, 1, 0);
    k.bias_add_f32(s0, s0, bp, n, w);
    k.binary_f32(x, x, s0, n, w, 0, 0);
    k.layer_norm_f32(y, mean, rstd, x, g2, b2, eps, n, w);
    k.gemm_nn_f32(s0, y, wf, n, m, w, 1, 0);
    k.bias_add_f32(s0, s0, bf, n, m);
    k.gelu_f32(s0, s0, n * m);
    k.gemm_nn_f32(s1, s0, w2, n, w, m, 1, 0);
    k.bias_add_f32(s1, s1, bo, n, w);
    k.binary_f32(x, x, s1, n, w, 0, 0);
    return x;
  };
}

function mhaStep(l: MultiHeadAttention, s: Scratch, cache: number, ws: readonly number[]): Step {
  const { k, t } = s, [s0, s1, s2] = s.s;
  const bias = ws.length === 8;
  const part = (i: number) => (bias ? [ws[2 * i], ws[2 * i + 1]] : [ws[i], 0]);
  const [[wq, bq], [wk, bk], [wv, bv], [wo, bo]] = [0, 1, 2, 3].map(part);
  const heads = l.numHeads, d = l.keyDim, dv = l.valueDim, hk = heads * d, hv = heads * dv, win = l.inputUnits, out = l.outputUnits, scale = 1 / Math.sqrt(d);
  const kc = cache, vc = cache + 4 * t * hk;
  // z = x W + b [n, heads * size], permuted to [heads, n, size] at `to`.
  const project = (to: number, x: number, wt: number, b: number, n: number, size: number) => {
    k.gemm_nn_f32(s2, x, wt, n, heads * size, win, 1, 0);
    if (b) k.bias_add_f32(s2, s2, b, n, heads * size);
    k.permute_f32(to, s2, n, heads, size, 1, 1, 1, 1, 0, 2, 3, 4, 5);
  };
  return (x, y, p0, n) => {
    project(s1, x, wk, bk, n, d);
    k.copy_block_f32(kc + 4 * p0 * d, t * d, s1, n * d, heads, n * d);
    project(s1, x, wv, bv, n, dv);
    k.copy_block_f32(vc + 4 * p0 * dv, t * dv, s1, n * dv, heads, n * dv);
    project(s1, x, wq, bq, n, d);
    k.attention_decode_f32(s0, s1, kc, vc, heads, n, p0 + n, t, d, dv, scale);
    k.permute_f32(s2, s0, heads, n, dv, 1, 1, 1, 1, 0, 2, 3, 4, 5);
    k.gemm_nn_f32(y, s2, wo, n, out, hv, 1, 0);
    if (bo) k.bias_add_f32(y, y, bo, n, out);
    return y;
  };
}
