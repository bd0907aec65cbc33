// Index ops of sequence models in plain loops, the twins of assembly/lookup.ts (f32 results, the
// kernels' bits) and the float64 reference of the ops:
//   gather:  out[i, :] = table[idx[i], :]              (an embedding lookup)
//   scatter: dtable[idx[i], :] += dy[i, :], i in order  (its gradient; no one-hot matrix)
//   oneHot:  out[i, idx[i]] = 1, else 0
//   where:   y = cond != 0 ? a : b, cond repeated over the leading rows
type Floats = Float32Array | Float64Array;

/** out[i, :] = table[idx[i], :] for rows of `cols`. */
export function gatherRows<T extends Floats>(out: T, table: ArrayLike<number>, idx: ArrayLike<number>, cols: number): T {
  for (let i = 0; i < idx.length; i++) for (let c = 0; c < cols; c++) out[i * cols + c] = table[idx[i] * cols + c];
  return out;
}

/** The table gradient: rows of `cols`, zeroed, then dy's row i added to row idx[i] in index order (Float32Array: one f32 add each, the kernel's bits). */
export function scatterAddRows<T extends Floats>(out: T, dy: ArrayLike<number>, idx: ArrayLike<number>, cols: number): T {
  out.fill(0);
  for (let i = 0; i < idx.length; i++) for (let c = 0; c < cols; c++) out[idx[i] * cols + c] += dy[i * cols + c];
  return out;
}

/** The first position whose index is outside [0, limit), or -1. */
export function indexCheck(idx: ArrayLike<number>, limit: number): number {
  for (let i = 0; i < idx.length; i++) if (!(idx[i] >= 0 && idx[i] < limit)) return i;
  return -1;
}

export function oneHot(idx: ArrayLike<number>, depth: number): Float32Array {
  const out = new Float32Array(idx.length * depth);
  for (let i = 0; i < idx.length; i++) if (idx[i] >= 0 && idx[i] < depth) out[i * depth + idx[i]] = 1;
  return out;
}

/** y[r, c] = cond[c] != 0 ? a : b over rows of cond.length; a and b full arrays or numbers. */
export function where(cond: ArrayLike<number>, a: ArrayLike<number> | number, b: ArrayLike<number> | number, rows: number): Float32Array {
  const cols = cond.length, y = new Float32Array(rows * cols);
  for (let i = 0; i < rows * cols; i++) y[i] = cond[i % cols] !== 0 ? (typeof a === 'number' ? a : a[i]) : typeof b === 'number' ? b : b[i];
  return y;
}
