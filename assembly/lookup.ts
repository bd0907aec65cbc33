// Index kernels of sequence models, over int32 indices and f32 rows of `cols` floats:
//   index_check_i32: the first position whose index lies outside [0, limit), or -1
//   scatter_add_rows_f32: an embedding table's gradient, dtable[idx[i], :] += dy[i, :]
//   one_hot_f32: out[i, :] = 0 but out[i, idx[i]] = 1
//   where_f32: y = cond ? a : b, the masked select of attention scores (cond a float 0/1 mask)
// (the lookup itself, out[i, :] = table[idx[i], :], is reduce.ts's gather_rows_f32).
import { addRun, zeroRun } from './runs';

export function index_check_i32(idx: usize, n: i32, limit: i32): i32 {
  // One unsigned compare catches both ends (a negative index is a huge u32).
  for (let i = 0; i < n; i++) if (<u32>load<i32>(idx + (<usize>i << 2)) >= <u32>limit) return i;
  return -1;
}

// out is rows [lo, lo + rows) of the table gradient and base its row 0, so lo = (out - base) /
// (cols * 4): a thread given a range of table rows gets out advanced and base as it was. The rows
// are zeroed, then every dy row whose index falls in the range is added in index order, so a
// table row sums its contributions in the same order whatever range it is in (the same bits on
// any thread count). Indices outside the range are skipped (the op checks them beforehand).
// No overlap of out with dy or idx; any 4-byte alignment.
export function scatter_add_rows_f32(out: usize, base: usize, dy: usize, idx: usize, rows: i32, n: i32, cols: i32): void {
  if (rows <= 0 || cols <= 0) return;
  const rowBytes = <usize>cols << 2;
  const lo = <i32>((out - base) / rowBytes);
  zeroRun(out, rows * cols);
  for (let i = 0; i < n; i++) {
    const j = load<i32>(idx + (<usize>i << 2)) - lo;
    if (<u32>j < <u32>rows) addRun(out + <usize>j * rowBytes, dy + <usize>i * rowBytes, cols);
  }
}

// Rows of depth floats; an index outside [0, depth) leaves its row all zero (the op refuses
// those before the call). No overlap of out and idx.
export function one_hot_f32(out: usize, idx: usize, n: i32, depth: i32): void {
  const rowBytes = <usize>depth << 2;
  zeroRun(out, n * depth);
  for (let i = 0; i < n; i++) {
    const v = load<i32>(idx + (<usize>i << 2));
    if (<u32>v < <u32>depth) store<f32>(out + <usize>i * rowBytes + (<usize>v << 2), 1);
  }
}

// y = cond != 0 ? a : b element by element over [rows, cols], cond one row of cols read again
// for every row (a mask over the trailing axes, such as a causal [t, t] under a batch of scores);
// a full cond is one row of rows*cols. a and b are full ([rows, cols]) or a single value: bit 0 of
// `scalars` for a, bit 1 for b. y may alias a full a or b. The chosen operand's bits are copied,
// so -Infinity or NaN in the other one never leaks.
export function where_f32(y: usize, cond: usize, a: usize, b: usize, rows: i32, cols: i32, scalars: i32): void {
  const aStep: usize = scalars & 1 ? 0 : 4, bStep: usize = scalars & 2 ? 0 : 4;
  let pa = a, pb = b, py = y;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = load<f32>(cond + (<usize>c << 2)) != 0 ? load<u32>(pa) : load<u32>(pb);
      store<u32>(py, v);
      pa += aStep;
      pb += bStep;
      py += 4;
    }
  }
}
