// The graph's vocabulary: symbolic tensors and the equations that produce them (a jaxpr-like
// flat list once collected). A tensor has a shape of any rank; its leading dimension may be the
// symbolic batch (BATCH), fixed when a program runs. Kernels see every tensor as a row-major
// [rows, cols] block: rows the leading dimension, cols the product of the others (an op that
// needs another split says so). Scalars the engine makes are [1, 1]; a user's [] is a scalar too.
//   leaves: input (data given at each run), param (a trainable Parameter), const (a fixed value)
//   values: outputs of an equation, `producer.op` applied to `producer.inputs`
// An equation is either a primitive op (src/graph/ops/) or a layer call, which a layer lowers
// into primitives (src/graph/lower.ts) before differentiation and planning.
import type { Parameter } from '../optimizers/parameter.js';
import { checkOptions } from '../validate/options.js';

export const BATCH = -1;
export type DType = 'float32' | 'int32';
export type Shape = readonly number[];

/** A trainable value seen by the graph: a free-standing parameter, or a layer's weight bound later by its model. */
export interface ParamSlot {
  /** The bound parameter (a layer's weight is bound when its model is built). */
  param: Parameter | undefined;
  readonly shape: Shape;
  /** A name for error messages before binding. */
  readonly label: string;
}

// Creation order of tensors and equations. Not semantic state: it orders a model's layers by
// first application (getWeights() order) and gives stable ids in printed graphs.
let nextId = 0;

export class SymbolicTensor {
  readonly id = nextId++;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly kind: 'input' | 'param' | 'const' | 'value';
  readonly producer: Eqn | undefined;
  readonly name: string | undefined;
  readonly slot: ParamSlot | undefined;
  readonly constant: Float32Array | undefined;
  /** The product of every dimension after the first: a row's length in the [rows, cols] view. */
  readonly cols: number;

  constructor(fields: { shape: Shape; dtype?: DType; kind: SymbolicTensor['kind']; producer?: Eqn; name?: string; slot?: ParamSlot; constant?: Float32Array }) {
    this.shape = fields.shape;
    this.dtype = fields.dtype ?? 'float32';
    this.kind = fields.kind;
    this.producer = fields.producer;
    this.name = fields.name;
    this.slot = fields.slot;
    this.constant = fields.constant;
    this.cols = trailing(fields.shape, 1);
  }

  /** The leading dimension (the batch for BATCH), 1 for a rank-0 tensor. */
  get rows(): number {
    return this.shape.length === 0 ? 1 : this.shape[0];
  }

  get rank(): number {
    return this.shape.length;
  }

  /** '[batch, 5]' or '[3, 2]'. */
  toString(): string {
    return showShape(this.shape);
  }
}

export function showShape(s: Shape): string {
  return `[${s.map((d) => (d === BATCH ? 'batch' : d)).join(', ')}]`;
}

/** The product of dimensions from `from` on (1 for none). */
export function trailing(s: Shape, from: number): number {
  let n = 1;
  for (let i = from; i < s.length; i++) n *= s[i];
  return n;
}

