// C[m,n] = alpha*op(A)*op(B) + beta*C, naive triple loops (the scalar reference for the
// wasm GEMM). nn: A[m,k] B[k,n]; nt: A[m,k] B[n,k]; tn: A[k,m] B[k,n]. beta == 0 ignores C.
export type Arr = { [i: number]: number; length: number };

function gemm(C: Arr, m: number, n: number, k: number, alpha: number, beta: number, a: (i: number, p: number) => number, b: (p: number, j: number) => number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
      C[i * n + j] = beta === 0 ? alpha * s : alpha * s + beta * C[i * n + j];
    }
  }
}

export const gemmNN = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha = 1, beta = 0) =>
  gemm(C, m, n, k, alpha, beta, (i, p) => A[i * k + p], (p, j) => B[p * n + j]);
export const gemmNT = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha = 1, beta = 0) =>
  gemm(C, m, n, k, alpha, beta, (i, p) => A[i * k + p], (p, j) => B[j * k + p]);
export const gemmTN = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha = 1, beta = 0) =>
  gemm(C, m, n, k, alpha, beta, (i, p) => A[p * m + i], (p, j) => B[p * n + j]);

/** A cache-blocked NN GEMM in plain TypeScript: the pure-JS baseline for benchmarks. */
export function gemmNNBlocked(C: Float32Array, A: Float32Array, B: Float32Array, m: number, n: number, k: number): void {
  C.fill(0, 0, m * n);
  const BS = 64;
  for (let p0 = 0; p0 < k; p0 += BS) {
    const p1 = Math.min(k, p0 + BS);
    for (let i = 0; i < m; i++) {
      for (let p = p0; p < p1; p++) {
        const a = A[i * k + p];
        const bo = p * n;
        const co = i * n;
        for (let j = 0; j < n; j++) C[co + j] += a * B[bo + j];
      }
    }
  }
}

/** y[i] = a[i] @ b[i] for `count` matrices a [m, k], b [k, n] stored one after another (float64). */
export function batchedMatmul(a: ArrayLike<number>, b: ArrayLike<number>, count: number, m: number, k: number, n: number): Float64Array {
  const y = new Float64Array(count * m * n);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < m; r++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        for (let j = 0; j < k; j++) s += a[(i * m + r) * k + j] * b[(i * k + j) * n + c];
        y[(i * m + r) * n + c] = s;
      }
    }
  }
  return y;
}

// The threaded runtime's column blocks (assembly/gemm.ts, gemm_*_ld_f32): the same products with
// B's and C's rows ldb and ldc floats apart (A's lda for TN), columns past n left alone.
function gemmLd(C: Arr, m: number, n: number, k: number, alpha: number, beta: number, ldc: number, a: (i: number, p: number) => number, b: (p: number, j: number) => number): void {
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a(i, p) * b(p, j);
      C[i * ldc + j] = beta === 0 ? alpha * s : alpha * s + beta * C[i * ldc + j];
    }
  }
}
export const gemmNNLd = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha: number, beta: number, ldb: number, ldc: number) =>
  gemmLd(C, m, n, k, alpha, beta, ldc, (i, p) => A[i * k + p], (p, j) => B[p * ldb + j]);
export const gemmNTLd = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha: number, beta: number, ldc: number) =>
  gemmLd(C, m, n, k, alpha, beta, ldc, (i, p) => A[i * k + p], (p, j) => B[j * k + p]);
export const gemmTNLd = (C: Arr, A: Arr, B: Arr, m: number, n: number, k: number, alpha: number, beta: number, lda: number, ldb: number, ldc: number) =>
  gemmLd(C, m, n, k, alpha, beta, ldc, (i, p) => A[p * lda + i], (p, j) => B[p * ldb + j]);
