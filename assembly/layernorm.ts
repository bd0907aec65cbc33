// Normalisation over the last axis, each row of x [rows, cols] on its own (PyTorch LayerNorm,
// biased variance; RMSNorm as in Zhang & Sennrich 2019, without a mean):
//   layer: mu = mean(x), rstd = 1/sqrt(mean((x - mu)^2) + eps), xhat = (x - mu)*rstd, y = gamma*xhat + beta
//   rms:   rstd = 1/sqrt(mean(x^2) + eps), xhat = x*rstd, y = gamma*xhat
//   backward, g = dy*gamma: dx = rstd*(g - mean(g) - xhat*mean(g*xhat))   (rms: without mean(g))
//   dgamma = sum over rows of dy*xhat, dbeta = sum over rows of dy
// Row statistics in f64, two passes (the mean, then squared deviations); every value computed in
// f64 and rounded once when stored, so src/reference/norm.ts repeats the bits. mean and rstd are
// kept per row for the backward, which recomputes xhat from x. y may alias x; dx may alias dy.
// NOTE: eps is read from memory (an f32 at `eps`, as PyTorch's float kernels hold it), not taken
// as an f64 argument: a split call reaches the kernel through the thread dispatcher's shared call
// sites, where a double that is not a small integer would be boxed on every step.
import { ld, st } from './scalar';

export function layer_norm_f32(y: usize, mean: usize, rstd: usize, x: usize, gamma: usize, beta: usize, epsAt: usize, rows: i32, cols: i32): void {
  const eps = <f64>load<f32>(epsAt);
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2), out = y + ((<usize>r * <usize>cols) << 2);
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) s += ld(row, c);
    const mu = s / cols;
    let v: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const d = ld(row, c) - mu;
      v += d * d;
    }
    const is = 1 / Math.sqrt(v / cols + eps);
    st(mean, r, mu);
    st(rstd, r, is);
    for (let c = 0; c < cols; c++) st(out, c, (ld(row, c) - mu) * is * ld(gamma, c) + ld(beta, c));
  }
}

export function rms_norm_f32(y: usize, rstd: usize, x: usize, gamma: usize, epsAt: usize, rows: i32, cols: i32): void {
  const eps = <f64>load<f32>(epsAt);
  for (let r = 0; r < rows; r++) {
    const row = x + ((<usize>r * <usize>cols) << 2), out = y + ((<usize>r * <usize>cols) << 2);
    let s: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const v = ld(row, c);
      s += v * v;
    }
    const is = 1 / Math.sqrt(s / cols + eps);
    st(rstd, r, is);
    for (let c = 0; c < cols; c++) st(out, c, ld(row, c) * is * ld(gamma, c));
  }
}

// dx for either norm: rms != 0 reads no mean (the pointer is not read, but must be a valid
// address: a thread's range advances it).
export function norm_rows_backward_f32(dx: usize, dy: usize, x: usize, mean: usize, rstd: usize, gamma: usize, rows: i32, cols: i32, rms: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = (<usize>r * <usize>cols) << 2;
    const xr = x + o, dyr = dy + o, dxr = dx + o;
    const mu: f64 = rms ? 0 : ld(mean, r), is = ld(rstd, r);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const g = ld(dyr, c) * ld(gamma, c);
      sg += g;
      sgx += g * ((ld(xr, c) - mu) * is);
    }
    const mg = rms ? 0 : sg / cols, mgx = sgx / cols;
    for (let c = 0; c < cols; c++) {
      const g = ld(dyr, c) * ld(gamma, c);
      st(dxr, c, is * (g - mg - ((ld(xr, c) - mu) * is) * mgx));
    }
  }
}

// dgamma (and dbeta unless rms) over the first `cols` columns of rows `ld` floats apart (a
// thread's columns; ld = cols for the whole), each column summed over the rows in order in f64.
// With rms the mean and dbeta are not read or written (valid addresses all the same).
export function norm_param_grad_f32(dgamma: usize, dbeta: usize, dy: usize, x: usize, mean: usize, rstd: usize, rows: i32, cols: i32, ld_: i32, rms: i32): void {
  for (let c = 0; c < cols; c++) {
    let sg: f64 = 0, sb: f64 = 0;
    for (let r = 0; r < rows; r++) {
      const i = r * ld_ + c;
      const d = ld(dy, i);
      sg += d * ((ld(x, i) - (rms ? 0 : ld(mean, r))) * ld(rstd, r));
      sb += d;
    }
    st(dgamma, c, sg);
    if (!rms) st(dbeta, c, sb);
  }
}
