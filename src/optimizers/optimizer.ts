// The optimizer base: validation, the learning rate (a number or a schedule),
// attaching to parameters, and per-segment state slots in wasm memory. Subclasses
// implement `update(seg, slots, lr)`: one fused kernel call per contiguous segment.
// The host computes step-dependent scalars (bias corrections, the scheduled rate)
// and passes them in; kernels are stateless.
import { runtime, type Runtime } from '../wasm/init.js';
import { whenCollected, forget, releaseBlocks } from '../memory/finalize.js';
import { type Parameter, type Segment, segmentsOf } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';
import { checkRange } from './checks.js';
import { clippingOf, clipGradients, type Clipping } from './clipping.js';

export { checkRange, checkBeta, checkEps, checkNonNegative } from './checks.js';

/** Anything with `rate(step)`: a learning-rate schedule. */
export interface RateSchedule {
  rate(step: number): number;
}

export type LearningRate = number | RateSchedule;

export interface OptimizerState {
  /** The optimizer kind the state belongs to ('adam', 'nadam', ...): importState refuses another kind's. */
  kind: string;
  iterations: number;
  scheduleStep: number;
  /** Epochs fit has completed with this optimizer (where the next fit continues); 0 if absent. */
  epochs?: number;
  slots: Float32Array[];
  extra: Record<string, number>;
}

export interface OptimizerOptions {
  lr?: LearningRate;
  /** Clip each parameter's gradient to this L2 norm before the update (Keras clipnorm). */
  clipNorm?: number;
  /** Clip every gradient element to [-clipValue, clipValue] (Keras clipvalue). */
  clipValue?: number;
  /** Scale all gradients together to this L2 norm when theirs is larger (PyTorch's clip_grad_norm_, Keras global_clipnorm). */
  globalClipNorm?: number;
}

/** The keys every optimizer's options have (for the unknown-key check). */
export const OPTIMIZER_KEYS = { lr: true, clipNorm: true, clipValue: true, globalClipNorm: true } as const;

export abstract class Optimizer {
  abstract readonly kind: string;
  /** Optimizer state slots per parameter element (e.g. 2 for Adam's m and v). */
  protected readonly slotCount: number = 0;
  /** A number or a schedule; setLearningRate() replaces it (e.g. from a callback). */
  lr: LearningRate;
  /** Steps taken; the step count t used by bias corrections is `iterations` after the increment. */
  iterations = 0;
  /** The step index the schedule is evaluated at (epoch or batch, as the caller advances it). */
  scheduleStep = 0;
  /**
   * Epochs that fit has completed with this optimizer: the number of the next fit's first epoch
   * (and so the epoch schedule's position), across fit calls and save/load.
   */
  epochs = 0;
  private params: Parameter[] = [];
  protected segments: Segment[] = [];
  private slots: number[][] = [];
  /** The runtime of the attached parameters: an optimizer steps them with their own init()'s kernels. */
  private rt: Runtime | undefined;
  /** The model that compiled with this optimizer, if any: one optimizer serves one model. */
  owner: { readonly name: string } | undefined;

  constructor(options: OptimizerOptions, defaultLr?: number) {
    if (options === null || typeof options !== 'object') throw new TypeError('wasmnn: optimizer options must be an object');
    const lr = options.lr ?? defaultLr;
    if (lr === undefined) throw new RangeError(`wasmnn: ${this.constructor.name}: lr is required`);
    if (typeof lr === 'number') checkRange('lr', lr, lr > 0 && Number.isFinite(lr), 'a positive finite number');
    else if (typeof lr?.rate !== 'function') throw new TypeError('wasmnn: lr must be a number or a schedule with rate(step)');
    this.lr = lr;
    this.clipping = clippingOf(options);
  }

  private readonly clipping: Clipping;
  get clipNorm(): number | undefined {
    return this.clipping.clipNorm;
  }
  get clipValue(): number | undefined {
    return this.clipping.clipValue;
  }
  get globalClipNorm(): number | undefined {
    return this.clipping.globalClipNorm;
  }