/** The number of elements of a shape without BATCH. */
export function sizeOf(s: Shape): number {
  return trailing(s, 0);
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** What an op needs to know about the layer a primitive came from, for error messages. */
export interface Eqn {
  readonly id: number;
  /** A primitive op, or 'layer' for a layer call. */
  readonly op: OpRef;
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly attrs: Readonly<Record<string, unknown>>;
}

/** The op an equation applies: a primitive's definition, or a layer (see graph/op.ts and layers/layer.ts). */
export interface OpRef {
  readonly name: string;
}

export function makeEqn(op: OpRef, inputs: readonly SymbolicTensor[], outShapes: readonly (Shape | { shape: Shape; dtype: DType })[], attrs: Record<string, unknown> = {}): Eqn {
  const outputs: SymbolicTensor[] = [];
  const eqn: Eqn = { id: nextId++, op, inputs, outputs, attrs };
  for (const s of outShapes) {
    const shaped = 'shape' in s ? s : { shape: s as Shape, dtype: 'float32' as DType };
    outputs.push(new SymbolicTensor({ shape: shaped.shape, dtype: shaped.dtype, kind: 'value', producer: eqn }));
  }
  return eqn;
}

export interface InputOptions {
  dtype?: DType;
  name?: string;
}

export interface InputSpec extends InputOptions {
  /** The shape of one sample, without the batch dimension: [5], or [28, 28, 1] for images. */
  shape: readonly number[];
}

/**
 * A symbolic batch: `input([5])` is [batch, 5], `input({ shape: [28, 28, 1] })` is
 * [batch, 28, 28, 1]. Its data is given when the model or function runs. `dtype: 'int32'`
 * carries indices of any shape: class indices for softmaxCrossEntropy ([1], or one per position),
 * token ids for ops.gather and layers.embedding ([time]).
 */
export function input(spec: readonly number[] | InputSpec, options: InputOptions = {}): SymbolicTensor {
  if (!Array.isArray(spec) && typeof spec === 'object' && spec !== null) {
    checkOptions('input', spec, ['shape', 'dtype', 'name']);
    return input((spec as InputSpec).shape, { dtype: (spec as InputSpec).dtype, name: (spec as InputSpec).name });
  }
  checkOptions('input', options, ['dtype', 'name']);
  const shape = spec as readonly number[];
  if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`wasmnn: input(shape) takes the shape of one sample without the batch dimension, positive integers such as [5] or [28, 28, 1]; got ${JSON.stringify(shape)}`);
  }
  const dtype = options.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'int32') throw new RangeError(`wasmnn: input dtype must be 'float32' or 'int32', got '${String(dtype)}'`);
  return new SymbolicTensor({ shape: [BATCH, ...shape], dtype, kind: 'input', name: options.name });
}

/** A constant tensor (numbers in ops become [1, 1] constants). */
export function constant(values: ArrayLike<number>, shape: Shape): SymbolicTensor {
  if (values.length !== sizeOf(shape)) throw new RangeError(`wasmnn: a constant of shape ${showShape(shape)} needs ${sizeOf(shape)} values, got ${values.length}`);
  return new SymbolicTensor({ shape, kind: 'const', constant: Float32Array.from(values) });
}

export function isScalarOne(t: SymbolicTensor): boolean {
  return t.kind === 'const' && t.constant!.length === 1 && t.constant![0] === 1;
}

/**
 * Every equation the given tensors depend on, in an order where each comes after the equations
 * producing its inputs (a depth-first post-order), so the list can run top to bottom.
 */
export function collect(roots: readonly SymbolicTensor[]): Eqn[] {
  const out: Eqn[] = [];
  const seen = new Set<Eqn>();
  // Iterative: a 1000-layer chain must not overflow the stack.
  const stack: { e: Eqn; i: number }[] = [];
  for (const r of roots) {
    if (!r.producer || seen.has(r.producer)) continue;
    seen.add(r.producer);
    stack.push({ e: r.producer, i: 0 });
    while (stack.length) {
      const top = stack[stack.length - 1];
      if (top.i < top.e.inputs.length) {
        const p = top.e.inputs[top.i++].producer;
        if (p && !seen.has(p)) {
          seen.add(p);
          stack.push({ e: p, i: 0 });
        }
      } else {
        out.push(top.e);
        stack.pop();
      }
    }
  }
  return out;
}

/** The leaves (inputs, params, consts) the roots depend on, in first-seen order of the collected list. */
export function leavesOf(eqns: readonly Eqn[], roots: readonly SymbolicTensor[]): SymbolicTensor[] {
  const seen = new Set<SymbolicTensor>();
  const out: SymbolicTensor[] = [];
  const visit = (t: SymbolicTensor) => {
    if (t.kind !== 'value' && !seen.has(t)) {
      seen.add(t);
      out.push(t);
    }
  };
  for (const e of eqns) e.inputs.forEach(visit);
  roots.forEach(visit);
  return out;
}
