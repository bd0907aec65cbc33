// Which kernels the threaded runtime splits, and how. Each is split by its output: a range of
// units (rows of C, rows, or elements) per thread, every output element computed by exactly one
// thread with the same code and in the same order as in one call, so the result has the same
// bits for every thread count. A unit range [lo, hi) becomes one call of the same kernel with its
// pointers advanced to unit lo and its count set to hi - lo.
//
// GEMM goes by rows of C, in blocks of 4 rows: a row of C is summed the same way whatever the
// rows that come with it (assembly/gemm.ts, tested bit for bit). A large product may also go by
// columns, in blocks of 8, in a grid of row and column blocks (dispatch.ts chooses): the threads
// run the gemm_*_ld_f32 entries, which take B's and C's row strides apart from n (and A's for
// TN), and a block cut at a multiple of 8 columns has the bits of the whole product (tested). Row kernels (bias, softmax, gather) go by rows, 4 at a time, so that a
// bias row block starts on a vector boundary of the flat stream. Element-wise kernels and the
// fused optimizer updates go by 16 elements (a cache line), so that only the last range has a
// tail and it is the same tail. Column sums go by columns (col_sum_ld_f32 takes the row
// stride). Convolution's im2col/col2im and the pooling kernels go by images (a pointer moves by a
// product of arguments: h*w*c floats an image of x), attention by (batch, head) pairs. Kernels that sum across their output (the
// losses, sum_*, batch norm), return a first position (index_check_i32) or draw random numbers
// in sequence (dropout, rng_*) stay on one thread; but an integer count (count_non_finite, the check before each optimizer step) is exact
// in any order: it goes by ranges, and the call returns the sum of the threads' counts.
import type { KernelName } from '../wasm/exports.js';

/**
 * How a pointer argument moves with the range: not at all, 4 bytes a unit, or 4 bytes times the
 * product of up to 6 other arguments a unit (an image of [h, w, c] is times(h, w, c)). times packs
 * each argument index + 1 into 5 bits, lowest first (src/threads/runner.ts reads it back), so that
 * times(i) of one argument is i + 1.
 */
const FIXED = -1;
const ELEM = 0;
const times = (...args: number[]): number => {
  if (args.length < 1 || args.length > 6 || args.some((a) => !Number.isInteger(a) || a < 0 || a > 30)) throw new Error(`wasmnn: times() takes 1 to 6 argument indices 0..30, got ${args.join(', ')}`);
  return args.reduceRight((packed, a) => packed * 32 + a + 1, 0);
};

export interface Split {
  /** The kernel called, which errors name (set for every entry of the table). */
  readonly name?: KernelName;
  /** The kernel the threads call (gemm_nn_f32 runs as gemm_nn_ld_f32). */
  readonly run: KernelName;
  /** The arguments' count (of `run`). */
  readonly arity: number;
  /** The argument that holds the number of units. */
  readonly count: number;
  /** Per argument of `run`: FIXED, ELEM, or times(i, ...). */
  readonly strides: readonly number[];
  /** Ranges start at multiples of this many units. */
  readonly align: number;
  /** The arguments whose product is the work (multiply-adds for GEMM, elements otherwise). */
  readonly work: readonly number[];
  /** Work per unit of `work` relative to a GEMM multiply-add, for the threshold. */
  readonly weight: number;
  /** The kernel returns an integer count: the call returns the sum of the threads' counts (exact in any order). */
  readonly sum?: boolean;
  /** [to, from] pairs: `run` takes arguments more than the kernel called, each a copy of argument `from` (a stride: the whole width). */
  readonly copy?: readonly (readonly [number, number])[];
  /** A second dimension the call may also be split along (GEMM's columns): its count argument, strides and alignment as above. */
  readonly cols?: { readonly count: number; readonly strides: readonly number[]; readonly align: number };
  /** Calls that stay on one thread whatever their size (a path whose order depends on the whole width). */
  readonly serial?: (args: Float64Array) => boolean;
}

