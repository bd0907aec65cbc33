// Element-wise ops and their gradients, on one kernel family (assembly/elementwise.ts).
// Binary ops broadcast a [1, cols] row, a [rows, 1] column or a [1, 1] scalar over the other
// operand; the gradient of a broadcast operand is the upstream gradient summed over the
// broadcast dimension.
//   add: da = dy, db = dy           sub: da = dy, db = -dy
//   mul: da = dy*b, db = dy*a        div: da = dy/b, db = -dy*y/b   (y = a/b)
//   maximum/minimum: dy to the larger/smaller, split in half on ties (PyTorch 1.13)
//   unary f with f' from x and y = f(x): neg, square, sqrt, exp, log, abs, pow(x, p); clamp(x, lo, hi)
import { apply, fixedRows, ShapeError, viewOf, viewRows, type PrimitiveOp } from '../op.js';
import { showShape, type Eqn, type Shape, type SymbolicTensor } from '../symbolic.js';
import { reduceToMode } from './reduce.js';

export const BINARY_CODE = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5 } as const;
export type BinaryName = keyof typeof BINARY_CODE;

/** How an operand of shape s is read against the output shape o: 0 full, 1 row, 2 column, 3 scalar. */
// NOTE: a [1, 1] operand against one column is read as a row, not a scalar: the bias of a
// one-unit layer then takes the bias kernels (and its gradient the column sum) as it always did.
export function modeOf(s: Shape, o: Shape): number {
  return readAs(s, o)!.mode;
}

/** An operand's mode and the [rows, cols] split of the output it is read in. */
interface Reading {
  mode: number;
  split: number;
}

// Rank 2 against rank 2 reads as it always did. Otherwise, with s padded by leading ones to o's
// rank (NumPy's rule): the same shape is full, all ones a scalar, ones then o's trailing
// dimensions a row (a bias over channels: [c] against [n, h, w, c]), o's leading dimensions then
// ones a column. Other broadcasts are refused: nothing is broadcast that a kernel cannot read.
function readAs(s: Shape, o: Shape): Reading | undefined {
  if (s.length === 2 && o.length === 2) {
    if (s[0] === o[0] && s[1] === o[1]) return { mode: 0, split: 1 };
    if (s[0] === 1 && s[1] === o[1]) return { mode: 1, split: 1 };
    if (s[0] === 1 && s[1] === 1) return { mode: 3, split: 1 };
    if (s[1] === 1 && s[0] === o[0]) return { mode: 2, split: 1 };
    return undefined;
  }
  if (s.length > o.length) return undefined;
  const p = [...Array<number>(o.length - s.length).fill(1), ...s];
  if (p.every((d, i) => d === o[i])) return { mode: 0, split: Math.min(1, o.length) };
  if (p.every((d) => d === 1)) return { mode: 3, split: Math.min(1, o.length) };
  for (let split = 1; split < o.length; split++) {
    const head = p.slice(0, split), tail = p.slice(split);
    if (head.every((d) => d === 1) && tail.every((d, i) => d === o[split + i])) return { mode: 1, split };
    if (tail.every((d) => d === 1) && head.every((d, i) => d === o[i])) return { mode: 2, split };
  }
  return undefined;
}

/** The output shape of a binary op and how each operand is read in it (one split for both). */
export function broadcast(a: Shape, b: Shape, what: string): { shape: Shape; ma: number; mb: number; split: number } {
  const refuse = () => new ShapeError(`wasmnn: ${what}: shapes ${showShape(a)} and ${showShape(b)} do not broadcast (the engine reads one operand against the other as the same shape, a scalar, a row of its trailing dimensions such as [1, cols] or a bias [c], or a column of its leading dimensions such as [rows, 1])`);
  for (const [big, small] of [[a, b], [b, a]] as const) {
    const rs = readAs(small, big);
    if (!rs) continue;
    return big === a ? { shape: a, ma: 0, mb: rs.mode, split: rs.split } : { shape: b, ma: rs.mode, mb: 0, split: rs.split };
  }
  throw refuse();
}

