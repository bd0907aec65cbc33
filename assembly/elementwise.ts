// The graph engine's elementwise primitives (src/graph/), forward and backward:
//   binary   y[r,c] = op(A(r,c), B(r,c)), op one of + - * / maximum minimum, each operand full
//            [rows, cols], a row [1, cols], a column [rows, 1] or a scalar [1, 1]
//   unary    y = -x, x^2, sqrt(x), e^x, ln(x), |x|, x^p, sign(x);  backward dx = dy * f'(x)
//   clamp    y = min(max(x, lo), hi);  dx = lo <= x <= hi ? dy : 0
//   max/min  dx = dy where x wins, dy/2 at a tie, 0 where it loses (PyTorch 1.13)
//   sums     out[r] = scale * sum_c x[r,c],  s = scale * sum_i x[i]  (f64 accumulators)
//   copies   y[r,c] = scale * X(r,c) from a row, column or scalar; strided row blocks
// Layout: row-major, contiguous unless strides are given, any 4-byte alignment (v128.load/store
// need none). Four lanes at a time, then a scalar tail doing the same f32 operation. Every result
// except exp, log and pow is the single IEEE operation's (no fused multiply-add, no reassociation,
// in the relaxed build too), so it does not depend on an element's position and the TS twin
// (src/reference/elementwise.ts) agrees bit for bit. maximum and minimum are IEEE 754-2019's
// (f32x4.max, f32.max): NaN propagates, as torch.maximum, and -0 < +0.
// An op or mode out of range traps (unreachable) rather than writing nothing.

import { sum_f32 } from './reduce';
import { SCRATCH_BASE, S_ELEM_SLOTS, ELEM_SLOTS_BYTES } from './scratch';

const ADD = 0, SUB = 1, MUL = 2, DIV = 3, MAX = 4, MIN = 5;
const NEG = 0, SQUARE = 1, SQRT = 2, EXP = 3, LOG = 4, ABS = 5, POW = 6, SIGN = 7;
const FULL = 0, ROW = 1, COL = 2, SCALAR = 3;

// A broadcast operand's value splatted into four lanes (a column's value for the current row, or
// the scalar), read with a pointer step of 0 so that the inner loops have no per-element branch.
// Per thread in the threaded build (scratch.ts).
const SLOTS: usize = ASC_FEATURE_THREADS ? SCRATCH_BASE + S_ELEM_SLOTS : memory.data(ELEM_SLOTS_BYTES, 16);
const SLOT_A: usize = SLOTS;
const SLOT_B: usize = SLOTS + 16;
const SLOT_SCALE: usize = SLOTS + 32;

@inline function op4(op: i32, a: v128, b: v128): v128 {
  if (op == ADD) return f32x4.add(a, b);
  if (op == SUB) return f32x4.sub(a, b);
  if (op == MUL) return f32x4.mul(a, b);
  if (op == DIV) return f32x4.div(a, b);
  if (op == MAX) return f32x4.max(a, b);
  return f32x4.min(a, b);
}
@inline function op1(op: i32, a: f32, b: f32): f32 {
  if (op == ADD) return a + b;
  if (op == SUB) return a - b;
  if (op == MUL) return a * b;
  if (op == DIV) return a / b;
  if (op == MAX) return max<f32>(a, b);
  return min<f32>(a, b);
}

// y[i] = op(A[i], B[i]) for i < n, pa and pb advancing sa and sb bytes per 4 elements
// (16 for an array, 0 for a splat slot); the scalar tail steps a quarter as far.
@inline function binSpan(op: i32, y: usize, pa: usize, sa: usize, pb: usize, sb: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(y, op4(op, v128.load(pa), v128.load(pb)));
    y += 16;
    pa += sa;
    pb += sb;
  }
  sa >>= 2;
  sb >>= 2;
  for (; i < n; i++) {
    store<f32>(y, op1(op, load<f32>(pa), load<f32>(pb)));
    y += 4;
    pa += sa;
    pb += sb;
  }
}

// Where an operand of mode m is read for row r: its row r (full), its only row (row), or the
// slot, refilled with the row's value for a column (a scalar's slot is filled once by binRows).
@inline function rowStart(p: usize, m: i32, r: i32, cols: i32, slot: usize): usize {
  if (m == FULL) return p + (<usize>r * <usize>cols << 2);
  if (m == ROW) return p;
  if (m == COL) v128.store(slot, v128.load32_splat(p + (<usize>r << 2)));
  return slot;
}