// GEMM: rows of C (count m, argument 3), in blocks of 4; columns (count n, argument 4) in blocks of
// 8. rowA / colB: how A moves with a row and B with a column; ldc: the argument holding C's stride.
const F = FIXED;
const gemm = (run: KernelName, arity: number, ldc: number, rowA: number, colB: number, copy: [number, number][]): Split => ({
  run,
  arity,
  count: 3,
  strides: [times(ldc), rowA, F, F, F, F, F, F, ...Array(arity - 8).fill(F)],
  align: 4,
  work: [3, 4, 5],
  weight: 1,
  copy,
  cols: { count: 4, strides: [ELEM, F, colB, F, F, F, F, F, ...Array(arity - 8).fill(F)], align: 8 },
});
const elementwise = (arity: number, pointers: number, count: number, weight: number): Split => ({
  run: '' as KernelName,
  arity,
  count,
  strides: Array.from({ length: arity }, (_, i) => (i < pointers ? ELEM : FIXED)),
  align: 16,
  work: [count],
  weight,
});
const rows = (arity: number, strides: number[], count: number, work: number[], weight: number): Split => ({ run: '' as KernelName, arity, count, strides, align: 4, work, weight });

// NOTE: weights are rough costs per element against a GEMM multiply-add (an f32x4 lane of the
// 4x8 kernel at ~20 GFLOP/s is ~0.1 ns; a streamed element-wise op ~0.3-1 ns, exp-based ~1-2 ns).
const ACT = 12; // activations with exp, tanh, erf
const MEM = 4; // streamed element-wise arithmetic
const OPT = 8; // optimizer updates (4-5 streams, a sqrt and a division)
// The pointers first, then the image count; work is the elements read or written (im2col's col, a pool's taps).
const images = (arity: number, count: number, pointers: number[], work: number[]): Split => ({
  run: '' as KernelName,
  arity,
  count,
  strides: Array.from({ length: arity }, (_, i) => pointers[i] ?? FIXED),
  align: 1,
  work,
  weight: MEM,
});
// By columns, 4 at a time, each thread's x advanced by its first column (rows stay ld apart).
const colSum: Split = { run: 'col_sum_ld_f32', arity: 6, count: 3, strides: [ELEM, ELEM, FIXED, FIXED, FIXED, FIXED], align: 4, work: [2, 3], weight: MEM };