export function broadcastShape(a: Shape, b: Shape, what: string): Shape {
  return broadcast(a, b, what).shape;
}

const ROW_BIAS = 0 | (1 << 2);

/** True for `a + b` with b a [1, cols] row over a full a (a dense layer's bias). */
export function isRowBiasAdd(e: Eqn): boolean {
  return e.op === binaryOps.add && e.attrs.ma === 0 && e.attrs.mb === 1;
}

const binaryOps = {} as Record<BinaryName, PrimitiveOp>;
for (const name of Object.keys(BINARY_CODE) as BinaryName[]) {
  const code = BINARY_CODE[name];
  binaryOps[name] = {
    name,
    inPlace: 0,
    emit(e, c) {
      const [a, b] = e.inputs;
      const y = e.outputs[0];
      const { ma, mb, split } = e.attrs as unknown as Broadcast;
      const modes = ma | (mb << 2);
      const P = c.run.ptrs, run = c.run, k = c.k;
      const sy = c.slot(y), sa = c.slot(a), sb = c.slot(b), v = viewOf(y, split), cols = v.cols;
      // A bias row: the bias kernel, which streams rows of any width as whole vectors.
      if (code === 0 && modes === ROW_BIAS) return () => k.bias_add_f32(P[sy], P[sa], P[sb], viewRows(v, run), cols);
      return () => k.binary_f32(P[sy], P[sa], P[sb], viewRows(v, run), cols, code, modes);
    },
    vjp(e, [dy]) {
      if (!dy) return [undefined, undefined];
      const [a, b] = e.inputs;
      const y = e.outputs[0];
      const { ma, mb, split } = e.attrs as unknown as Broadcast;
      const to = (g: SymbolicTensor, mode: number, t: SymbolicTensor) => reduceToMode(g, mode, t.shape, split);
      switch (name) {
        case 'add': return [to(dy, ma, a), to(dy, mb, b)];
        case 'sub': return [to(dy, ma, a), unary('neg', to(dy, mb, b))];
        case 'mul': return [to(binary('mul', dy, b), ma, a), to(binary('mul', dy, a), mb, b)];
        case 'div': return [to(binary('div', dy, b), ma, a), unary('neg', to(binary('div', binary('mul', dy, y), b), mb, b))];
        default: {
          const isMin = name === 'minimum' ? 1 : 0;
          const one = (x: SymbolicTensor, o: SymbolicTensor) => (x.kind === 'const' ? undefined : minmaxGrad(dy, x, o, isMin));
          return [one(a, b), one(b, a)];
        }
      }
    },
  };
}

type Broadcast = { ma: number; mb: number; split: number };

export function binary(name: BinaryName, a: SymbolicTensor, b: SymbolicTensor): SymbolicTensor {
  const { shape, ma, mb, split } = broadcast(a.shape, b.shape, name);
  if (name === 'maximum' || name === 'minimum') {
    // The gradient of a broadcast operand of maximum/minimum would need a reduction of the tie
    // rule; only a constant may be broadcast.
    for (const [t, m] of [[a, ma], [b, mb]] as const) {
      if (m !== 0 && t.kind !== 'const') throw new ShapeError(`wasmnn: ${name}: both operands must have the same shape (or one be a number), got ${showShape(a.shape)} and ${showShape(b.shape)}`);
    }
  }
  return apply(binaryOps[name], [a, b], shape, { ma, mb, split });
}

const minmaxGradOp: PrimitiveOp = {
  name: 'minmaxGrad',
  inPlace: 0,
  emit(e, c) {
    const [dy, x, o] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), so = c.slot(o), fr = fixedRows(x), cols = x.cols;
    const oScalar = o.cols * o.rows === 1 && x.cols * x.rows !== 1 ? 1 : 0;
    const isMin = e.attrs.isMin as number;
    return () => k.minmax_backward_f32(P[sd], P[sdy], P[sx], P[so], (fr || run.rows) * cols, oScalar, isMin);
  },
};