@inline function binRows(op: i32, y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void {
  if (am == SCALAR) v128.store(SLOT_A, v128.load32_splat(a));
  if (bm == SCALAR) v128.store(SLOT_B, v128.load32_splat(b));
  const sa: usize = am <= ROW ? 16 : 0;
  const sb: usize = bm <= ROW ? 16 : 0;
  for (let r = 0; r < rows; r++) {
    binSpan(op, y + (<usize>r * <usize>cols << 2), rowStart(a, am, r, cols, SLOT_A), sa, rowStart(b, bm, r, cols, SLOT_B), sb, cols);
  }
}

// One function per op, so that the literal op given to the inlined loops is folded: inlined
// straight into binary_f32's switch, the six copies differ only in a local's value and Binaryen
// merges them back into one loop that tests the op on every vector.
function addRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(ADD, y, a, am, b, bm, rows, cols); }
function subRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(SUB, y, a, am, b, bm, rows, cols); }
function mulRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(MUL, y, a, am, b, bm, rows, cols); }
function divRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(DIV, y, a, am, b, bm, rows, cols); }
function maxRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(MAX, y, a, am, b, bm, rows, cols); }
function minRows(y: usize, a: usize, am: i32, b: usize, bm: i32, rows: i32, cols: i32): void { binRows(MIN, y, a, am, b, bm, rows, cols); }

// The same broadcast in its simplest mode: one column's row is one value, one row's column too.
@inline function canonical(m: i32, rows: i32, cols: i32): i32 {
  if (cols == 1 && m != FULL) return m == COL ? FULL : SCALAR;
  if (rows == 1 && m != FULL) return m == ROW ? FULL : SCALAR;
  return m;
}

// A(r,c) = a[r*cols + c] (mode 0, full), a[c] (1, row), a[r] (2, column), a[0] (3, scalar);
// modes = aMode | bMode << 2. y may alias a full operand (each element is read before it is
// written), not a row or column one. Full and scalar operands alone run as one flat span of
// rows*cols; otherwise row by row, each row's tail of cols%4 in scalar code. The op is chosen
// once, outside the loops (addRows...minRows).
export function binary_f32(y: usize, a: usize, b: usize, rows: i32, cols: i32, op: i32, modes: i32): void {
  if (<u32>op > 5 || <u32>modes > 15) unreachable();
  if (rows <= 0 || cols <= 0) return;
  const am = canonical(modes & 3, rows, cols);
  const bm = canonical(modes >> 2, rows, cols);
  if ((am == FULL || am == SCALAR) && (bm == FULL || bm == SCALAR)) {
    cols *= rows;
    rows = 1;
  }
  switch (op) {
    case ADD: addRows(y, a, am, b, bm, rows, cols); break;
    case SUB: subRows(y, a, am, b, bm, rows, cols); break;
    case MUL: mulRows(y, a, am, b, bm, rows, cols); break;
    case DIV: divRows(y, a, am, b, bm, rows, cols); break;
    case MAX: maxRows(y, a, am, b, bm, rows, cols); break;
    default: minRows(y, a, am, b, bm, rows, cols);
  }
}

// y[r,c] = scale * X(r,c), X in mode 0-3 as binary_f32's A: the backward of a sum or mean, the
// upstream gradient spread back over the shape. y may alias x in mode 0 only.
export function broadcast_f32(y: usize, x: usize, rows: i32, cols: i32, mode: i32, scale: f32): void {
  if (<u32>mode > 3) unreachable();
  if (rows <= 0 || cols <= 0) return;
  const m = canonical(mode, rows, cols);
  store<f32>(SLOT_SCALE, scale);
  if (m == FULL || m == SCALAR) binRows(MUL, y, x, m, SLOT_SCALE, SCALAR, 1, rows * cols);
  else binRows(MUL, y, x, m, SLOT_SCALE, SCALAR, rows, cols);
}

// sign(x): -1, 0 or 1; 0 at -0; NaN stays NaN (x itself where x != x).
@inline function sign4(v: v128): v128 {
  const zero = f32x4.splat(0);
  const pos = v128.and(f32x4.gt(v, zero), f32x4.splat(1));
  const neg = v128.and(f32x4.lt(v, zero), f32x4.splat(-1));
  return v128.or(v128.or(pos, neg), v128.and(f32x4.ne(v, v), v));
}
@inline function sign1(v: f32): f32 {
  return v > 0 ? 1 : v < 0 ? -1 : v != v ? v : 0;
}

@inline function un4(op: i32, v: v128): v128 {
  if (op == NEG) return f32x4.neg(v);
  if (op == SQUARE) return f32x4.mul(v, v);
  if (op == SQRT) return f32x4.sqrt(v);
  if (op == ABS) return f32x4.abs(v);
  return sign4(v);
}
@inline function un1(op: i32, v: f32): f32 {
  if (op == NEG) return -v;
  if (op == SQUARE) return v * v;
  if (op == SQRT) return Mathf.sqrt(v);
  if (op == ABS) return Mathf.abs(v);
  return sign1(v);
}
@inline function unVec(op: i32, y: usize, x: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(y + (<usize>i << 2), un4(op, v128.load(x + (<usize>i << 2))));
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), un1(op, load<f32>(x + (<usize>i << 2))));
}