  /** Sets the learning rate (a positive number, or a schedule). */
  setLearningRate(lr: LearningRate): void {
    if (typeof lr === 'number') checkRange('lr', lr, lr > 0 && Number.isFinite(lr), 'a positive finite number');
    else if (typeof lr?.rate !== 'function') throw new TypeError('wasmnn: lr must be a number or a schedule with rate(step)');
    this.lr = lr;
  }

  /** The learning rate in force now. */
  get currentLr(): number {
    return typeof this.lr === 'number' ? this.lr : this.lr.rate(this.scheduleStep);
  }

  /** Binds the optimizer to parameters (replacing any earlier binding) and zeroes its state. */
  attach(params: readonly Parameter[], owner?: { readonly name: string }): this {
    this.dispose();
    for (const p of params) if (p.disposed) throw new Error(`wasmnn: the parameter ${p.name} was disposed`);
    this.rt = params[0]?.rt ?? runtime();
    if (params.some((p) => p.rt !== this.rt)) throw new Error('wasmnn: an optimizer takes parameters of one init() runtime');
    this.params = [...params];
    this.segments = segmentsOf(params);
    this.owner = owner;
    const { arena } = this.rt;
    this.slots = this.segments.map((s) => {
      const out: number[] = [];
      for (let i = 0; i < this.slotCount; i++) {
        const p = arena.alloc(s.n * 4);
        arena.f32(p, s.n).fill(this.slotInit(i));
        out.push(p);
      }
      return out;
    });
    this.iterations = 0;
    whenCollected(this, releaseBlocks(arena, this.slots));
    this.scheduleStep = 0;
    this.epochs = 0;
    return this;
  }

  /** The initial value of slot i (e.g. AdaGrad's initial accumulator). */
  protected slotInit(_slot: number): number {
    return 0;
  }

  get parameters(): readonly Parameter[] {
    return this.params;
  }

