// A float64 reference of the graph engine's ops (issue #11), for tests only: every op's forward
// and its vector-Jacobian product side by side, on row-major matrices, and a tape that records
// them so a graph can be differentiated in reverse mode. L = sum(root * seed); grad = dL/dleaf.
// The ops take the same arguments as the engine's `ops` (nodes or numbers), so one list of steps
// (a `Graph`) runs on both: `runGraph(graph, ops64(tape), leaves)` and `runGraph(graph, ops, params)`.
import { erfc } from '../../src/reference/activations.js';

export interface M64 {
  rows: number;
  cols: number;
  data: Float64Array;
}

export function mat(rows: number, cols: number, data?: ArrayLike<number>): M64 {
  const m = { rows, cols, data: new Float64Array(rows * cols) };
  if (data !== undefined) {
    if (data.length !== rows * cols) throw new Error(`mat [${rows}, ${cols}] needs ${rows * cols} values, got ${data.length}`);
    m.data.set(data);
  }
  return m;
}

/** A matrix from JSON: a number is [1, 1], a flat list is one row, a list of rows is itself. */
export function fromJson(x: number | number[] | number[][]): M64 {
  if (typeof x === 'number') return mat(1, 1, [x]);
  if (typeof x[0] === 'number') return mat(1, x.length, x as number[]);
  const rows = x as number[][];
  return mat(rows.length, rows[0].length, rows.flat());
}

const shapeOf = (m: M64) => `[${m.rows}, ${m.cols}]`;

// ---------------------------------------------------------------- the tape

export type DType = 'float32' | 'int32';

export interface Node64 {
  readonly id: number;
  readonly value: M64;
  readonly dtype: DType;
}

/** One op's result and its vector-Jacobian product: g (shaped as out) -> one gradient per input. */
interface Applied {
  out: M64;
  vjp: (g: M64) => M64[];
}

export class Tape64 {
  private readonly records: { node: Node64; parents: Node64[]; vjp?: (g: M64) => M64[] }[] = [];

  /** A leaf: a parameter, a constant or a data input (int32 carries class indices). */
  leaf(value: M64, dtype: DType = 'float32'): Node64 {
    const node = { id: this.records.length, value, dtype };
    this.records.push({ node, parents: [] });
    return node;
  }

  record(parents: Node64[], applied: Applied): Node64 {
    const node = { id: this.records.length, value: applied.out, dtype: 'float32' as DType };
    this.records.push({ node, parents, vjp: applied.vjp });
    return node;
  }

  /** d sum(root * seed) / d node for every node (undefined where it does not reach); seed defaults to ones. */
  gradients(root: Node64, seed?: M64): (M64 | undefined)[] {
    const grads: (M64 | undefined)[] = new Array(this.records.length);
    const s = seed ?? mat(root.value.rows, root.value.cols, new Float64Array(root.value.data.length).fill(1));
    if (s.rows !== root.value.rows || s.cols !== root.value.cols) throw new Error(`seed ${shapeOf(s)} for a root of ${shapeOf(root.value)}`);
    grads[root.id] = s;
    for (let i = root.id; i >= 0; i--) {
      const { parents, vjp } = this.records[i];
      const g = grads[i];
      if (g === undefined || vjp === undefined) continue;
      vjp(g).forEach((gp, k) => {
        const p = parents[k];
        const acc = grads[p.id];
        if (acc === undefined) grads[p.id] = mat(gp.rows, gp.cols, gp.data);
        else for (let j = 0; j < acc.data.length; j++) acc.data[j] += gp.data[j];
      });
    }
    return grads;
  }
}

// ---------------------------------------------------------------- op definitions

/** Broadcast rows/cols: equal, or one side 1. */
function broadcastDim(a: number, b: number, what: string): number {
  if (a === b || b === 1) return a;
  if (a === 1) return b;
  throw new Error(what);
}

/** out = f(a, b) elementwise with broadcasting; da, db give d out / d a and d out / d b. */
function binary(
  name: string,
  a: M64,
  b: M64,
  f: (u: number, v: number) => number,
  da: (u: number, v: number, o: number) => number,
  db: (u: number, v: number, o: number) => number,
): Applied {
  const what = `${name}: shapes ${shapeOf(a)} and ${shapeOf(b)} do not broadcast`;
  const rows = broadcastDim(a.rows, b.rows, what);
  const cols = broadcastDim(a.cols, b.cols, what);
  const ia = (i: number, j: number) => (a.rows === 1 ? 0 : i) * a.cols + (a.cols === 1 ? 0 : j);
  const ib = (i: number, j: number) => (b.rows === 1 ? 0 : i) * b.cols + (b.cols === 1 ? 0 : j);
  const out = mat(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.data[i * cols + j] = f(a.data[ia(i, j)], b.data[ib(i, j)]);
  return {
    out,
    vjp: (g) => {
      // Broadcast dimensions sum their gradient back (the index maps do the reduction).
      const ga = mat(a.rows, a.cols);
      const gb = mat(b.rows, b.cols);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const u = a.data[ia(i, j)];
          const v = b.data[ib(i, j)];
          const o = out.data[i * cols + j];
          const gij = g.data[i * cols + j];
          ga.data[ia(i, j)] += gij * da(u, v, o);
          gb.data[ib(i, j)] += gij * db(u, v, o);
        }
      }
      return [ga, gb];
    },
  };
}

