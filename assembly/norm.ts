// Batch normalisation over the rows of x [rows, cols] (PyTorch BatchNorm1d):
//   train: mu, var (biased) per column; xhat = (x - mu)/sqrt(var + eps); y = gamma*xhat + beta;
//          running_mean <- (1-m)*running_mean + m*mu; running_var <- (1-m)*running_var + m*var*N/(N-1)
//   eval:  y = gamma*(x - running_mean)/sqrt(running_var + eps) + beta
//   backward: dbeta = sum dy; dgamma = sum dy*xhat; dx = gamma*invstd/N * (N*dy - dbeta - xhat*dgamma)
// Column statistics in f64. y may alias x; dx may alias dy.

import { ld, st } from './scalar';

export function batchnorm_train_f32(y: usize, xhat: usize, invstd: usize, x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize, rows: i32, cols: i32, eps: f64, momentum: f64): void {
  for (let c = 0; c < cols; c++) {
    let s: f64 = 0;
    for (let r = 0; r < rows; r++) s += ld(x, r * cols + c);
    const mu = s / rows;
    let v: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const d = ld(x, r * cols + c) - mu;
      v += d * d;
    }
    const varB = v / rows;
    const is = 1 / Math.sqrt(varB + eps);
    st(invstd, c, is);
    const g = ld(gamma, c);
    const b = ld(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      const h = (ld(x, i) - mu) * is;
      st(xhat, i, h);
      st(y, i, g * h + b);
    }
    st(runMean, c, (1 - momentum) * ld(runMean, c) + momentum * mu);
    st(runVar, c, (1 - momentum) * ld(runVar, c) + momentum * (rows > 1 ? v / (rows - 1) : varB));
  }
}

export function batchnorm_eval_f32(y: usize, x: usize, gamma: usize, beta: usize, runMean: usize, runVar: usize, rows: i32, cols: i32, eps: f64): void {
  for (let c = 0; c < cols; c++) {
    const mu = ld(runMean, c);
    const scale = ld(gamma, c) / Math.sqrt(ld(runVar, c) + eps);
    const b = ld(beta, c);
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      st(y, i, (ld(x, i) - mu) * scale + b);
    }
  }
}

export function batchnorm_backward_f32(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, invstd: usize, gamma: usize, rows: i32, cols: i32): void {
  for (let c = 0; c < cols; c++) {
    let sb: f64 = 0;
    let sg: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * cols + c;
      sb += ld(dy, i);
      sg += ld(dy, i) * ld(xhat, i);
    }
    st(dbeta, c, sb);
    st(dgamma, c, sg);
    if (dx) {
      const k = (ld(gamma, c) * ld(invstd, c)) / rows;
      for (let r = 0; r < rows; r++) {
        const i = r * cols + c;
        st(dx, i, k * (rows * ld(dy, i) - sb - ld(xhat, i) * sg));
      }
    }
  }
}