function minmaxGrad(dy: SymbolicTensor, x: SymbolicTensor, o: SymbolicTensor, isMin: number): SymbolicTensor {
  return apply(minmaxGradOp, [dy, x, o], x.shape, { isMin });
}

// ---- unary --------------------------------------------------------------------------------

export const UNARY_CODE = { neg: 0, square: 1, sqrt: 2, exp: 3, log: 4, abs: 5, pow: 6 } as const;
export type UnaryName = keyof typeof UNARY_CODE;

const unaryOps = {} as Record<UnaryName, PrimitiveOp>;
for (const name of Object.keys(UNARY_CODE) as UnaryName[]) {
  const code = UNARY_CODE[name];
  unaryOps[name] = {
    name,
    inPlace: 0,
    emit(e, c) {
      const x = e.inputs[0];
      const P = c.run.ptrs, run = c.run, k = c.k;
      const sy = c.slot(e.outputs[0]), sx = c.slot(x), fr = fixedRows(x), cols = x.cols, p = (e.attrs.p as number) ?? 0;
      return () => k.unary_f32(P[sy], P[sx], (fr || run.rows) * cols, code, p);
    },
    vjp(e, [dy]) {
      if (!dy) return [undefined];
      // neg's derivative needs neither x nor y: -dy.
      if (name === 'neg') return [unary('neg', dy)];
      return [apply(unaryGradOp, [dy, e.inputs[0], e.outputs[0]], e.inputs[0].shape, { code, p: e.attrs.p ?? 0 })];
    },
  };
}

export function unary(name: UnaryName, x: SymbolicTensor, p = 0): SymbolicTensor {
  return apply(unaryOps[name], [x], x.shape, name === 'pow' ? { p } : {});
}

const unaryGradOp: PrimitiveOp = {
  name: 'unaryGrad',
  inPlace: 0,
  emit(e, c) {
    const [dy, x, y] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), syy = c.slot(y), fr = fixedRows(x), cols = x.cols;
    const code = e.attrs.code as number, p = e.attrs.p as number;
    return () => k.unary_backward_f32(P[sd], P[sdy], P[sx], P[syy], (fr || run.rows) * cols, code, p);
  },
};

const clampOp: PrimitiveOp = {
  name: 'clip',
  inPlace: 0,
  emit(e, c) {
    const x = e.inputs[0];
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sy = c.slot(e.outputs[0]), sx = c.slot(x), fr = fixedRows(x), cols = x.cols, lo = e.attrs.lo as number, hi = e.attrs.hi as number;
    return () => k.clamp_f32(P[sy], P[sx], (fr || run.rows) * cols, lo, hi);
  },
  vjp(e, [dy]) {
    return [dy && apply(clampGradOp, [dy, e.inputs[0]], e.inputs[0].shape, e.attrs as Record<string, unknown>)];
  },
};

const clampGradOp: PrimitiveOp = {
  name: 'clipGrad',
  inPlace: 0,
  emit(e, c) {
    const [dy, x] = e.inputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sd = c.slot(e.outputs[0]), sdy = c.slot(dy), sx = c.slot(x), fr = fixedRows(x), cols = x.cols, lo = e.attrs.lo as number, hi = e.attrs.hi as number;
    return () => k.clamp_backward_f32(P[sd], P[sdy], P[sx], (fr || run.rows) * cols, lo, hi);
  },
};

export function clip(x: SymbolicTensor, lo: number, hi: number): SymbolicTensor {
  if (typeof lo !== 'number' || typeof hi !== 'number' || Number.isNaN(lo) || Number.isNaN(hi) || lo > hi) {
    throw new RangeError(`wasmnn: clip needs numbers lo <= hi, got ${lo} and ${hi}`);
  }
  return apply(clampOp, [x], x.shape, { lo, hi });
}