/** out = f(x) elementwise; d gives d out / d x from x and out. */
function unary(x: M64, f: (u: number) => number, d: (u: number, o: number) => number): Applied {
  const out = mat(x.rows, x.cols, x.data.map(f));
  return { out, vjp: (g) => [mat(x.rows, x.cols, g.data.map((gi, i) => gi * d(x.data[i], out.data[i])))] };
}

const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

function matmul(a: M64, b: M64): Applied {
  if (a.cols !== b.rows) throw new Error(`matmul: shapes ${shapeOf(a)} and ${shapeOf(b)} (inner dimensions ${a.cols} and ${b.rows})`);
  const product = (x: M64, y: M64, tx: boolean, ty: boolean) => {
    // op(x) @ op(y) where op transposes when asked.
    const [m, k] = tx ? [x.cols, x.rows] : [x.rows, x.cols];
    const n = ty ? y.rows : y.cols;
    const at = (z: M64, i: number, j: number, t: boolean) => (t ? z.data[j * z.cols + i] : z.data[i * z.cols + j]);
    const out = mat(m, n);
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += at(x, i, p, tx) * at(y, p, j, ty);
        out.data[i * n + j] = s;
      }
    }
    return out;
  };
  return { out: product(a, b, false, false), vjp: (g) => [product(g, b, false, true), product(a, g, true, false)] };
}

type Axis = 0 | 1 | null | undefined;

function reduce(x: M64, axis: Axis, mean: boolean): Applied {
  if (axis !== undefined && axis !== null && axis !== 0 && axis !== 1) throw new Error(`sum/mean: axis must be 0, 1 or none, got ${axis}`);
  const rows = axis === 1 ? x.rows : 1;
  const cols = axis === 0 ? x.cols : 1;
  const n = axis === 0 ? x.rows : axis === 1 ? x.cols : x.rows * x.cols;
  const scale = mean ? 1 / n : 1;
  const at = (i: number, j: number) => (rows === 1 ? 0 : i) * cols + (cols === 1 ? 0 : j);
  const out = mat(rows, cols);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) out.data[at(i, j)] += x.data[i * x.cols + j];
  for (let i = 0; i < out.data.length; i++) out.data[i] *= scale;
  return {
    out,
    vjp: (g) => {
      const gx = mat(x.rows, x.cols);
      for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) gx.data[i * x.cols + j] = g.data[at(i, j)] * scale;
      return [gx];
    },
  };
}

function concat(xs: M64[], axis: number): Applied {
  if (axis !== 1) throw new Error(`concat: only axis 1 (columns), got ${axis}`);
  const rows = xs[0].rows;
  for (const x of xs) if (x.rows !== rows) throw new Error(`concat: rows differ (${xs.map(shapeOf).join(', ')})`);
  const cols = xs.reduce((s, x) => s + x.cols, 0);
  const out = mat(rows, cols);
  const offsets: number[] = [];
  let off = 0;
  for (const x of xs) {
    offsets.push(off);
    for (let i = 0; i < rows; i++) for (let j = 0; j < x.cols; j++) out.data[i * cols + off + j] = x.data[i * x.cols + j];
    off += x.cols;
  }
  return { out, vjp: (g) => xs.map((x, k) => columns(g, offsets[k], x.cols)) };
}

function columns(x: M64, begin: number, size: number): M64 {
  const out = mat(x.rows, size);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < size; j++) out.data[i * size + j] = x.data[i * x.cols + begin + j];
  return out;
}

function slice(x: M64, begin: number, size: number): Applied {
  if (!(Number.isInteger(begin) && Number.isInteger(size) && begin >= 0 && size > 0 && begin + size <= x.cols)) {
    throw new Error(`slice: columns [${begin}, ${begin + size}) of ${shapeOf(x)}`);
  }
  return {
    out: columns(x, begin, size),
    vjp: (g) => {
      const gx = mat(x.rows, x.cols);
      for (let i = 0; i < x.rows; i++) for (let j = 0; j < size; j++) gx.data[i * x.cols + begin + j] = g.data[i * size + j];
      return [gx];
    },
  };
}

