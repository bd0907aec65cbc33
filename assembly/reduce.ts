// Elementwise helpers and reductions over f32 arrays. Sums accumulate in f64.
// Layout: contiguous, any 4-byte alignment (v128.load/store need none). Outputs may
// alias inputs where noted. SIMD loops handle 4 lanes; a scalar tail does the rest.
import { relu4, relu1 } from './simdmath';
import { SCRATCH_BASE, S_PERIOD, PERIOD_BYTES } from './scratch';

// Rows whose width is not a multiple of 4 (a layer of 1, 3 or 10 units) run as one flat
// stream of vectors instead: lane l of vector v is column (4v + l) mod cols, so the columns
// repeat every `cols` vectors, and a pattern of cols vectors (PERIOD) stands for bias (add) or
// holds per-lane partial sums (col_sum). Up to PERIOD_COLS columns; wider rows loop per row.
const PERIOD_COLS: i32 = 256;
const PERIOD: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_PERIOD : memory.data(PERIOD_BYTES, 16);

export function bias_add_f32(y: usize, x: usize, bias: usize, rows: i32, cols: i32): void {
  // y[r,c] = x[r,c] + bias[c]; y may alias x.
  biasAdd(y, x, bias, rows, cols, false);
}

// y[r,c] = relu(x[r,c] + bias[c]), a dense layer's bias and ReLU in one pass; y may alias x.
export function bias_relu_f32(y: usize, x: usize, bias: usize, rows: i32, cols: i32): void {
  biasAdd(y, x, bias, rows, cols, true);
}

@inline function biasAdd(y: usize, x: usize, bias: usize, rows: i32, cols: i32, relu: bool): void {
  if ((cols & 3) != 0 && cols <= PERIOD_COLS && rows >= 4) {
    for (let q = 0; q < cols << 2; q++) store<f32>(PERIOD + (<usize>q << 2), load<f32>(bias + (<usize>(q % cols) << 2)));
    const n = rows * cols;
    const end = <usize>(n & ~3) << 2;
    const pe = PERIOD + (<usize>cols << 4);
    let pp = PERIOD;
    for (let o: usize = 0; o < end; o += 16) {
      const v = f32x4.add(v128.load(x + o), v128.load(pp));
      v128.store(y + o, relu ? relu4(v) : v);
      pp += 16;
      if (pp == pe) pp = PERIOD;
    }
    for (let i = n & ~3; i < n; i++) {
      const o = <usize>i << 2;
      const v = load<f32>(x + o) + load<f32>(bias + (<usize>(i % cols) << 2));
      store<f32>(y + o, relu ? relu1(v) : v);
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const off = <usize>r * <usize>cols << 2;
    let c = 0;
    for (; c + 4 <= cols; c += 4) {
      const o = <usize>c << 2;
      const v = f32x4.add(v128.load(x + off + o), v128.load(bias + o));
      v128.store(y + off + o, relu ? relu4(v) : v);
    }
    for (; c < cols; c++) {
      const o = <usize>c << 2;
      const v = load<f32>(x + off + o) + load<f32>(bias + o);
      store<f32>(y + off + o, relu ? relu1(v) : v);
    }
  }
}

export function col_sum_f32(out: usize, x: usize, rows: i32, cols: i32, beta: f32): void {
  // out[c] = beta*out[c] + sum_r x[r,c]; beta == 0 makes out write-only.
  if ((cols & 3) != 0 && cols <= PERIOD_COLS && rows >= 4) {
    const pe = PERIOD + (<usize>cols << 4);
    for (let pp = PERIOD; pp < pe; pp += 16) v128.store(pp, f32x4.splat(0));
    const n = rows * cols;
    const end = <usize>(n & ~3) << 2;
    let pp = PERIOD;
    for (let o: usize = 0; o < end; o += 16) {
      v128.store(pp, f32x4.add(v128.load(pp), v128.load(x + o)));
      pp += 16;
      if (pp == pe) pp = PERIOD;
    }
    for (let c = 0; c < cols; c++) {
      let acc: f32 = 0;
      for (let q = c; q < cols << 2; q += cols) acc += load<f32>(PERIOD + (<usize>q << 2));
      for (let i = (n & ~3) + ((c - (n & ~3) % cols + cols) % cols); i < n; i += cols) acc += load<f32>(x + (<usize>i << 2));
      const o = out + (<usize>c << 2);
      store<f32>(o, beta != 0 ? acc + beta * load<f32>(o) : acc);
    }
    return;
  }
  colSum(out, x, rows, cols, beta, cols);
}

// col_sum over the first `cols` columns of rows ld floats apart; ld == cols is col_sum_f32. Else
// col_sum_f32's other path: each column summed down the rows in order, four columns a step, then
// one at a time. A range of columns starting at a multiple of 4 sums each column as the whole
// call does, so the threaded runtime splits col_sum by columns with this (where col_sum_f32 would
// not take the periodic path above).
export function col_sum_ld_f32(out: usize, x: usize, rows: i32, cols: i32, beta: f32, ld: i32): void {
  if (ld == cols) col_sum_f32(out, x, rows, cols, beta);
  else colSum(out, x, rows, cols, beta, ld);
}

@inline function colSum(out: usize, x: usize, rows: i32, cols: i32, beta: f32, ld: i32): void {
  const step = <usize>ld << 2;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    let acc = f32x4.splat(0);
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++, p += step) acc = f32x4.add(acc, v128.load(p));
    const o = out + (<usize>c << 2);
    if (beta != 0) acc = f32x4.add(acc, f32x4.mul(v128.load(o), f32x4.splat(beta)));
    v128.store(o, acc);
  }
  for (; c < cols; c++) {
    let acc: f32 = 0;
    let p = x + (<usize>c << 2);
    for (let r = 0; r < rows; r++, p += step) acc += load<f32>(p);
    const o = out + (<usize>c << 2);
    store<f32>(o, beta != 0 ? acc + beta * load<f32>(o) : acc);
  }
}

