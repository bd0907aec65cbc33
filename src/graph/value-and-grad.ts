// valueAndGrad(fn, inputs): the value of a scalar function of parameters and data, and its
// gradient in every parameter it reaches (as tf.GradientTape, loss.backward(), jax.value_and_grad).
// fn is traced once into a graph; its gradient is built into the same graph, planned and compiled
// to one program. Each call feeds the data, runs the steps and returns the value: no allocation,
// no wasm growth (a larger batch than any before replans once). Memory is freed with the
// returned function (FinalizationRegistry), or at once with its dispose().
import { runtime } from '../wasm/init.js';
import type { MatrixLike } from '../data/matrix.js';
import { collect, leavesOf, SymbolicTensor } from './symbolic.js';
import { toTensor, type Operand } from './api.js';
import { lower } from './lower.js';
import { gradients } from './autodiff.js';
import { Program } from './program.js';
import { pinGradients } from './pins.js';
import { Feed } from './feed.js';
import { ShapeError } from './op.js';
import { checkOptions } from '../validate/options.js';
import { isPrimitive } from './op.js';
import { parameter } from '../optimizers/parameter.js';
import type { Layer } from '../layers/layer.js';
import type { Runtime } from '../wasm/init.js';
import { whenCollected, forget } from '../memory/finalize.js';
import type { Arena } from '../memory/arena.js';

export interface ValueAndGradOptions {
  /** Seed of the dropout stream, when the function applies dropout. Default 0. */
  seed?: number;
}

export interface ValueAndGrad {
  (...data: MatrixLike[]): number;
  /** Frees the function's memory now (it is freed when the function is garbage-collected otherwise). */
  dispose(): void;
  /** Bytes of the planned memory (activations and their gradients). */
  readonly planBytes: number;
}


export function valueAndGrad(fn: (...inputs: SymbolicTensor[]) => Operand, inputs: readonly SymbolicTensor[] = [], options: ValueAndGradOptions = {}): ValueAndGrad {
  if (typeof fn !== 'function') throw new TypeError('wasmnn: valueAndGrad takes a function that builds a scalar from ops');
  if (!Array.isArray(inputs) || inputs.some((t) => !(t instanceof SymbolicTensor) || t.kind !== 'input')) {
    throw new TypeError('wasmnn: valueAndGrad(fn, inputs): inputs must be a list of input(...) tensors, one per argument of fn');
  }
  checkOptions('valueAndGrad', options, ['seed']);
  const seed = options.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`wasmnn: seed must be a non-negative integer, got ${seed}`);
  const rt = runtime();
  const traced = toTensor(fn(...inputs), "the function's result");
  if (traced.rows !== 1 || traced.cols !== 1) throw new ShapeError(`wasmnn: valueAndGrad needs a function whose result is a single value, got shape ${traced} (reduce it with ops.sum or ops.mean)`);
  bindFreeLayers(traced, rt, seed);
  const [out] = lower([traced]);
  const eqns = collect([out]);
  const leaves = leavesOf(eqns, [out]);
  for (const t of leaves) {
    if (t.kind === 'input' && !inputs.includes(t)) throw new RangeError(`wasmnn: the function reads an input${t.name ? ` '${t.name}'` : ''} of shape ${t} that is not in valueAndGrad's list of inputs`);
  }
  const params = leaves.filter((t) => t.kind === 'param');
  const owners = params.map((t) => t.slot!.param!).filter((p) => p !== undefined);
  for (const p of owners) {
    if (p.disposed) throw new Error(`wasmnn: the parameter ${p.name} was disposed`);
    if (p.rt !== rt) throw new Error(`wasmnn: the parameter ${p.name} belongs to an earlier init(); build it again after init()`);
  }
  const grads = gradients(eqns, out, params);
  const { pins, unreached } = pinGradients(params, grads);
  const dropoutState = rt.arena.alloc(16, 16);
  rt.kernels.rng_seed(dropoutState, seed >>> 0, (Math.floor(seed / 2 ** 32) + 3 * 0x9e3779b9) >>> 0);
  const prog = new Program(rt, { roots: [out], pins, training: true, dropoutState });
  prog.plan(1);
  const feed = new Feed(rt);
  const k = rt.kernels;
  const n = inputs.length;

  const result = new Float64Array(1);
  const read: (Float32Array | Int32Array)[] = new Array(n).fill(EMPTY);
  const names = inputs.map((t, i) => (t.name ? `argument ${i} ('${t.name}')` : `argument ${i}`));
  // The value goes to result[0], read by the small wrappers below, which V8 inlines into the
  // caller's loop: a double returned from a call that is not inlined is boxed (garbage per call).
  const run = (data: ArrayLike<MatrixLike>): void => {
    if (state.freed) throw new Error('wasmnn: this valueAndGrad function was disposed');
    for (let i = 0; i < owners.length; i++) if (owners[i].disposed) throw new Error(`wasmnn: the parameter ${owners[i].name} was disposed; this function cannot run`);
    if (data.length !== n) throw new RangeError(`wasmnn: this function takes ${n} data argument${n === 1 ? '' : 's'} (one per input), got ${data.length}`);
    let rows = n === 0 ? 1 : -1;
    for (let i = 0; i < n; i++) {
      if (data[i] === undefined) throw new RangeError(`wasmnn: this function takes ${n} data argument${n === 1 ? '' : 's'} (one per input); ${names[i]} is missing`);
      // Read once (a nested array is converted here), written after the plan covers the rows.
      const values = (read[i] = feed.read(data[i], names[i]));
      if (rows >= 0 && feed.rows !== rows) throw new ShapeError(`wasmnn: ${names[i]} has ${feed.rows} rows, argument 0 has ${rows}`);
      rows = feed.rows;
      feed.check(inputs[i], values, names[i]);
    }
    prog.ensure(rows);
    for (let i = 0; i < n; i++) feed.write(prog, inputs[i], read[i], names[i]);
    read.fill(EMPTY); // hold no user data between calls
    for (let i = 0; i < unreached.length; i++) k.fill_f32(unreached[i].gradPtr, unreached[i].size, 0);
    prog.exec(rows);
    prog.scalarInto(out, result, 0);
  };
  // Fixed arities: a rest parameter would allocate an array per call.
  const args: MatrixLike[] = new Array(n).fill(undefined);
  const f = (
    n === 0 ? () => (run(NONE), result[0])
    : n === 1 ? (a: MatrixLike) => ((args[0] = a), run(args), result[0])
    : n === 2 ? (a: MatrixLike, b: MatrixLike) => ((args[0] = a), (args[1] = b), run(args), result[0])
    : n === 3 ? (a: MatrixLike, b: MatrixLike, c: MatrixLike) => ((args[0] = a), (args[1] = b), (args[2] = c), run(args), result[0])
    : (...xs: MatrixLike[]) => (run(xs), result[0])
  ) as ValueAndGrad;
  const state = { freed: false };
  const free = releaser(state, prog, rt.arena, dropoutState);
  Object.defineProperty(f, 'planBytes', { get: () => prog.planBytes });
  f.dispose = () => {
    forget(f);
    free();
  };
  whenCollected(f, free);
  return f;
}