/** Row-wise log-softmax, stable. */
function logSoftmaxRows(x: M64): M64 {
  const out = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) {
    const row = x.data.subarray(i * x.cols, (i + 1) * x.cols);
    const max = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - max);
    const lse = max + Math.log(s);
    for (let j = 0; j < x.cols; j++) out.data[i * x.cols + j] = row[j] - lse;
  }
  return out;
}

function softmax(x: M64, log: boolean): Applied {
  const ls = logSoftmaxRows(x);
  const sm = mat(x.rows, x.cols, ls.data.map(Math.exp));
  const out = log ? ls : sm;
  return {
    out,
    vjp: (g) => {
      // softmax: s*(g - sum(g*s)); log-softmax: g - s*sum(g), each along a row.
      const gx = mat(x.rows, x.cols);
      for (let i = 0; i < x.rows; i++) {
        let dot = 0;
        for (let j = 0; j < x.cols; j++) dot += g.data[i * x.cols + j] * (log ? 1 : sm.data[i * x.cols + j]);
        for (let j = 0; j < x.cols; j++) {
          const k = i * x.cols + j;
          gx.data[k] = log ? g.data[k] - sm.data[k] * dot : sm.data[k] * (g.data[k] - dot);
        }
      }
      return [gx];
    },
  };
}

function sameShape(name: string, p: M64, t: M64): void {
  if (p.rows !== t.rows || p.cols !== t.cols) throw new Error(`${name}: prediction ${shapeOf(p)} and target ${shapeOf(t)} differ`);
}

/** A mean-reduced elementwise loss: out = mean(l(p, t)), with dl/dp and dl/dt. */
function elementLoss(name: string, p: M64, t: M64, l: (p: number, t: number) => number, dp: (p: number, t: number) => number, dt: (p: number, t: number) => number): Applied {
  sameShape(name, p, t);
  const n = p.data.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += l(p.data[i], t.data[i]);
  return {
    out: mat(1, 1, [s / n]),
    vjp: (g) => {
      const k = g.data[0] / n;
      return [mat(p.rows, p.cols, p.data.map((v, i) => k * dp(v, t.data[i]))), mat(t.rows, t.cols, p.data.map((v, i) => k * dt(v, t.data[i])))];
    },
  };
}

/** Mean over rows of -sum_j t_j log softmax(p)_j; t is class indices ([rows, 1], int32) or dense rows. */
function softmaxCrossEntropy(p: M64, t: M64, indices: boolean): Applied {
  const ls = logSoftmaxRows(p);
  const dense = indices ? mat(p.rows, p.cols) : t;
  if (indices) {
    if (t.rows !== p.rows || t.cols !== 1) throw new Error(`softmaxCrossEntropy: class indices ${shapeOf(t)} for predictions ${shapeOf(p)}`);
    for (let i = 0; i < p.rows; i++) {
      const c = t.data[i];
      if (!(Number.isInteger(c) && c >= 0 && c < p.cols)) throw new Error(`softmaxCrossEntropy: class ${c} of row ${i} outside [0, ${p.cols})`);
      dense.data[i * p.cols + c] = 1;
    }
  } else sameShape('softmaxCrossEntropy', p, t);
  let s = 0;
  for (let k = 0; k < ls.data.length; k++) s -= dense.data[k] * ls.data[k];
  return {
    out: mat(1, 1, [s / p.rows]),
    vjp: (g) => {
      // d/dp_j = softmax_j * sum(t) - t_j per row; d/dt_j = -log softmax_j; both / rows.
      const k = g.data[0] / p.rows;
      const gp = mat(p.rows, p.cols);
      for (let i = 0; i < p.rows; i++) {
        let tsum = 0;
        for (let j = 0; j < p.cols; j++) tsum += dense.data[i * p.cols + j];
        for (let j = 0; j < p.cols; j++) {
          const q = i * p.cols + j;
          gp.data[q] = k * (Math.exp(ls.data[q]) * tsum - dense.data[q]);
        }
      }
      return [gp, indices ? mat(t.rows, t.cols) : mat(p.rows, p.cols, ls.data.map((v) => -k * v))];
    },
  };
}

// ---------------------------------------------------------------- the ops, as the engine's

export type Operand = Node64 | number;

