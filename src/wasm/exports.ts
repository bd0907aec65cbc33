// The one table of every function the wasm module exports, name -> arity.
// The `Kernels` type is derived from it, and test/wasm/exports.test.ts checks it
// against the compiled module, so there is no second hand-kept copy to drift.
//
// ABI (see assembly/): pointers are byte offsets into linear memory, f32 data
// 4-byte aligned (16 preferred), i32 for counts. Output pointer first, then inputs,
// then sizes, then scalars. Kernels allocate nothing and keep no state; an RNG's
// state lives at a pointer the caller owns. A `grad` pointer of 0 means "no gradient".

export const KERNEL_ARITY = {
  heap_base: 0,

  // gemm.ts — C[m,n] = alpha*op(A)*op(B) + beta*C, row-major, contiguous.
  // nn: A[m,k] B[k,n]; nt: A[m,k] B[n,k]; tn: A[k,m] B[k,n]. beta == 0 ignores C.
  gemm_nn_f32: 8,
  gemm_nt_f32: 8,
  gemm_tn_f32: 8,
  gemm_packed_f32: 9, // (..., variant 0 nn / 1 nt / 2 tn): the packed path alone, for tests and benches
  gemm_tn_lda_f32: 9, // (..., lda): TN over m rows of C whose A has lda >= m columns (a thread's rows)
  gemm_nn_ld_f32: 10, // (..., ldb, ldc): a block of columns (B's and C's rows ldb, ldc floats apart), for the split by columns
  gemm_nt_ld_f32: 9, // (..., ldc)
  gemm_tn_ld_f32: 11, // (..., lda, ldb, ldc)

  // reduce.ts — elementwise helpers and reductions (sums accumulate in f64).
  bias_add_f32: 5, // (y, x, bias, rows, cols): y[r,c] = x[r,c] + bias[c]; y may alias x
  bias_relu_f32: 5, // (y, x, bias, rows, cols): y[r,c] = relu(x[r,c] + bias[c]); y may alias x
  col_sum_f32: 5, // (out, x, rows, cols, beta): out[c] = beta*out[c] + sum_r x[r,c]
  col_sum_ld_f32: 6, // (..., ld): col_sum's column path over cols of rows ld floats apart (a thread's columns)
  sum_f32: 2, // (x, n) -> f64
  sum_sq_f32: 2, // (x, n) -> f64
  sum_abs_f32: 2, // (x, n) -> f64
  count_non_finite_f32: 2, // (x, n) -> i32
  fill_f32: 3, // (y, n, v)
  scale_f32: 4, // (y, x, n, s): y = s*x; may alias
  axpy_f32: 4, // (y, x, n, a): y += a*x
  mul_f32: 4, // (y, a, b, n): y = a*b; may alias
  gather_rows_f32: 5, // (out, src, idx, rows, cols): out[r,:] = src[idx[r],:]; idx is i32
  gather_i32: 4, // (out, src, idx, n): out[r] = src[idx[r]]
  argmax_rows_f32: 4, // (out_i32, x, rows, cols)
  add_sign_f32: 4, // (g, w, n, a): g += a*sign(w), the L1 gradient

  // activations.ts — y = f(x), n elements, y may alias x. Backward: dx = dy * f'(x),
  // given both x (pre-activation) and y = f(x); dx may alias dy. `alpha` is the slope
  // (leaky relu) or scale (elu) and is ignored by the others.
  identity_f32: 3,
  identity_backward_f32: 5,
  sigmoid_f32: 3,
  sigmoid_backward_f32: 5,
  tanh_f32: 3,
  tanh_backward_f32: 5,
  relu_f32: 3,
  relu_backward_f32: 5,
  leaky_relu_f32: 4,
  leaky_relu_backward_f32: 6,
  elu_f32: 4,
  elu_backward_f32: 6,
  gelu_f32: 3,
  gelu_backward_f32: 5,
  gelu_tanh_f32: 3,
  gelu_tanh_backward_f32: 5,
  softplus_f32: 3,
  softplus_backward_f32: 5,
  silu_f32: 3,
  silu_backward_f32: 5,
  // Row-wise over [rows, cols]; backward is the vector-Jacobian product given y.
  softmax_rows_f32: 4, // (y, x, rows, cols)
  softmax_rows_backward_f32: 5, // (dx, dy, y, rows, cols)
  log_softmax_rows_f32: 4,
  log_softmax_rows_backward_f32: 5,

  // losses.ts — return the SUM of elementwise losses (f64); write grad = scale * dL/dpred
  // unless grad == 0. The caller divides for mean reduction (scale = 1/count).
  mse_f32: 5, // (grad, pred, target, n, scale)
  mae_f32: 5,
  smooth_l1_f32: 6, // (..., beta)
  huber_f32: 6, // (..., delta)
  bce_f32: 5, // pred are probabilities, log clamped at -100 as PyTorch
  bce_logits_f32: 5,
  softmax_ce_index_f32: 6, // (grad, logits, labels_i32, rows, cols, scale), sum over rows
  softmax_ce_dense_f32: 6, // (grad, logits, targets, rows, cols, scale), one-hot or soft

  // rng.ts — xoshiro128** with 4 x u32 state at `state`, advanced in place.
  rng_seed: 3, // (state, seedLo, seedHi): splitmix64 expansion of a 64-bit seed
  rng_uniform_f32: 5, // (out, n, lo, hi, state)
  rng_normal_f32: 5, // (out, n, mean, std, state)
  dropout_f32: 6, // (y, mask, x, n, p, state): mask = keep ? 1/(1-p) : 0; y = x*mask
  shuffle_i32: 3, // (idx, n, state): Fisher-Yates in place

  // norm.ts — batch normalisation over rows (PyTorch BatchNorm1d); f64 eps and momentum.
  batchnorm_train_f32: 12, // (y, xhat, invstd, x, gamma, beta, runMean, runVar, rows, cols, eps, momentum)
  batchnorm_eval_f32: 9, // (y, x, gamma, beta, runMean, runVar, rows, cols, eps)
  batchnorm_backward_f32: 9, // (dx|0, dgamma, dbeta, dy, xhat, invstd, gamma, rows, cols)

  // elementwise.ts — the graph engine's elementwise primitives, f32, exact IEEE results but for
  // exp/log/pow. A 2-bit mode per broadcast operand: 0 full [rows, cols], 1 row [1, cols],
  // 2 column [rows, 1], 3 scalar [1, 1]; modes = aMode | bMode << 2. An op or mode out of range traps.
  binary_f32: 7, // (y, a, b, rows, cols, op, modes): op 0 add, 1 sub, 2 mul, 3 div, 4 maximum, 5 minimum (NaN propagates); y may alias a full operand
  unary_f32: 5, // (y, x, n, op, p): op 0 neg, 1 square, 2 sqrt, 3 exp, 4 log, 5 abs, 6 pow (x^p), 7 sign; y may alias x
  unary_backward_f32: 7, // (dx, dy, x, y, n, op, p): dx = dy * f'(x) for unary_f32's op, given y = f(x); dx may alias dy
  clamp_f32: 5, // (y, x, n, lo, hi): y = min(max(x, lo), hi); NaN stays NaN; y may alias x
  clamp_backward_f32: 6, // (dx, dy, x, n, lo, hi): dx = lo <= x <= hi ? dy : 0; dx may alias dy
  minmax_backward_f32: 7, // (dx, dy, x, o, n, oScalar, isMin): d maximum(x, o)/dx (isMin 0) or minimum's: dy, dy/2 at a tie, 0 where x loses
  row_sum_f32: 5, // (out, x, rows, cols, scale): out[r] = scale * sum_c x[r,c], in f64; out may alias x
  sum_all_f32: 4, // (out, x, n, scale) -> f64: s = scale * sum x in f64 (sum_f32's order); out[0] = f32(s)
  broadcast_f32: 6, // (y, x, rows, cols, mode, scale): y[r,c] = scale * X(r,c), x in the given mode; y may alias x in mode 0 only
  copy_block_f32: 6, // (dst, dstStride, src, srcStride, rows, cols): dst[r*dstStride + c] = src[r*srcStride + c]; strides in elements; no overlap
  count_outside_f32: 4, // (x, n, lo, hi) -> i32: how many values lie outside [lo, hi], NaN included

  // conv.ts — channels-last convolution as a GEMM: x [n, h, w, c], col [n*oh*ow, kh*kw*cg], channels
  // c0 .. c0+cg-1 of x (c0 = 0, cg = c: all); y = col @ W with W the HWIO filter as [kh*kw*cg, cout].
  // Geometry args: (..., n, h, w, c, c0, cg, kh, kw, oh, ow, sh, sw, dh, dw, pt, pl), padding read as 0.
  im2col_f32: 18, // (col, x, ...geometry): col[(b*oh+i)*ow+j, (p*kw+q)*cg+ch] = x[b, i*sh+p*dh-pt, j*sw+q*dw-pl, c0+ch] or 0
  col2im_f32: 18, // (dx, dcol, ...geometry): the adjoint; zeroes dx's channels c0..c0+cg, then adds dcol's rows in order; no overlap

  // pool.ts — channels-last pooling, x [n, h, w, c], y [n, oh, ow, c]; windows clipped to x, padding never read.
  // Geometry args: (..., n, h, w, c, kh, kw, oh, ow, sh, sw, pt, pl). Backward kernels zero dx, then add. No aliasing.
  maxpool2d_f32: 14, // (y, x, ...geometry): max over the taps inside x; the last NaN wins (PyTorch 1.13)
  maxpool2d_backward_f32: 15, // (dx, dy, x, ...geometry): dy to each window's first maximum (or last NaN), found again from x
  avgpool2d_f32: 15, // (y, x, ...geometry, countPad): sum / (countPad ? kh*kw : taps inside x); the reference is countPad 0
  avgpool2d_backward_f32: 15, // (dx, dy, ...geometry, countPad): dx += dy / count over each window's taps inside x
  global_avgpool_f32: 5, // (y, x, n, hw, c): y[b,ch] = mean over hw pixels of x[b,:,ch], summed in f64
  global_avgpool_backward_f32: 5, // (dx, dy, n, hw, c): dx[b,p,ch] = dy[b,ch] / hw

  // extrema.ts — over the middle axis of x [outer, r, inner]; y [outer, inner].
  reduce_max_f32: 6, // (y, x, outer, r, inner, isMin): y[o,j] = max (min) over i of x[o,i,j], NaN propagated; y may alias x
  reduce_max_backward_f32: 7, // (dx, dy, x, y, outer, r, inner): dy[o,j] split evenly among the i with x[o,i,j] == y[o,j] (torch.amax); dx may alias x

  // permute.ts — y = x with its axes reordered (NumPy's transpose), up to 6 axes.
  permute_f32: 14, // (y, x, d0..d5, p0..p5): axis j of y is axis p_j of x, x's dims [d0..d5] (trailing 1s for unused axes); no overlap

  // lookup.ts — int32 indices into rows of f32 (embedding lookups are gather_rows_f32).
  index_check_i32: 3, // (idx, n, limit) -> i32: the first position whose index is outside [0, limit), or -1
  scatter_add_rows_f32: 7, // (out, base, dy, idx, rows, n, cols): rows [lo, lo+rows) of the table gradient, lo = (out-base)/(4*cols): zeroed, then out[idx[i]-lo, :] += dy[i, :] in index order; no overlap
  one_hot_f32: 4, // (out, idx, n, depth): out[i, :] = 0, out[i, idx[i]] = 1 (an index out of range leaves a zero row); no overlap
  where_f32: 7, // (y, cond, a, b, rows, cols, scalars): y[r,c] = cond[c] != 0 ? a : b, a/b full or (bit 0/1 of scalars) one value; y may alias a full a or b

  // layernorm.ts — LayerNorm / RMSNorm over each row of [rows, cols], statistics in f64, eps an f32 in memory; mean and rstd one per row.
  layer_norm_f32: 9, // (y, mean, rstd, x, gamma, beta, eps, rows, cols): y may alias x
  rms_norm_f32: 7, // (y, rstd, x, gamma, eps, rows, cols): y may alias x
  norm_rows_backward_f32: 9, // (dx, dy, x, mean, rstd, gamma, rows, cols, rms): dx may alias dy; rms != 0 reads no mean
  norm_param_grad_f32: 10, // (dgamma, dbeta, dy, x, mean, rstd, rows, cols, ld, rms): column sums over rows ld floats apart; rms != 0: no dbeta, no mean
  // attention.ts — fused scaled dot-product attention over bh (batch, head) units, each q [tq, d], k [tk, d],
  // v [tk, dv], o [tq, dv], lse [tq], one after another; mask [tq, tk] additive, shared, or 0; causal
  // keeps key j <= i + diag; d, dv <= 128; drop [tq, tk] per unit (0 or 1/(1-p) on P: dropout), or 0. No output may overlap an input.
  attention_f32: 15, // (o, lse|0, q, k, v, mask|0, drop|0, bh, tq, tk, d, dv, scale, causal, diag): o = (softmax(scale q k^T + mask) * drop) v, lse its log-sum-exp
  attention_backward_f32: 19, // (dq, dk, dv, q, k, v, o, dO, lse, mask|0, drop|0, bh, tq, tk, d, dv, scale, causal, diag): recomputes the scores tile by tile
  attention_decode_f32: 11, // (o, q, k, v, bh, tq, len, ld, d, dv, scale): the last tq of len positions, causal, over keys and values cached ld rows apart a unit

  // optim.ts — fused updates over one flat region of n parameters.
  sgd_f32: 5, // (w, g, n, lr, decay): w = (1-decay)*w - lr*g
  sgd_momentum_f32: 10, // (w, g, buf, n, lr, momentum, dampening, wd, decay, flags)
  adagrad_f32: 7, // (w, g, sum, n, lr, eps, wd)
  rmsprop_f32: 11, // (w, g, sq, gavg|0, buf|0, n, lr, alpha, eps, momentum, wd)
  adam_f32: 8, // (w, g, m, v, vmax|0, mask|0, n, hyper): mask an int32 per element, decay only where not 0; hyper 7 f64: stepSize, beta1, beta2, eps, invSqrtBc2, wd, keep
  adamax_f32: 10, // (w, g, m, u, n, clr, beta1, beta2, eps, wd)
  nadam_f32: 12, // (w, g, m, v, n, c1, c2, beta1, beta2, eps, invBc2, wd)
  adadelta_f32: 9, // (w, g, sq, acc, n, lr, rho, eps, wd)
  clip_f32: 3, // (g, n, c): clip by value
} as const;

export type KernelName = keyof typeof KERNEL_ARITY;

type Tuple<N extends number, R extends number[] = []> = R['length'] extends N ? R : Tuple<N, [...R, number]>;

export type Kernels = {
  [K in KernelName]: (...args: Tuple<(typeof KERNEL_ARITY)[K]>) => number;
} & { memory: WebAssembly.Memory };
