// LayerNorm and RMSNorm over the last axis in plain loops: the twins of assembly/layernorm.ts
// (the same f64 arithmetic in the same order, rounded to f32 where the kernels store, so the
// same bits) and, with `f32 = false`, the float64 reference of the ops:
//   layer: mu = mean(x), rstd = 1/sqrt(mean((x - mu)^2) + eps), y = gamma*(x - mu)*rstd + beta
//   rms:   rstd = 1/sqrt(mean(x^2) + eps), y = gamma*x*rstd
//   backward, g = dy*gamma, xhat = (x - mu)*rstd: dx = rstd*(g - mean(g) - xhat*mean(g*xhat))
//   (rms: without mean(g)); dgamma = sum_rows dy*xhat, dbeta = sum_rows dy
export interface NormRows { y: Float64Array; mean: Float64Array; rstd: Float64Array }

const round = (f32: boolean) => (f32 ? Math.fround : (v: number) => v);

/** rms: no mean (mean is all 0) and no beta. */
/** With f32, eps is rounded to float32 as the kernels hold it. */
export function normRows(x: ArrayLike<number>, gamma: ArrayLike<number>, beta: ArrayLike<number> | undefined, cols: number, epsilon: number, rms: boolean, f32 = true): NormRows {
  const rows = cols === 0 ? 0 : x.length / cols, r32 = round(f32), eps = r32(epsilon);
  const y = new Float64Array(x.length), mean = new Float64Array(rows), rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mu = 0;
    if (!rms) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += x[o + c];
      mu = s / cols;
    }
    let v = 0;
    for (let c = 0; c < cols; c++) {
      const d = x[o + c] - mu;
      v += d * d;
    }
    const is = 1 / Math.sqrt(v / cols + eps);
    mean[r] = r32(mu);
    rstd[r] = r32(is);
    for (let c = 0; c < cols; c++) y[o + c] = r32(rms ? x[o + c] * is * gamma[c] : (x[o + c] - mu) * is * gamma[c] + beta![c]);
  }
  return { y, mean, rstd };
}

/** dx, dgamma, dbeta from the forward's mean and rstd (rows of the kernels' stored values with f32). */
export function normRowsBackward(dy: ArrayLike<number>, x: ArrayLike<number>, mean: ArrayLike<number>, rstd: ArrayLike<number>, gamma: ArrayLike<number>, cols: number, rms: boolean, f32 = true): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const rows = mean.length, r32 = round(f32);
  const dx = new Float64Array(x.length);
  for (let r = 0; r < rows; r++) {
    const o = r * cols, mu = rms ? 0 : mean[r], is = rstd[r];
    let sg = 0, sgx = 0;
    for (let c = 0; c < cols; c++) {
      const g = dy[o + c] * gamma[c];
      sg += g;
      sgx += g * ((x[o + c] - mu) * is);
    }
    const mg = rms ? 0 : sg / cols, mgx = sgx / cols;
    for (let c = 0; c < cols; c++) dx[o + c] = r32(is * (dy[o + c] * gamma[c] - mg - ((x[o + c] - mu) * is) * mgx));
  }
  const dgamma = new Float64Array(cols), dbeta = new Float64Array(cols);
  for (let c = 0; c < cols; c++) {
    let sg = 0, sb = 0;
    for (let r = 0; r < rows; r++) {
      const d = dy[r * cols + c];
      sg += d * ((x[r * cols + c] - (rms ? 0 : mean[r])) * rstd[r]);
      sb += d;
    }
    dgamma[c] = r32(sg);
    dbeta[c] = r32(sb);
  }
  return { dx, dgamma, dbeta };
}