/** The reference ops on a tape: the engine's names and arguments (issue #11's list). */
export function ops64(tape: Tape64) {
  const node = (x: Operand) => (typeof x === 'number' ? tape.leaf(mat(1, 1, [x])) : x);
  const rec = (xs: Operand[], f: (...v: M64[]) => Applied) => {
    const ns = xs.map(node);
    return tape.record(ns, f(...ns.map((n) => n.value)));
  };
  const bin = (name: string, f: (u: number, v: number) => number, da: (u: number, v: number, o: number) => number, db: (u: number, v: number, o: number) => number) =>
    (a: Operand, b: Operand) => rec([a, b], (x, y) => binary(name, x, y, f, da, db));
  const un = (f: (u: number) => number, d: (u: number, o: number) => number) => (t: Operand) => rec([t], (x) => unary(x, f, d));
  // PyTorch 1.13 splits a tie's gradient in half between maximum's / minimum's operands.
  const pick = (win: boolean, tie: boolean) => (tie ? 0.5 : win ? 1 : 0);
  const geluTanh = (x: number) => {
    const t = Math.tanh(GELU_K * (x + GELU_C * x ** 3));
    return [0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * GELU_C * x * x)];
  };
  return {
    add: bin('add', (u, v) => u + v, () => 1, () => 1),
    sub: bin('sub', (u, v) => u - v, () => 1, () => -1),
    mul: bin('mul', (u, v) => u * v, (_u, v) => v, (u) => u),
    div: bin('div', (u, v) => u / v, (_u, v) => 1 / v, (_u, v, o) => -o / v),
    maximum: bin('maximum', Math.max, (u, v) => pick(u > v, u === v), (u, v) => pick(v > u, u === v)),
    minimum: bin('minimum', Math.min, (u, v) => pick(u < v, u === v), (u, v) => pick(v < u, u === v)),
    matmul: (a: Operand, b: Operand) => rec([a, b], matmul),
    neg: un((x) => -x, () => -1),
    square: un((x) => x * x, (x) => 2 * x),
    sqrt: un(Math.sqrt, (_x, o) => 0.5 / o),
    exp: un(Math.exp, (_x, o) => o),
    log: un(Math.log, (x) => 1 / x),
    abs: un(Math.abs, (x) => Math.sign(x)),
    pow: (t: Operand, p: number) => rec([t], (x) => unary(x, (u) => u ** p, (u) => (p === 0 ? 0 : p * u ** (p - 1)))),
    // Bounds inclusive for the gradient, as torch.clamp.
    clip: (t: Operand, lo: number, hi: number) => rec([t], (x) => unary(x, (u) => Math.min(Math.max(u, lo), hi), (u) => (u >= lo && u <= hi ? 1 : 0))),
    sum: (t: Operand, axis?: Axis) => rec([t], (x) => reduce(x, axis, false)),
    mean: (t: Operand, axis?: Axis) => rec([t], (x) => reduce(x, axis, true)),
    concat: (ts: Operand[], axis: number) => rec(ts, (...xs) => concat(xs, axis)),
    slice: (t: Operand, begin: number, size: number) => rec([t], (x) => slice(x, begin, size)),
    relu: un((x) => (x > 0 ? x : 0), (x) => (x > 0 ? 1 : 0)),
    sigmoid: un(sigmoid, (_x, o) => o * (1 - o)),
    tanh: un(Math.tanh, (_x, o) => 1 - o * o),
    leakyRelu: (t: Operand, alpha = 0.01) => rec([t], (x) => unary(x, (u) => (u > 0 ? u : alpha * u), (u) => (u > 0 ? 1 : alpha))),
    elu: (t: Operand, alpha = 1) => rec([t], (x) => unary(x, (u) => (u > 0 ? u : alpha * Math.expm1(u)), (u) => (u > 0 ? 1 : alpha * Math.exp(u)))),
    gelu: un(
      (x) => 0.5 * x * erfc(-x / Math.SQRT2),
      (x) => 0.5 * erfc(-x / Math.SQRT2) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI),
    ),
    geluTanh: un((x) => geluTanh(x)[0], (x) => geluTanh(x)[1]),
    // PyTorch's softplus: beta 1, linear above threshold 20.
    softplus: un((x) => (x > 20 ? x : Math.log1p(Math.exp(x))), (x) => (x > 20 ? 1 : sigmoid(x))),
    silu: un((x) => x * sigmoid(x), (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    softmax: (t: Operand) => rec([t], (x) => softmax(x, false)),
    logSoftmax: (t: Operand) => rec([t], (x) => softmax(x, true)),
    mse: (p: Operand, t: Operand) => rec([p, t], (x, y) => elementLoss('mse', x, y, (u, v) => (u - v) ** 2, (u, v) => 2 * (u - v), (u, v) => -2 * (u - v))),
    bceWithLogits: (p: Operand, t: Operand) =>
      rec([p, t], (x, y) =>
        elementLoss('bceWithLogits', x, y, (u, v) => Math.max(u, 0) - u * v + Math.log1p(Math.exp(-Math.abs(u))), (u, v) => sigmoid(u) - v, (u) => -u),
      ),
    softmaxCrossEntropy: (p: Operand, t: Operand) => {
      const target = node(t);
      return rec([p, target], (x, y) => softmaxCrossEntropy(x, y, target.dtype === 'int32'));
    },
  };
}

export type Ops64 = ReturnType<typeof ops64>;
export type OpName = keyof Ops64;