  /** One update of every attached parameter from its gradient. */
  step(): void {
    if (this.segments.length === 0) {
      throw new Error(this.wasDisposed ? `wasmnn: this ${this.kind} optimizer was disposed (with its model, or by dispose())` : 'wasmnn: optimizer.step() before it has parameters: pass them to the factory or compile a model with it');
    }
    for (let i = 0; i < this.params.length; i++) if (this.params[i].disposed) throw new Error(`wasmnn: the parameter ${this.params[i].name} was disposed; this optimizer cannot step it`);
    const lr = this.currentLr;
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`wasmnn: the learning rate became ${lr} at step ${this.scheduleStep}`);
    this.iterations++;
    const k = this.rt!.kernels;
    clipGradients(k, this.clipping, this.segments, this.params);
    this.prepare(lr);
    for (let i = 0; i < this.segments.length; i++) this.update(k, this.segments[i], this.slots[i], lr);
  }

  /** Step-dependent scalars, once per step before the segments are updated (t = this.iterations). */
  protected prepare(_lr: number): void {}

  /** Sets every attached gradient to zero. */
  zeroGrad(): void {
    if (!this.rt) return;
    const k = this.rt.kernels;
    for (const s of this.segments) k.fill_f32(s.grad, s.n, 0);
  }

  /** Bytes of optimizer state in wasm memory. */
  get stateBytes(): number {
    return this.segments.reduce((b, s) => b + s.n * 4 * this.slotCount, 0);
  }

  /** The optimizer's state: its kind, step counters, per-segment slots (copies) and scalar extras. */
  exportState(): OptimizerState {
    const { arena } = this.rt ?? runtime();
    return {
      kind: this.kind,
      iterations: this.iterations,
      scheduleStep: this.scheduleStep,
      epochs: this.epochs,
      slots: this.slots.flatMap((seg, i) => seg.map((p) => arena.f32(p, this.segments[i].n).slice())),
      extra: this.extraState(),
    };
  }

  /**
   * Restores exportState() output onto the same parameters. Checks everything before writing
   * anything: the kind, every length, the counters (integers >= 0), that every value is finite
   * and that the slots which accumulate squares (Adam's v, AdaGrad's sum, ...) are not negative.
   */
  importState(state: OptimizerState): void {
    if (!state || typeof state !== 'object') throw new TypeError(`wasmnn: importState needs the object exportState() returns`);
    if (state.kind !== this.kind) {
      throw new RangeError(`wasmnn: the optimizer state is ${state.kind === undefined ? 'of no stated kind' : `a${/^[aeiou]/.test(String(state.kind)) ? 'n' : ''} '${String(state.kind)}' optimizer's`}; this optimizer is '${this.kind}'`);
    }
    const want = this.slots.flatMap((seg, i) => seg.map(() => this.segments[i].n));
    if (!Array.isArray(state.slots) || state.slots.length !== want.length || state.slots.some((s, i) => s?.length !== want[i])) {
      throw new RangeError(`wasmnn: optimizer state does not fit this ${this.kind} optimizer (${want.length} slots of ${want.join(', ')} values expected)`);
    }
    const counter = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RangeError(`wasmnn: optimizer state: ${name} must be an integer >= 0, got ${JSON.stringify(v)}`);
      return v;
    };
    const iterations = counter('iterations', state.iterations);
    const scheduleStep = counter('scheduleStep', state.scheduleStep);
    const epochs = counter('epochs', state.epochs ?? 0);
    const squares = this.squareSlots();
    let i = 0;
    this.slots.forEach((seg) =>
      seg.forEach((_p, j) => {
        const s = state.slots[i++];
        for (let e = 0; e < s.length; e++) {
          if (!Number.isFinite(s[e])) throw new RangeError(`wasmnn: optimizer state: slot ${i - 1} has ${s[e]} at index ${e}`);
          if (s[e] < 0 && squares[j]) throw new RangeError(`wasmnn: optimizer state: slot ${i - 1} (${this.kind}'s ${squares[j]}, which cannot be negative) has ${s[e]} at index ${e}`);
        }
      }),
    );
    this.checkExtra(state.extra ?? {});
    const { arena } = this.rt ?? runtime();
    i = 0;
    this.slots.forEach((seg, si) => seg.forEach((p) => arena.f32(p, this.segments[si].n).set(state.slots[i++])));
    this.iterations = iterations;
    this.scheduleStep = scheduleStep;
    this.epochs = epochs;
    this.restoreExtra(state.extra ?? {});
  }

  /** By slot index within a segment: the name of each slot that can never be negative (a sum or average of squares, a norm). */
  protected squareSlots(): readonly (string | undefined)[] {
    return [];
  }

  /** Scalar state beyond the slots (e.g. NAdam's running mu product). */
  protected extraState(): Record<string, number> {
    return {};
  }

  /** Throws unless `extra` is what extraState() of this kind returns (no key missing, none foreign, each value valid). */
  protected checkExtra(extra: Record<string, number>): void {
    const keys = Object.keys(extra);
    if (keys.length) throw new RangeError(`wasmnn: optimizer state: a ${this.kind} optimizer has no extra state, got ${keys.join(', ')}`);
  }

  protected restoreExtra(_extra: Record<string, number>): void {}

  /** Frees the state slots. */
  dispose(): void {
    if (this.rt) {
      forget(this);
      for (const seg of this.slots) for (const p of seg) this.rt.arena.release(p);
      this.wasDisposed = this.segments.length > 0 || this.wasDisposed;
    }
    this.slots = [];
    this.segments = [];
    this.params = [];
    this.owner = undefined;
  }

  private wasDisposed = false;

  protected abstract update(k: Kernels, seg: Segment, slots: number[], lr: number): void;

  abstract getConfig(): Record<string, unknown>;

  /** Options common to every optimizer, for getConfig(). */
  protected baseConfig(): Record<string, unknown> {
    const c = { kind: this.kind, lr: typeof this.lr === 'number' ? this.lr : scheduleConfig(this.lr), clipNorm: this.clipNorm, clipValue: this.clipValue };
    return this.globalClipNorm === undefined ? c : { ...c, globalClipNorm: this.globalClipNorm };
  }
}

/** A schedule's config (what schedules.fromConfig rebuilds it from), or 'schedule' for one without. */
function scheduleConfig(lr: RateSchedule): Record<string, unknown> | 'schedule' {
  const c = (lr as { getConfig?: () => Record<string, unknown> }).getConfig?.();
  return c && typeof c.kind === 'string' ? c : 'schedule';
}

/** Attaches the optimizer to `params` when given: the tail of every factory. */
export function withParams<O extends Optimizer>(o: O, params?: readonly Parameter[]): O {
  return params ? o.attach(params) : o;
}