// y = f(x) over n elements; y may alias x. op 0 neg, 1 square, 2 sqrt, 5 abs, 7 sign: f32x4 and
// a scalar tail, each one IEEE operation. 3 exp, 4 log, 6 pow (x^p, p ignored by the others):
// scalar loops over AssemblyScript's Mathf (musl's expf, logf, powf: under 1 ulp). NOTE: pow has
// JS Math.pow's special cases, as Mathf does: x^0 = 1 even for NaN x, (-8)^(1/3) = NaN, but
// 1^NaN and (+-1)^(+-Infinity) are NaN, where C and torch.pow give 1.
export function unary_f32(y: usize, x: usize, n: i32, op: i32, p: f32): void {
  switch (op) {
    case NEG: unVec(NEG, y, x, n); break;
    case SQUARE: unVec(SQUARE, y, x, n); break;
    case SQRT: unVec(SQRT, y, x, n); break;
    case ABS: unVec(ABS, y, x, n); break;
    case SIGN: unVec(SIGN, y, x, n); break;
    case EXP: for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), Mathf.exp(load<f32>(x + (<usize>i << 2)))); break;
    case LOG: for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), Mathf.log(load<f32>(x + (<usize>i << 2)))); break;
    case POW: for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), Mathf.pow(load<f32>(x + (<usize>i << 2)), p)); break;
    default: unreachable();
  }
}

// dx[i] at byte offset o from dy, x and y; only the arrays an op needs are read.
@inline function back4(op: i32, dy: usize, x: usize, y: usize, o: usize): v128 {
  const g = v128.load(dy + o);
  if (op == NEG) return f32x4.neg(g);
  if (op == SQUARE) {
    const v = v128.load(x + o);
    return f32x4.mul(f32x4.add(v, v), g); // (2x)*dy; x + x is 2x exactly
  }
  if (op == SQRT) {
    const v = v128.load(y + o);
    return f32x4.div(g, f32x4.add(v, v));
  }
  if (op == EXP) return f32x4.mul(g, v128.load(y + o));
  if (op == LOG) return f32x4.div(g, v128.load(x + o));
  return f32x4.mul(g, sign4(v128.load(x + o))); // ABS
}
@inline function back1(op: i32, dy: usize, x: usize, y: usize, o: usize): f32 {
  const g = load<f32>(dy + o);
  if (op == NEG) return -g;
  if (op == SQUARE) {
    const v = load<f32>(x + o);
    return (v + v) * g;
  }
  if (op == SQRT) {
    const v = load<f32>(y + o);
    return g / (v + v);
  }
  if (op == EXP) return g * load<f32>(y + o);
  if (op == LOG) return g / load<f32>(x + o);
  return g * sign1(load<f32>(x + o));
}
@inline function backVec(op: i32, dx: usize, dy: usize, x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dx + (<usize>i << 2), back4(op, dy, x, y, <usize>i << 2));
  for (; i < n; i++) store<f32>(dx + (<usize>i << 2), back1(op, dy, x, y, <usize>i << 2));
}

// dx = dy * f'(x) for unary_f32's ops, given x and y = f(x); dx may alias dy. PyTorch's formulas:
// neg -dy; square (2x)*dy; sqrt dy/(2y); exp dy*y; log dy/x; abs dy*sign(x) (0 at 0);
// pow dy*(p*x^(p-1)), and 0 when p == 0; sign 0. All f32x4 but pow (scalar, Mathf.pow).
export function unary_backward_f32(dx: usize, dy: usize, x: usize, y: usize, n: i32, op: i32, p: f32): void {
  switch (op) {
    case NEG: backVec(NEG, dx, dy, x, y, n); break;
    case SQUARE: backVec(SQUARE, dx, dy, x, y, n); break;
    case SQRT: backVec(SQRT, dx, dy, x, y, n); break;
    case EXP: backVec(EXP, dx, dy, x, y, n); break;
    case LOG: backVec(LOG, dx, dy, x, y, n); break;
    case ABS: backVec(ABS, dx, dy, x, y, n); break;
    case POW: {
      if (p == 0) {
        memory.fill(dx, 0, <usize>n << 2);
        break;
      }
      const pm1 = p - 1;
      for (let i = 0; i < n; i++) {
        const o = <usize>i << 2;
        store<f32>(dx + o, load<f32>(dy + o) * (p * Mathf.pow(load<f32>(x + o), pm1)));
      }
      break;
    }
    case SIGN: memory.fill(dx, 0, <usize>n << 2); break;
    default: unreachable();
  }
}