// ---------------------------------------------------------------- graphs as printable step lists

/** An argument of a step: an earlier value (`ref`), a list of them (concat), or a plain number. */
export type Arg = { ref: number } | { refs: number[] } | number | undefined;

export interface Step {
  op: OpName;
  args: Arg[];
}

export interface Leaf {
  rows: number;
  cols: number;
  data: number[];
  /** A data input, not a parameter (int32: class indices). The engine gets it as `input(...)`. */
  input?: DType;
}

/** Leaves are values 0 .. leaves-1, step k is value leaves+k; the last step is the result. */
export interface Graph {
  leaves: Leaf[];
  steps: Step[];
}

/** Runs the steps with any ops library that takes the engine's arguments; returns every value. */
export function runGraph<T>(graph: Graph, lib: Record<string, (...a: any[]) => T>, leaves: T[]): T[] {
  const values = leaves.slice();
  for (const { op, args } of graph.steps) {
    const resolved = args.map((a) => (typeof a === 'object' ? ('ref' in a ? values[a.ref] : a.refs.map((r) => values[r])) : a));
    while (resolved.length > 0 && resolved[resolved.length - 1] === undefined) resolved.pop();
    values.push(lib[op](...resolved));
  }
  return values;
}

/** `v3 = matmul(v0, v1)` lines, leaves with their shapes and values: enough to rebuild a failing graph. */
export function printGraph(graph: Graph): string {
  const arg = (a: Arg) => (a === undefined ? 'undefined' : typeof a === 'number' ? String(a) : 'ref' in a ? `v${a.ref}` : `[${a.refs.map((r) => `v${r}`).join(', ')}]`);
  const lines = graph.leaves.map((l, i) => `v${i} = ${l.input ? `input ${l.input}` : 'parameter'} [${l.rows}, ${l.cols}] ${JSON.stringify(l.data)}`);
  graph.steps.forEach((s, k) => lines.push(`v${graph.leaves.length + k} = ${s.op}(${s.args.map(arg).join(', ')})`));
  return lines.join('\n');
}

/** The graph's value and its gradient with respect to every leaf, in float64. */
export function grad64(graph: Graph): { value: number; grads: Float64Array[]; values: M64[] } {
  const tape = new Tape64();
  const leaves = graph.leaves.map((l) => tape.leaf(mat(l.rows, l.cols, l.data), l.input === 'int32' ? 'int32' : 'float32'));
  const nodes = runGraph<Node64>(graph, ops64(tape) as never, leaves);
  const root = nodes[nodes.length - 1];
  if (root.value.rows !== 1 || root.value.cols !== 1) throw new Error(`the graph ends in ${shapeOf(root.value)}, not a scalar`);
  const g = tape.gradients(root);
  return {
    value: root.value.data[0],
    grads: leaves.map((l) => g[l.id]?.data ?? new Float64Array(l.value.data.length)),
    values: nodes.map((n) => n.value),
  };
}

/** Central differences of the graph's value in every float leaf's entries, in float64. */
export function finiteDifferences64(graph: Graph, h = 1e-6): Float64Array[] {
  return graph.leaves.map((leaf, li) => {
    const out = new Float64Array(leaf.data.length);
    if (leaf.input === 'int32') return out;
    for (let k = 0; k < leaf.data.length; k++) {
      const at = (delta: number) => {
        const data = leaf.data.slice();
        data[k] += delta;
        return grad64({ ...graph, leaves: graph.leaves.map((l, j) => (j === li ? { ...l, data } : l)) }).value;
      };
      const step = h * Math.max(1, Math.abs(leaf.data[k]));
      out[k] = (at(step) - at(-step)) / (2 * step);
    }
    return out;
  });
}

// ---------------------------------------------------------------- autodiff.json op cases

export interface GoldenOpCase {
  op: string;
  params: Record<string, unknown>;
  inputs: (number[][] | number)[];
  out: number[][] | number;
  upstream: number[][] | number;
  grads: (number[][] | null)[];
}

/** An op's extra arguments after its tensors, from a golden case's params (PyTorch names). */
function extraArgs(c: GoldenOpCase): Arg[] {
  const p = c.params as Record<string, number | null | undefined>;
  switch (c.op) {
    case 'pow':
      return [p.exponent as number];
    case 'clip':
      return [p.min as number, p.max as number];
    case 'sum':
    case 'mean':
      return [p.axis ?? undefined];
    case 'slice':
      return [p.begin as number, p.size as number];
    case 'leakyRelu':
    case 'elu':
      return [p.alpha ?? undefined];
    default:
      return [];
  }
}

/**
 * A golden case as a graph: the inputs as leaves (parameters), the op, then L = sum(out * upstream),
 * with the upstream as the last leaf ([1, 1] for a scalar). Leaf k's gradient is c.grads[k], and the
 * upstream leaf's gradient is the op's value: an engine that only returns L still shows `out`.
 */