export function sum_f32(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += <f64>load<f32>(x + (<usize>i << 2));
  return s;
}

export function sum_sq_f32(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    s += v * v;
  }
  return s;
}

export function sum_abs_f32(x: usize, n: i32): f64 {
  let s: f64 = 0;
  for (let i = 0; i < n; i++) s += Math.abs(<f64>load<f32>(x + (<usize>i << 2)));
  return s;
}

// x - x is 0 for finite x and NaN for NaN and +-Infinity: a lane mask of -1 per non-finite value.
// Sixteen values a step in two accumulators (one was bound by its add chain: 235k values 38 -> 15 us);
// a count is exact in any order, so the threaded runtime splits it by ranges and adds the counts.
export function count_non_finite_f32(x: usize, n: i32): i32 {
  const zero = f32x4.splat(0);
  let a0 = i32x4.splat(0);
  let a1 = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    a0 = i32x4.add(a0, i32x4.add(f32x4.ne(f32x4.sub(v0, v0), zero), f32x4.ne(f32x4.sub(v1, v1), zero)));
    a1 = i32x4.add(a1, i32x4.add(f32x4.ne(f32x4.sub(v2, v2), zero), f32x4.ne(f32x4.sub(v3, v3), zero)));
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    a0 = i32x4.add(a0, f32x4.ne(f32x4.sub(v, v), zero));
  }
  const acc = i32x4.add(a0, a1);
  let c = -(i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3));
  for (; i < n; i++) if (!isFinite<f32>(load<f32>(x + (<usize>i << 2)))) c++;
  return c;
}

export function fill_f32(y: usize, n: i32, v: f32): void {
  const s = f32x4.splat(v);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), s);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), v);
}

export function scale_f32(y: usize, x: usize, n: i32, s: f32): void {
  // y = s*x; may alias.
  const sv = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), sv));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * s);
  }
}

export function axpy_f32(y: usize, x: usize, n: i32, a: f32): void {
  // y += a*x
  const av = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(v128.load(x + o), av)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

export function mul_f32(y: usize, a: usize, b: usize, n: i32): void {
  // y = a*b elementwise; may alias.
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(a + o) * load<f32>(b + o));
  }
}

export function gather_rows_f32(out: usize, src: usize, idx: usize, rows: i32, cols: i32): void {
  // out[r,:] = src[idx[r],:]; out must not overlap src.
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const s = <usize>load<i32>(idx + (<usize>r << 2));
    memory.copy(out + <usize>r * rowBytes, src + s * rowBytes, rowBytes);
  }
}

export function gather_i32(out: usize, src: usize, idx: usize, n: i32): void {
  for (let r = 0; r < n; r++) {
    const s = <usize>load<i32>(idx + (<usize>r << 2));
    store<i32>(out + (<usize>r << 2), load<i32>(src + (s << 2)));
  }
}

export function argmax_rows_f32(out: usize, x: usize, rows: i32, cols: i32): void {
  // First index of the maximum in each row (NaN never wins).
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>r * <usize>cols << 2);
    let best = 0;
    let bv = load<f32>(row);
    for (let c = 1; c < cols; c++) {
      const v = load<f32>(row + (<usize>c << 2));
      if (v > bv || (bv != bv && v == v)) {
        bv = v;
        best = c;
      }
    }
    store<i32>(out + (<usize>r << 2), best);
  }
}

export function add_sign_f32(g: usize, w: usize, n: i32, a: f32): void {
  // g += a*sign(w), sign(0) = 0: the gradient of an L1 penalty a*sum|w|.
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(w + o);
    store<f32>(g + o, load<f32>(g + o) + (v > 0 ? a : v < 0 ? -a : 0));
  }
}