const NONE: MatrixLike[] = [];
const EMPTY = new Float32Array(0);

/**
 * Layers applied in the function that belong to no model get weights of their own, initialised
 * as a model would from the seed's init stream (in first-application order); `layer.weights`
 * gives them to an optimizer. Their regularizers are a model's business and do not apply here.
 */
function bindFreeLayers(traced: SymbolicTensor, rt: Runtime, seed: number): void {
  const layers: Layer[] = [];
  for (const e of collect([traced])) if (!isPrimitive(e.op) && !layers.includes(e.op as Layer)) layers.push(e.op as Layer);
  const free = layers.filter((l) => !l.owner && l.weights.length === 0 && l.paramSpecs().length > 0);
  if (free.length === 0) return;
  const { arena, kernels: k } = rt;
  const state = arena.alloc(16, 16);
  try {
    k.rng_seed(state, seed >>> 0, (Math.floor(seed / 2 ** 32) + 0x9e3779b9) >>> 0);
    for (const l of free) {
      const ps = l.paramSpecs().map((s) => {
        const p = parameter(s.shape, undefined, s.name, s.role);
        s.initializer.fill(p.valuePtr, p.size, { k, state, fanIn: s.fanIn, fanOut: s.fanOut });
        return p;
      });
      l.bindParams(ps);
      l.owner = FREE;
    }
  } finally {
    arena.release(state);
  }
}

const FREE = { name: 'valueAndGrad (no model)' };

// Made outside valueAndGrad so that the finalizer's function closes over these alone, not over
// the function it frees (V8 shares one closure context per scope).
function releaser(state: { freed: boolean }, prog: Program, arena: Arena, block: number): () => void {
  return () => {
    if (state.freed) return;
    state.freed = true;
    prog.dispose();
    arena.release(block);
  };
}