export function goldenGraph(c: GoldenOpCase): Graph {
  const leaves: Leaf[] = c.inputs.map((x) => {
    const m = fromJson(x);
    return { rows: m.rows, cols: m.cols, data: Array.from(m.data) };
  });
  const refs = leaves.map((_, i) => i);
  const upstream = fromJson(c.upstream);
  leaves.push({ rows: upstream.rows, cols: upstream.cols, data: Array.from(upstream.data) });
  const out = leaves.length; // the op's value, then out * upstream, then the sum
  const op = c.op as OpName;
  const steps: Step[] = [
    op === 'concat' ? { op, args: [{ refs }, c.params.axis as number] } : { op, args: [...refs.map((ref) => ({ ref })), ...extraArgs(c)] },
    { op: 'mul', args: [{ ref: out }, { ref: out - 1 }] },
    { op: 'sum', args: [{ ref: out + 1 }] },
  ];
  return { leaves, steps };
}

// ---------------------------------------------------------------- every op at random inputs

/** A small seeded generator (mulberry32): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** How a check draws a leaf's values: kinks, zeros and ties stay at least 0.1 away. */
export type Draw = 'any' | 'positive' | 'away' | 'probabilities' | 'unit' | { classes: number };

export function drawLeaf(rand: () => number, rows: number, cols: number, draw: Draw, input?: DType): Leaf {
  const n = rows * cols;
  let data: number[];
  if (typeof draw === 'object') data = Array.from({ length: n }, () => Math.floor(rand() * draw.classes));
  else if (draw === 'probabilities') {
    data = [];
    for (let i = 0; i < rows; i++) {
      const row = Array.from({ length: cols }, () => 0.1 + rand());
      const s = row.reduce((a, b) => a + b, 0);
      data.push(...row.map((v) => v / s));
    }
  } else {
    data = Array.from({ length: n }, () => {
      const u = rand();
      if (draw === 'unit') return u;
      if (draw === 'positive') return 0.2 + 1.8 * u;
      if (draw === 'away') return (rand() < 0.5 ? -1 : 1) * (0.1 + 1.9 * u);
      return 4 * u - 2;
    });
  }
  // Float32 values, so the float32 engine and the float64 reference see the same inputs.
  return { rows, cols, data: data.map(Math.fround), input };
}

export interface OpCheck {
  name: string;
  graph: Graph;
}

type Shape = [number, number];
type LeafSpec = [Shape, Draw] | [Shape, Draw, DType];

/** One op on drawn leaves, then L = sum(out * upstream) with a drawn upstream leaf. */
function check(name: string, seed: number, specs: LeafSpec[], call: (refs: { ref: number }[]) => Step, outShape: Shape): OpCheck {
  const rand = rng(seed);
  const leaves = specs.map(([[r, c], d, input]) => drawLeaf(rand, r, c, d, input));
  const refs = leaves.map((_, i) => ({ ref: i }));
  leaves.push(drawLeaf(rand, outShape[0], outShape[1], 'any'));
  const out = leaves.length;
  const steps = [call(refs), { op: 'mul', args: [{ ref: out }, { ref: out - 1 }] } as Step, { op: 'sum', args: [{ ref: out + 1 }] } as Step];
  return { name, graph: { leaves, steps } };
}