const table: Partial<Record<KernelName, Split>> = {
  // (c, a, b, m, n, k, alpha, beta, ...): nn_ld takes ldb, ldc; nt_ld ldc (B's rows are C's
  // columns, k floats apart); tn_ld lda, ldb, ldc (A's columns are C's rows).
  gemm_nn_f32: gemm('gemm_nn_ld_f32', 10, 9, times(5), ELEM, [[8, 4], [9, 4]]),
  gemm_nt_f32: gemm('gemm_nt_ld_f32', 9, 8, times(5), times(5), [[8, 4]]),
  gemm_tn_f32: gemm('gemm_tn_ld_f32', 11, 10, ELEM, ELEM, [[8, 3], [9, 4], [10, 4]]),
  gemm_tn_lda_f32: gemm('gemm_tn_ld_f32', 11, 10, ELEM, ELEM, [[9, 4], [10, 4]]),

  // col_sum_f32 runs as col_sum_ld_f32 with ld = cols; a narrow width (cols % 4 != 0, up to 256,
  // 4+ rows) sums through a periodic buffer whose order depends on the whole width, so it stays
  // on one thread.
  col_sum_f32: { ...colSum, copy: [[5, 3]], serial: (a) => (a[3] & 3) !== 0 && a[3] <= 256 && a[2] >= 4 },
  col_sum_ld_f32: colSum,

  bias_add_f32: rows(5, [times(4), times(4), FIXED, FIXED, FIXED], 3, [3, 4], MEM),
  bias_relu_f32: rows(5, [times(4), times(4), FIXED, FIXED, FIXED], 3, [3, 4], MEM),
  gather_rows_f32: rows(5, [times(4), FIXED, ELEM, FIXED, FIXED], 3, [3, 4], MEM),
  argmax_rows_f32: rows(4, [ELEM, times(3), FIXED, FIXED], 2, [2, 3], MEM),
  softmax_rows_f32: rows(4, [times(3), times(3), FIXED, FIXED], 2, [2, 3], ACT),
  log_softmax_rows_f32: rows(4, [times(3), times(3), FIXED, FIXED], 2, [2, 3], ACT),
  softmax_rows_backward_f32: rows(5, [times(4), times(4), times(4), FIXED, FIXED], 3, [3, 4], MEM),
  log_softmax_rows_backward_f32: rows(5, [times(4), times(4), times(4), FIXED, FIXED], 3, [3, 4], ACT),

  fill_f32: elementwise(3, 1, 1, MEM),
  scale_f32: elementwise(4, 2, 2, MEM),
  axpy_f32: elementwise(4, 2, 2, MEM),
  mul_f32: elementwise(4, 3, 3, MEM),
  add_sign_f32: elementwise(4, 2, 2, MEM),
  clip_f32: elementwise(3, 1, 1, MEM),
  gather_i32: { ...elementwise(4, 1, 3, MEM), strides: [ELEM, FIXED, ELEM, FIXED] },
  count_non_finite_f32: { ...elementwise(2, 1, 1, MEM), sum: true },

  sgd_f32: elementwise(5, 2, 2, OPT),
  sgd_momentum_f32: elementwise(10, 3, 3, OPT),
  adagrad_f32: elementwise(7, 3, 3, OPT),
  rmsprop_f32: elementwise(11, 5, 5, OPT),
  adam_f32: elementwise(8, 6, 6, OPT),
  adamax_f32: elementwise(10, 4, 4, OPT),
  nadam_f32: elementwise(12, 4, 4, OPT),
  adadelta_f32: elementwise(9, 4, 4, OPT),

  // Sequence models. The table gradient by its rows: a thread zeroes its rows and adds the dy
  // rows whose index falls in them, in index order (it reads base, which stays, to know where its
  // rows start), so each row has the bits of one call. The norms by rows (a row's statistics are
  // its own), their parameter gradients by columns (each summed over the rows in order).
  scatter_add_rows_f32: rows(7, [times(6), FIXED, FIXED, FIXED, FIXED, FIXED, FIXED], 4, [5, 6], MEM),
  layer_norm_f32: rows(9, [times(8), ELEM, ELEM, times(8), FIXED, FIXED, FIXED, FIXED, FIXED], 7, [7, 8], MEM),
  rms_norm_f32: rows(7, [times(6), ELEM, times(6), FIXED, FIXED, FIXED, FIXED], 5, [5, 6], MEM),
  norm_rows_backward_f32: rows(9, [times(7), times(7), times(7), ELEM, ELEM, FIXED, FIXED, FIXED, FIXED], 6, [6, 7], MEM),
  norm_param_grad_f32: { run: 'norm_param_grad_f32', arity: 10, count: 7, strides: [ELEM, ELEM, ELEM, ELEM, FIXED, FIXED, FIXED, FIXED, FIXED, FIXED], align: 4, work: [6, 7], weight: MEM },

  // By images: a unit is one image of x (h*w*c floats) and its rows of col, y or dy. Each image's
  // output is written from its own inputs alone, in the same order as in one call.
  im2col_f32: images(18, 2, [times(10, 11, 8, 9, 7), times(3, 4, 5)], [2, 10, 11, 8, 9, 7]),
  col2im_f32: images(18, 2, [times(3, 4, 5), times(10, 11, 8, 9, 7)], [2, 10, 11, 8, 9, 7]),
  maxpool2d_f32: images(14, 2, [times(8, 9, 5), times(3, 4, 5)], [2, 8, 9, 5, 6, 7]),
  maxpool2d_backward_f32: images(15, 3, [times(4, 5, 6), times(9, 10, 6), times(4, 5, 6)], [3, 9, 10, 6, 7, 8]),
  avgpool2d_f32: images(15, 2, [times(8, 9, 5), times(3, 4, 5)], [2, 8, 9, 5, 6, 7]),
  avgpool2d_backward_f32: images(15, 2, [times(3, 4, 5), times(8, 9, 5)], [2, 8, 9, 5, 6, 7]),
  global_avgpool_f32: images(5, 2, [times(4), times(3, 4)], [2, 3, 4]),
  global_avgpool_backward_f32: images(5, 2, [times(3, 4), times(4)], [2, 3, 4]),
  // Permuted copies whose first output axis is x's first (p0 = 0: [b, t, h, d] -> [b, h, t, d]):
  // by that axis, both pointers moving by d1 * ... * d5 a unit; any other order on one thread.
  permute_f32: { ...images(14, 2, [times(3, 4, 5, 6, 7), times(3, 4, 5, 6, 7)], [2, 3, 4, 5, 6, 7]), serial: (a) => a[8] !== 0 },

  // Attention by (batch, head) pairs: a unit is one pair, its blocks of q, k, v, o, lse and the
  // dropout factors (and of dq, dk, dv, dO) advanced together, the mask shared; each pair is computed
  // from its own blocks alone, in the same order as in one call. Work: tq*tk*d, twice (QK^T, PV)
  // forward, five times back.
  attention_f32: { ...images(15, 7, [times(8, 11), times(8), times(8, 10), times(9, 10), times(9, 11), FIXED, times(8, 9)], [7, 8, 9, 10]), weight: 2 },
  attention_backward_f32: { ...images(19, 11, [times(12, 14), times(13, 14), times(13, 15), times(12, 14), times(13, 14), times(13, 15), times(12, 15), times(12, 15), times(12), FIXED, times(12, 13)], [11, 12, 13, 14]), weight: 5 },
  // The cached form by heads: o and q move by tq rows a unit, the caches by ld rows.
  attention_decode_f32: { ...images(11, 4, [times(5, 9), times(5, 8), times(7, 8), times(7, 9)], [4, 5, 6, 8]), weight: 2 },
};

