// 200 seeded random graphs of 3 to 12 ops over 1 to 3 parameters of shapes [1-5, 1-6], ending in a scalar
// (sum, mean or a loss). Half start from data, matmul(x, W) with x an input of 1-5 rows (the batch), and
// only those can end in a loss, as loss targets are data (inputs) too. Each graph is checked twice:
//   the float64 reference (test/helpers/ops64.ts) against float64 central differences,
//     |grad - fd| <= 1e-5 * (|fd| + 1);
//   the float32 engine against the float64 reference at the same (float32) inputs, the value and the
//     gradient of every parameter, |got - want| <= 1e-3 * (|want| + 1).
// Shapes are made compatible as each op is drawn: matmul's inner dimension, broadcasting of add/sub/mul/div
// (equal, a row, a column, [1, 1] or a number, either side; batch rows meet only batch rows or a single
// row), maximum/minimum on equal shapes or a number, concat on equal rows, slice within the columns.
// Inputs stay away from kinks: operands of abs/relu/leakyRelu/elu at least 0.05 from 0, of sqrt/log/
// fractional pow at least 0.1, maximum/minimum operands 0.05 apart (each side winning somewhere), clip
// bounds 0.05 from every value, exp of values at most 3, every value within 30. A failure prints the graph.
// The namespace import lets the reference half run before the engine exists.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wasmnn from 'wasmnn';
import { expectClose } from '../helpers/wasm.js';
import {
  Tape64, drawLeaf, engineGrad, finiteDifferences64, grad64, ops64, printGraph, rng,
  type Arg, type DType, type Draw, type EngineApi, type Graph, type Leaf, type Node64, type OpName, type Step,
} from '../helpers/ops64.js';

const GRAPHS = 200;