/** Every op of issue #11's list at seeded inputs, each broadcasting form of the binary ops, numbers on either side. */
export function opChecks(): OpCheck[] {
  const list: OpCheck[] = [];
  let seed = 1;
  const add = (name: string, specs: LeafSpec[], call: (refs: { ref: number }[]) => Step, out: Shape) => list.push(check(name, seed++, specs, call, out));
  const S: Shape = [3, 4];
  const forms: [string, Shape, Shape][] = [
    ['same shape', S, S],
    ['row right', S, [1, 4]],
    ['row left', [1, 4], S],
    ['column right', S, [3, 1]],
    ['column left', [3, 1], S],
    ['[1,1] right', S, [1, 1]],
    ['[1,1] left', [1, 1], S],
  ];
  const binaries: [OpName, Draw, Draw][] = [
    ['add', 'any', 'any'],
    ['sub', 'any', 'any'],
    ['mul', 'any', 'any'],
    ['div', 'any', 'away'],
    ['maximum', 'any', 'any'],
    ['minimum', 'any', 'any'],
  ];
  for (const [op, da, db] of binaries) {
    // maximum and minimum take equal shapes or a number (the issue broadcasts only add/sub/mul/div).
    const pairs = op === 'maximum' || op === 'minimum' ? forms.slice(0, 1) : forms;
    for (const [form, sa, sb] of pairs) add(`${op} ${form} ${JSON.stringify(sa)} ${JSON.stringify(sb)}`, [[sa, da], [sb, db]], (r) => ({ op, args: r }), S);
    const k = op === 'div' ? 0.7 : 0.3;
    add(`${op} number right (t, ${k})`, [[S, 'any']], ([a]) => ({ op, args: [a, k] }), S);
    add(`${op} number left (${k}, t)`, [[S, op === 'div' ? 'away' : 'any']], ([a]) => ({ op, args: [k, a] }), S);
  }
  add('matmul [3,5] [5,2]', [[[3, 5], 'any'], [[5, 2], 'any']], (r) => ({ op: 'matmul', args: r }), [3, 2]);
  add('matmul [1,4] [4,1]', [[[1, 4], 'any'], [[4, 1], 'any']], (r) => ({ op: 'matmul', args: r }), [1, 1]);
  const unaries: [OpName, Draw, Arg[]][] = [
    ['neg', 'any', []],
    ['square', 'any', []],
    ['sqrt', 'positive', []],
    ['exp', 'any', []],
    ['log', 'positive', []],
    ['abs', 'away', []],
    ['pow', 'any', [3]],
    ['pow', 'positive', [1.5]],
    ['pow', 'positive', [-0.5]],
    ['clip', 'any', [-0.5, 0.7]],
    ['relu', 'away', []],
    ['sigmoid', 'any', []],
    ['tanh', 'any', []],
    ['leakyRelu', 'away', [0.2]],
    ['leakyRelu', 'away', []],
    ['elu', 'away', [0.5]],
    ['elu', 'away', []],
    ['gelu', 'any', []],
    ['geluTanh', 'any', []],
    ['softplus', 'any', []],
    ['silu', 'any', []],
    ['softmax', 'any', []],
    ['logSoftmax', 'any', []],
  ];
  for (const [op, d, extra] of unaries) add(`${op}(${['t', ...extra].join(', ')})`, [[S, d]], ([a]) => ({ op, args: [a, ...extra] }), S);
  add('softplus above its threshold 20', [[[1, 3], 'positive']], ([a]) => ({ op: 'softplus', args: [a] }), [1, 3]);
  list[list.length - 1].graph.leaves[0].data = [20.5, 25, 30];
  for (const op of ['sum', 'mean'] as const) {
    add(`${op}(t)`, [[S, 'any']], ([a]) => ({ op, args: [a] }), [1, 1]);
    add(`${op}(t, 0)`, [[S, 'any']], ([a]) => ({ op, args: [a, 0] }), [1, 4]);
    add(`${op}(t, 1)`, [[S, 'any']], ([a]) => ({ op, args: [a, 1] }), [3, 1]);
  }
  add('concat([a, b], 1)', [[[3, 2], 'any'], [[3, 3], 'any']], (r) => ({ op: 'concat', args: [{ refs: r.map((x) => x.ref) }, 1] }), [3, 5]);
  add('concat([a, b, c], 1)', [[[2, 1], 'any'], [[2, 3], 'any'], [[2, 2], 'any']], (r) => ({ op: 'concat', args: [{ refs: r.map((x) => x.ref) }, 1] }), [2, 6]);
  add('slice(t, 1, 2)', [[S, 'any']], ([a]) => ({ op: 'slice', args: [a, 1, 2] }), [3, 2]);
  add('slice(t, 0, 4)', [[S, 'any']], ([a]) => ({ op: 'slice', args: [a, 0, 4] }), S);
  // Loss targets are data (the engine gives them no gradient): inputs, with a batch of rows. The
  // logits then come from data too, through a parameter: loss(matmul(x, W), target).
  const losses: [string, OpName, Shape, Draw, DType][] = [
    ['mse(matmul(x, W), t)', 'mse', S, 'any', 'float32'],
    ['bceWithLogits(matmul(x, W), t)', 'bceWithLogits', S, 'unit', 'float32'],
    ['softmaxCrossEntropy(matmul(x, W), dense targets)', 'softmaxCrossEntropy', S, 'probabilities', 'float32'],
    ['softmaxCrossEntropy(matmul(x, W), class indices)', 'softmaxCrossEntropy', [3, 1], { classes: 4 }, 'int32'],
  ];
  for (const [name, op, targetShape, draw, dtype] of losses) {
    const c = check(name, seed++, [[[3, 5], 'any', 'float32'], [[5, 4], 'any'], [targetShape, draw, dtype]], () => ({ op: 'matmul', args: [{ ref: 0 }, { ref: 1 }] }), S);
    c.graph.leaves.pop(); // no upstream: the loss is the scalar
    c.graph.steps = [c.graph.steps[0], { op, args: [{ ref: 3 }, { ref: 2 }] }];
    list.push(c);
  }
  return list;
}

// ---------------------------------------------------------------- ties and kinks, worked by hand