// y = f(x) (n at 2) and dx = dy * f'(x) given x and y (n at 4); leaky_relu and elu take alpha after n.
for (const name of ['identity', 'sigmoid', 'tanh', 'relu', 'leaky_relu', 'elu', 'gelu', 'gelu_tanh', 'softplus', 'silu']) {
  const extra = name === 'leaky_relu' || name === 'elu' ? 1 : 0;
  const weight = name === 'identity' || name === 'relu' || name === 'leaky_relu' ? MEM : ACT;
  table[`${name}_f32` as KernelName] = elementwise(3 + extra, 2, 2, weight);
  table[`${name}_backward_f32` as KernelName] = elementwise(5 + extra, 4, 4, weight);
}
for (const [name, s] of Object.entries(table)) table[name as KernelName] = { ...s, run: s.run || (name as KernelName), name: name as KernelName };

export const SPLITS: Readonly<Partial<Record<KernelName, Split>>> = table;

/**
 * Work (in GEMM multiply-adds) below which a call stays on the calling thread until the pool has
 * measured its own threshold at start (calibrate.ts; PoolOptions.minWork overrides both). With both sides
 * watching the counters a split call costs ~0.4 us on this machine (quiet, 2026-12-02), and an NN
 * cube split over 2 threads broke even at 24^3-32^3 (14-32 Ki multiply-adds) and gained 1.09-1.53x
 * at 40^3; so 2^16 (40^3). A call that finds the workers asleep (no call for SPIN_US) pays ~55 us
 * more; see bench/README.md, "Threads".
 */
export const MIN_WORK = 1 << 16;