const UNARY: OpName[] = [
  'neg', 'square', 'sqrt', 'exp', 'log', 'abs', 'pow', 'clip', 'relu', 'sigmoid', 'tanh', 'leakyRelu', 'elu',
  'gelu', 'geluTanh', 'softplus', 'silu', 'softmax', 'logSoftmax',
];
const BINARY: OpName[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const OTHER = ['matmul', 'sum', 'mean', 'concat', 'slice', 'loss'] as const;
const DRAWABLE = [...UNARY, ...BINARY, ...BINARY, ...OTHER, 'matmul', 'matmul'] as const;

/** Builds a graph as ops are drawn, evaluating the reference forward to check each draw. */
class Builder {
  readonly rand: () => number;
  private readonly tape = new Tape64();
  private readonly lib = ops64(this.tape) as unknown as Record<string, (...a: unknown[]) => Node64>;
  /** Leaves and steps in creation order (renumbered, leaves first, at the end). */
  private readonly items: ({ leaf: Leaf } | { step: Step })[] = [];
  readonly nodes: Node64[] = [];
  /** Whether a value's rows are the data's batch (an input's rows); the engine combines those only with batch rows or one row. */
  readonly batch: boolean[] = [];
  /** Values no step has used yet (one, as every step uses its new leaves; operands come from here). */
  private readonly unused = new Set<number>();
  params = 0;

  constructor(seed: number) {
    this.rand = rng(seed);
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.rand() * (hi - lo + 1));
  }

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.rand() * xs.length)];
  }

  leaf(rows: number, cols: number, draw: Draw, input?: DType): number {
    const leaf = drawLeaf(this.rand, rows, cols, draw, input);
    this.items.push({ leaf });
    this.nodes.push(this.tape.leaf({ rows, cols, data: Float64Array.from(leaf.data) }, input === 'int32' ? 'int32' : 'float32'));
    this.batch.push(input !== undefined);
    this.unused.add(this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  isUnused(id: number): boolean {
    return this.unused.has(id);
  }

  /** Forgets what was added since `mark()` (a draw that did not fit leaves no unused leaf behind). */
  mark(): { n: number; params: number; unused: number[] } {
    return { n: this.nodes.length, params: this.params, unused: [...this.unused] };
  }

  rollback(m: { n: number; params: number; unused: number[] }): void {
    this.items.length = m.n;
    this.nodes.length = m.n;
    this.batch.length = m.n;
    this.params = m.params;
    this.unused.clear();
    m.unused.forEach((id) => this.unused.add(id));
  }

  /** A new parameter, if there is room for one (at most 3). */
  param(rows: number, cols: number): number | undefined {
    if (this.params >= 3) return undefined;
    this.params++;
    return this.leaf(rows, cols, 'away');
  }

  /** Applies the step if the reference's result is finite and within `limit`; its id, or undefined. */
  apply(op: OpName, args: Arg[], limit = 30): number | undefined {
    const resolved = args.map((a) => (typeof a === 'object' ? ('ref' in a ? this.nodes[a.ref] : a.refs.map((r) => this.nodes[r])) : a));
    while (resolved.length > 0 && resolved[resolved.length - 1] === undefined) resolved.pop();
    const out = this.lib[op](...resolved);
    if (!out.value.data.every((v) => Number.isFinite(v) && Math.abs(v) <= limit)) return undefined;
    this.items.push({ step: { op, args } });
    this.nodes.push(out);
    const refs = args.flatMap((a) => (typeof a === 'object' ? ('ref' in a ? [a.ref] : a.refs) : []));
    const reduced = ((op === 'sum' || op === 'mean') && args[1] !== 1) || op === 'mse' || op === 'bceWithLogits' || op === 'softmaxCrossEntropy';
    this.batch.push(!reduced && (op === 'matmul' ? this.batch[refs[0]] : refs.some((r) => this.batch[r])));
    for (const a of args) if (typeof a === 'object') ('ref' in a ? [a.ref] : a.refs).forEach((r) => this.unused.delete(r));
    this.unused.add(this.nodes.length - 1);
    return this.nodes.length - 1;
  }

  value(id: number) {
    return this.nodes[id].value;
  }

  /** Whether the engine can combine the rows of two values: both the batch, both fixed, or one a single fixed row. */
  rowsMatch(a: number, b: number): boolean {
    const single = (id: number) => !this.batch[id] && this.value(id).rows === 1;
    return this.batch[a] === this.batch[b] || single(a) || single(b);
  }

  /**
   * A value no step has used yet, so every branch reaches the result; earlier values come back as
   * partners of binary ops, matmul and concat, so values fan out and their gradients add up.
   */
  operand(): number {
    return this.pick([...this.unused]);
  }

  graph(): Graph {
    const index = new Map<number, number>();
    const leaves: Leaf[] = [];
    this.items.forEach((it, id) => {
      if ('leaf' in it) index.set(id, leaves.push(it.leaf) - 1);
    });
    let k = leaves.length;
    this.items.forEach((it, id) => {
      if ('step' in it) index.set(id, k++);
    });
    const re = (a: Arg): Arg => (typeof a === 'object' ? ('ref' in a ? { ref: index.get(a.ref)! } : { refs: a.refs.map((r) => index.get(r)!) }) : a);
    const steps = this.items.flatMap((it) => ('step' in it ? [{ op: it.step.op, args: it.step.args.map(re) }] : []));
    return { leaves, steps };
  }
}

const minAbs = (d: ArrayLike<number>) => Math.min(...Array.from(d, Math.abs));
const minValue = (d: ArrayLike<number>) => Math.min(...Array.from(d));

/** A partner for an elementwise binary op with t: an earlier value or a new parameter that broadcasts, or a number. */
function partner(b: Builder, t: number, sameShape: boolean): Arg {
  const { rows, cols } = b.value(t);
  // The engine broadcasts when one side has the output's shape: the other is equal, a row, a column or [1, 1].
  const broadcasts = (r: number, c: number) => (r === rows || r === 1 || rows === 1) && (c === cols || c === 1 || cols === 1) && ((r >= rows && c >= cols) || (r <= rows && c <= cols));
  const fits = (r: number, c: number) => (sameShape ? r === rows && c === cols : broadcasts(r, c));
  const rowsFit = (id: number) => (sameShape ? b.batch[id] === b.batch[t] : b.rowsMatch(id, t));
  const earlier = b.nodes.map((_, id) => id).filter((id) => id !== t && b.nodes[id].dtype === 'float32' && fits(b.value(id).rows, b.value(id).cols) && rowsFit(id));
  const u = b.rand();
  if (u < 0.2) return Math.fround(b.pick([-1, 1]) * (0.3 + b.rand()));
  if (u < 0.5) {
    // A parameter has fixed rows: next to the batch, only a single row.
    const shapes: [number, number][] = sameShape ? [[rows, cols]] : [[rows, cols], [1, cols], [rows, 1], [1, 1]];
    const allowed = shapes.filter(([r]) => !b.batch[t] || (r === 1 && !sameShape));
    const p = allowed.length > 0 ? b.param(...b.pick(allowed)) : undefined;
    if (p !== undefined) return { ref: p };
  }
  const unused = earlier.filter((id) => b.isUnused(id));
  return { ref: unused.length > 0 && b.rand() < 0.7 ? b.pick(unused) : earlier.length > 0 ? b.pick(earlier) : t };
}

/** Values of a broadcast pair, for the conditions on maximum/minimum and div. */
function pairs(b: Builder, x: Arg, y: Arg): [number, number][] {
  const m = (a: Arg) => (typeof a === 'number' ? { rows: 1, cols: 1, data: Float64Array.of(a) } : b.value((a as { ref: number }).ref));
  const [p, q] = [m(x), m(y)];
  const rows = Math.max(p.rows, q.rows);
  const cols = Math.max(p.cols, q.cols);
  const at = (z: typeof p, i: number, j: number) => z.data[(z.rows === 1 ? 0 : i) * z.cols + (z.cols === 1 ? 0 : j)];
  const out: [number, number][] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.push([at(p, i, j), at(q, i, j)]);
  return out;
}

/** Draws one op on the pool; the id of its value, or undefined when the draw does not fit. */
function drawOp(b: Builder, final: boolean): number | undefined {
  const t = b.operand();
  const v = b.value(t);
  const ref = { ref: t };
  if (final) {
    const kind = b.pick(['sum', 'mean', 'mse', 'bceWithLogits', 'softmaxCrossEntropy', 'classes'] as const);
    if (kind === 'sum' || kind === 'mean') return b.apply(kind, [ref], Infinity);
    // Loss targets are data: inputs, so the prediction's rows must be the batch.
    if (!b.batch[t] || ((kind === 'softmaxCrossEntropy' || kind === 'classes') && v.cols < 2)) return undefined;
    if (kind === 'classes') return b.apply('softmaxCrossEntropy', [ref, { ref: b.leaf(v.rows, 1, { classes: v.cols }, 'int32') }], Infinity);
    const target = b.leaf(v.rows, v.cols, kind === 'mse' ? 'any' : kind === 'bceWithLogits' ? 'unit' : 'probabilities', 'float32');
    return b.apply(kind, [ref, { ref: target }], Infinity);
  }
  const op = b.pick(DRAWABLE);
  switch (op) {
    case 'sqrt':
    case 'log':
      return minValue(v.data) >= 0.1 ? b.apply(op, [ref]) : undefined;
    case 'exp':
      return Math.max(...v.data) <= 3 ? b.apply(op, [ref]) : undefined;
    case 'abs':
    case 'relu':
      return minAbs(v.data) >= 0.05 ? b.apply(op, [ref]) : undefined;
    case 'leakyRelu':
    case 'elu':
      return minAbs(v.data) >= 0.05 ? b.apply(op, [ref, b.pick([undefined, 0.2, 0.5])]) : undefined;
    case 'softmax':
    case 'logSoftmax':
      // One column is the constant 1 (or 0): nothing flows back.
      return v.cols >= 2 ? b.apply(op, [ref]) : undefined;
    case 'softplus':
      return Array.from(v.data).every((x) => Math.abs(x - 20) >= 0.05) ? b.apply(op, [ref]) : undefined;
    case 'pow': {
      const p = b.pick([2, 3, 0.5, 1.5, -1]);
      return Number.isInteger(p) || minValue(v.data) >= 0.1 ? b.apply(op, [ref, p]) : undefined;
    }
    case 'clip': {
      const lo = Math.fround(-b.rand());
      const hi = Math.fround(b.rand());
      const clear = Array.from(v.data).every((x) => Math.abs(x - lo) >= 0.05 && Math.abs(x - hi) >= 0.05);
      return clear && hi > lo ? b.apply(op, [ref, lo, hi]) : undefined;
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'maximum':
    case 'minimum': {
      // maximum and minimum take equal shapes or a number (the issue broadcasts only add/sub/mul/div).
      const other = partner(b, t, op === 'maximum' || op === 'minimum');
      const [x, y] = b.rand() < 0.5 ? [ref, other] : [other, ref];
      const ps = pairs(b, x, y);
      if (op === 'div' && ps.some(([, q]) => Math.abs(q) < 0.2)) return undefined;
      // No near-ties, and (when there are two elements) each side wins somewhere, so both get a gradient.
      if ((op === 'maximum' || op === 'minimum') && (ps.some(([p, q]) => Math.abs(p - q) < 0.05) || (ps.length > 1 && (ps.every(([p, q]) => p > q) || ps.every(([p, q]) => p < q))))) return undefined;
      return b.apply(op, [x, y]);
    }
    case 'matmul': {
      // The right operand has fixed rows (the engine's inner dimension is never the batch).
      const fit = b.nodes.map((_, id) => id).filter((id) => !b.batch[id] && b.nodes[id].dtype === 'float32' && b.value(id).rows === v.cols);
      const w = b.rand() < 0.5 || fit.length === 0 ? b.param(v.cols, b.int(1, 6)) : b.pick(fit);
      return w === undefined ? undefined : b.apply(op, [ref, { ref: w }]);
    }
    case 'sum':
    case 'mean':
      return b.apply(op, [ref, b.pick([0, 1])]);
    case 'concat': {
      const same = b.nodes.map((_, id) => id).filter((id) => b.value(id).rows === v.rows && b.batch[id] === b.batch[t] && b.nodes[id].dtype === 'float32');
      const parts = [t, ...Array.from({ length: b.int(1, 2) }, () => b.pick(same))];
      return b.apply(op, [{ refs: parts }, 1]);
    }
    case 'slice': {
      if (v.cols < 2) return undefined;
      const size = b.int(1, v.cols - 1);
      return b.apply(op, [ref, b.int(0, v.cols - size), size]);
    }
    case 'loss': {
      if (!b.batch[t]) return undefined;
      const kind = b.pick(['mse', 'bceWithLogits'] as const);
      const target = b.leaf(v.rows, v.cols, kind === 'mse' ? 'any' : 'unit', 'float32');
      return b.apply(kind, [ref, { ref: target }]);
    }
    default:
      return b.apply(op, [ref]);
  }
}

/** Graph `seed`: 1-3 parameters, 3-12 ops, the last one a scalar; half of them start from data. */
function randomGraph(seed: number): Graph {
  const b = new Builder(seed);
  const ops = b.int(3, 12);
  let drawn = 0;
  if (b.rand() < 0.5) {
    const x = b.leaf(b.int(1, 5), b.int(1, 6), 'any', 'float32');
    b.apply('matmul', [{ ref: x }, { ref: b.param(b.value(x).cols, b.int(1, 6))! }]);
    drawn++;
  } else b.param(b.int(1, 5), b.int(1, 6));
  const draw = (final: boolean) => {
    const m = b.mark();
    const id = drawOp(b, final);
    if (id === undefined) b.rollback(m);
    return id !== undefined;
  };
  for (let tries = 0; drawn < ops - 1 && tries < 500; tries++) if (draw(false)) drawn++;
  while (!draw(true));
  return b.graph();
}

const graphs = Array.from({ length: GRAPHS }, (_, i) => ({ seed: i + 1, graph: randomGraph(i + 1) }));
const described = (seed: number, graph: Graph) => `graph ${seed} (${graph.steps.map((s) => s.op).join(', ')})`;

describe('fuzz: the graphs', () => {
  it(`${GRAPHS} graphs of 3 to 12 ops, 1 to 3 parameters, ending in a scalar`, () => {
    for (const { graph } of graphs) {
      expect(graph.steps.length).toBeGreaterThanOrEqual(3);
      expect(graph.steps.length).toBeLessThanOrEqual(12);
      const params = graph.leaves.filter((l) => !l.input);
      expect(params.length).toBeGreaterThanOrEqual(1);
      expect(params.length).toBeLessThanOrEqual(3);
    }
    // Every op of the list is drawn somewhere.
    const drawn = new Set(graphs.flatMap(({ graph }) => graph.steps.map((s) => s.op)));
    expect([...UNARY, ...BINARY, 'matmul', 'sum', 'mean', 'concat', 'slice', 'mse', 'bceWithLogits', 'softmaxCrossEntropy'].filter((op) => !drawn.has(op as OpName))).toEqual([]);
  });
});

describe('fuzz: float64 reference vs float64 central differences, |grad - fd| <= 1e-5 * (|fd| + 1)', () => {
  for (const { seed, graph } of graphs) {
    it(described(seed, graph), () => {
      const { grads } = grad64(graph);
      const fd = finiteDifferences64(graph);
      grads.forEach((gk, k) => expectClose(gk, fd[k], 1e-5, 1e-5, `seed ${seed}, gradient of v${k}\n${printGraph(graph)}\n`));
    });
  }
});

describe('fuzz: float32 engine vs float64 reference, |got - want| <= 1e-3 * (|want| + 1)', () => {
  const api = wasmnn as unknown as EngineApi & { init(): Promise<unknown> };
  beforeAll(async () => {
    await api.init();
  });
  for (const { seed, graph } of graphs) {
    it(described(seed, graph), () => {
      const want = grad64(graph);
      const got = engineGrad(api, graph);
      const what = `seed ${seed}\n${printGraph(graph)}\n`;
      expectClose([got.value], [want.value], 1e-3, 1e-3, `${what}value`);
      got.grads.forEach((gk, k) => {
        if (gk) expectClose(gk, want.grads[k], 1e-3, 1e-3, `${what}gradient of v${k}`);
      });
    });
  }
});
