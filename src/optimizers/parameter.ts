// A trainable tensor: its value and its gradient, both in wasm memory.
// Model parameters are slices of one flat region (so an optimizer step is one
// kernel call); free-standing ones from `parameter(shape)` get blocks of their own.
import { runtime, type Runtime } from '../wasm/init.js';
import type { Arena } from '../memory/arena.js';
import { whenCollected, forget, releaseBlocks } from '../memory/finalize.js';

/**
 * What a parameter is to its layer, for optimizers that treat kinds apart (AdamW's `exclude`): a
 * layer's paramSpecs() set it; by default a spec named '.../bias' is a bias and any other a weight.
 * Norm layers' scales and shifts are 'norm', embedding tables 'embedding'.
 */
export type ParamRole = 'weight' | 'bias' | 'norm' | 'embedding';
export const PARAM_ROLES: readonly ParamRole[] = ['weight', 'bias', 'norm', 'embedding'];

/** The role of a parameter called `name` whose layer gave none. */
export const defaultRole = (name: string): ParamRole => (name.endsWith('/bias') ? 'bias' : 'weight');

export class Parameter {
  readonly name: string;
  readonly role: ParamRole;
  readonly shape: readonly number[];
  readonly size: number;
  readonly valuePtr: number;
  readonly gradPtr: number;
  /** The runtime (init()) whose memory holds the parameter; optimizers run its kernels. */
  readonly rt: Runtime;
  private readonly arena: Arena;
  private valueView: Float32Array | undefined;
  private gradView: Float32Array | undefined;
  /** Set once its memory is freed (its model disposed, or dispose() on a free-standing one). */
  disposed = false;
  private readonly owned: boolean;

  constructor(rt: Runtime, name: string, shape: readonly number[], valuePtr: number, gradPtr: number, owned = false, role: ParamRole = defaultRole(name)) {
    this.rt = rt;
    this.role = role;
    this.arena = rt.arena;
    this.owned = owned;
    this.name = name;
    this.shape = shape;
    this.size = shape.reduce((a, b) => a * b, 1);
    this.valuePtr = valuePtr;
    this.gradPtr = gradPtr;
  }

  /** The values, as a live view (re-derived after memory growth; don't keep it across allocations). */
  get value(): Float32Array {
    if (this.disposed) throw new Error(`wasmnn: the parameter ${this.name} was disposed`);
    const buf = this.arena.memory.buffer;
    if (this.valueView?.buffer !== buf) this.valueView = new Float32Array(buf, this.valuePtr, this.size);
    return this.valueView;
  }

  /** The gradient, as a live view; write it yourself in a hand-written loop. */
  get grad(): Float32Array {
    if (this.disposed) throw new Error(`wasmnn: the parameter ${this.name} was disposed`);
    const buf = this.arena.memory.buffer;
    if (this.gradView?.buffer !== buf) this.gradView = new Float32Array(buf, this.gradPtr, this.size);
    return this.gradView;
  }
  /** Frees a free-standing parameter's memory now (a model's parameters go with the model); harmless twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.owned) {
      forget(this);
      this.arena.release(this.valuePtr);
      this.arena.release(this.gradPtr);
    }
  }

}

function checkShape(shape: readonly number[]): void {
  if (!Array.isArray(shape) || shape.length === 0 || shape.some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new RangeError(`wasmnn: parameter shape must be a non-empty list of positive integers, got ${JSON.stringify(shape)}`);
  }
}

/**
 * A free-standing trainable tensor, zero-initialised (or set from `init`).
 * @example const w = parameter([1], [5]); const opt = optimizers.sgd({ lr: 0.1 }, [w]);
 *          w.grad.set([2 * w.value[0]]); opt.step();
 */
export function parameter(shape: readonly number[], init?: ArrayLike<number>, name = 'parameter', role: ParamRole = defaultRole(name)): Parameter {
  checkShape(shape);
  const rt = runtime();
  const { arena } = rt;
  const size = shape.reduce((a, b) => a * b, 1);
  const valuePtr = arena.alloc(size * 4);
  const gradPtr = arena.alloc(size * 4);
  if (!PARAM_ROLES.includes(role)) throw new RangeError(`wasmnn: parameter role must be one of ${PARAM_ROLES.join(', ')}, got ${JSON.stringify(role)}`);
  const p = new Parameter(rt, name, shape, valuePtr, gradPtr, true, role);
  whenCollected(p, releaseBlocks(arena, [valuePtr, gradPtr]));
  p.value.fill(0);
  p.grad.fill(0);
  if (init !== undefined) {
    if (init.length !== size) throw new RangeError(`wasmnn: parameter of shape [${shape}] needs ${size} initial values, got ${init.length}`);
    p.value.set(init);
  }
  return p;
}

/** A run of parameters whose values (and gradients) are contiguous: one kernel call updates it. */
export interface Segment {
  value: number;
  grad: number;
  n: number;
}

/** Groups parameters into contiguous segments, so a model's parameters become one. */
export function segmentsOf(params: readonly Parameter[]): Segment[] {
  const out: Segment[] = [];
  for (const p of params) {
    const last = out[out.length - 1];
    if (last && last.value + 4 * last.n === p.valuePtr && last.grad + 4 * last.n === p.gradPtr) last.n += p.size;
    else out.push({ value: p.valuePtr, grad: p.gradPtr, n: p.size });
  }
  return out;
}