// y = min(max(x, lo), hi) with IEEE maximum/minimum: a NaN x (or bound) gives NaN. y may alias x.
export function clamp_f32(y: usize, x: usize, n: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), l), h));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min<f32>(max<f32>(load<f32>(x + o), lo), hi));
  }
}

// dx = lo <= x <= hi ? dy : 0, bounds inclusive as PyTorch's clamp_backward; a NaN x gets 0.
// dx may alias dy.
export function clamp_backward_f32(dx: usize, dy: usize, x: usize, n: i32, lo: f32, hi: f32): void {
  const l = f32x4.splat(lo), h = f32x4.splat(hi);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(dx + o, v128.and(v128.load(dy + o), v128.and(f32x4.ge(v, l), f32x4.le(v, h))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(dx + o, lo <= v && v <= hi ? load<f32>(dy + o) : 0);
  }
}

// The gradient of maximum(x, o) (isMin 0) or minimum(x, o) (isMin 1) with respect to x, PyTorch
// 1.13's rule where(x == o, dy/2, dy) masked to 0 where x loses: x < o for maximum, x > o for
// minimum, which is -x < -o, so minimum runs the same loop on sign-flipped x and o (a NaN never
// loses: it is the output). o is n elements, or one value when oScalar is 1 (read from a splat
// slot with pointer step 0). The gradient for o is this with x and o swapped. dx may alias dy.
export function minmax_backward_f32(dx: usize, dy: usize, x: usize, o: usize, n: i32, oScalar: i32, isMin: i32): void {
  if (n <= 0) return;
  let po = o, so: usize = 16;
  if (oScalar) {
    v128.store(SLOT_B, v128.load32_splat(o));
    po = SLOT_B;
    so = 0;
  }
  const flip = i32x4.splat(isMin ? 0x80000000 : 0);
  const sign: f32 = isMin ? -1 : 1;
  const half = f32x4.splat(0.5);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const q = <usize>i << 2;
    const v = v128.load(x + q), w = v128.load(po), g = v128.load(dy + q);
    const lose = f32x4.lt(v128.xor(v, flip), v128.xor(w, flip));
    v128.store(dx + q, v128.andnot(v128.bitselect(f32x4.mul(g, half), g, f32x4.eq(v, w)), lose));
    po += so;
  }
  so >>= 2;
  for (; i < n; i++) {
    const q = <usize>i << 2;
    const v = load<f32>(x + q), w = load<f32>(po), g = load<f32>(dy + q);
    store<f32>(dx + q, v == w ? g * 0.5 : sign * v < sign * w ? 0 : g);
    po += so;
  }
}

// out[r] = f32(scale * sum_c x[r,c]), each row summed in f64 in order (sum_f32). out may alias x:
// out[r] lies at or before the start of row r, which has been read.
export function row_sum_f32(out: usize, x: usize, rows: i32, cols: i32, scale: f64): void {
  for (let r = 0; r < rows; r++) store<f32>(out + (<usize>r << 2), <f32>(scale * sum_f32(x + (<usize>r * <usize>cols << 2), cols)));
}

// s = scale * the f64 sum of x[0..n) (sum_f32's order); writes f32(s) to out[0] and returns s.
export function sum_all_f32(out: usize, x: usize, n: i32, scale: f64): f64 {
  const s = scale * sum_f32(x, n);
  store<f32>(out, <f32>s);
  return s;
}

// dst[r*dstStride + c] = src[r*srcStride + c] for c < cols, strides in elements: the columns of a
// concat or a slice. Bits copied as they are (NaN payloads too); no overlap allowed.
export function copy_block_f32(dst: usize, dstStride: i32, src: usize, srcStride: i32, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const d = dst + (<usize>r * <usize>dstStride << 2);
    const s = src + (<usize>r * <usize>srcStride << 2);
    let c = 0;
    for (; c + 4 <= cols; c += 4) v128.store(d + (<usize>c << 2), v128.load(s + (<usize>c << 2)));
    for (; c < cols; c++) store<u32>(d + (<usize>c << 2), load<u32>(s + (<usize>c << 2)));
  }
}

// How many of x[0..n) lie outside [lo, hi] (NaN counts as outside): a check of targets that must
// be probabilities, in the step where they were just copied in. A lane of ok is -1 inside.
export function count_outside_f32(x: usize, n: i32, lo: f32, hi: f32): i32 {
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  let acc = i32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    acc = i32x4.sub(acc, v128.not(v128.and(f32x4.ge(v, vlo), f32x4.le(v, vhi))));
  }
  let c = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (!(v >= lo && v <= hi)) c++;
  }
  return c;
}