export interface KinkCase {
  name: string;
  graph: Graph;
  /** d sum(out) / d leaf, by PyTorch 1.13's rules. */
  grads: number[][];
}

const row = (data: number[]): Leaf => ({ rows: 1, cols: data.length, data });
const sumOf = (op: OpName, leaves: Leaf[], extra: Arg[] = []): Graph => ({
  leaves,
  steps: [
    { op, args: [...leaves.map((_, i) => ({ ref: i })), ...extra] },
    { op: 'sum', args: [{ ref: leaves.length }] },
  ],
});

/** L = sum(op(...)) at ties and kinks, the gradient worked out by hand from PyTorch's backward rules. */
export const KINKS: KinkCase[] = [
  // max(1,1) = 1 splits 0.5/0.5; max(2,3) = 3 goes to b; max(3,2) = 3 goes to a.
  { name: 'maximum: a tie splits the gradient in half', graph: sumOf('maximum', [row([1, 2, 3]), row([1, 3, 2])]), grads: [[0.5, 0, 1], [0.5, 1, 0]] },
  { name: 'minimum: a tie splits the gradient in half', graph: sumOf('minimum', [row([1, 2, 3]), row([1, 3, 2])]), grads: [[0.5, 1, 0], [0.5, 0, 1]] },
  // maximum(t, 0) is relu with a split tie: 0 -> 0.5.
  { name: 'maximum(t, 0): a tie with a number', graph: sumOf('maximum', [row([0, -1, 2])], [0]), grads: [[0.5, 0, 1]] },
  // torch.clamp's gradient is 1 on [lo, hi], bounds included.
  { name: 'clip: the bounds pass the gradient', graph: sumOf('clip', [row([-0.5, 0.7, 0.2, -1, 1])], [-0.5, 0.7]), grads: [[1, 1, 1, 0, 0]] },
  { name: 'relu at 0: gradient 0', graph: sumOf('relu', [row([0, -1, 2])]), grads: [[0, 0, 1]] },
  { name: 'abs at 0: gradient 0 (sign)', graph: sumOf('abs', [row([0, -1, 2])]), grads: [[0, -1, 1]] },
  { name: 'leakyRelu(t, 0.1) at 0: gradient 0.1', graph: sumOf('leakyRelu', [row([0, -1, 2])], [0.1]), grads: [[0.1, 0.1, 1]] },
  { name: 'elu(t, 0.5) at 0: gradient 0.5', graph: sumOf('elu', [row([0, 2])], [0.5]), grads: [[0.5, 1]] },
];

// ---------------------------------------------------------------- the same graph on the engine

/** The part of wasmnn's public API a graph needs (passed in, so this file does not load the engine). */
export interface EngineApi {
  ops: Record<string, (...a: any[]) => any>;
  parameter(shape: number[], init?: ArrayLike<number>): { grad: Float32Array };
  input(shape: number[], options?: { dtype?: DType }): unknown;
  valueAndGrad(fn: (...xs: any[]) => any, inputs?: unknown[]): ((...data: any[]) => number) & { dispose?(): void };
}

/** The engine's ops with sum and mean keeping a reduced axis, as the 2-D reference's do ([1, cols], [rows, 1]). */
function keptAxes(o: EngineApi['ops']): EngineApi['ops'] {
  return { ...o, sum: (x, axis) => o.sum(x, axis, true), mean: (x, axis) => o.mean(x, axis, true) };
}

/**
 * The graph on the engine: parameters for its parameter leaves, symbolic inputs (data as rows) for its
 * input leaves, traced once by valueAndGrad and run `calls` times (then disposed); the value and each
 * parameter's gradient after the last call (undefined for inputs).
 */
export function engineGrad(api: EngineApi, graph: Graph, calls = 1): { value: number; grads: (Float32Array | undefined)[] } {
  const params = graph.leaves.map((l) => (l.input ? undefined : api.parameter([l.rows, l.cols], l.data)));
  const inputLeaves = graph.leaves.filter((l) => l.input);
  const symbols = inputLeaves.map((l) => api.input([l.cols], { dtype: l.input }));
  const fn = (...xs: unknown[]) => {
    let k = 0;
    const leaves = graph.leaves.map((l, i) => (l.input ? xs[k++] : params[i]));
    const values = runGraph(graph, keptAxes(api.ops), leaves);
    return values[values.length - 1];
  };
  const f = symbols.length > 0 ? api.valueAndGrad(fn, symbols) : api.valueAndGrad(fn);
  const data = inputLeaves.map((l) => Array.from({ length: l.rows }, (_, i) => l.data.slice(i * l.cols, (i + 1) * l.cols)));
  let value = NaN;
  for (let c = 0; c < calls; c++) value = f(...data);
  const grads = params.map((p) => (p ? Float32Array.from(p.grad) : undefined));
  f.dispose?.();
  return { value, grads };
}
