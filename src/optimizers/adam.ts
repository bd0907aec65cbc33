// Adam and AdamW (PyTorch): m <- b1*m + (1-b1)*g'; v <- b2*v + (1-b2)*g'^2; [amsgrad: v^ = max(v^, v)];
// w <- keep*w - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
// Adam: g' = g + weightDecay*w (L2 in the gradient), keep = 1. AdamW: g' = g, keep = 1 - lr*weightDecay.
// exclude: parameters (by role or name) that get neither (PyTorch's no-decay param group): decay-mask.ts.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkBeta, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, ParamRole, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';
import { runtime } from '../wasm/init.js';
import { whenCollected, releaseBlocks } from '../memory/finalize.js';
import { exclusionsOf, exclusionsConfig, decaying, decayMasks, type DecayExclusion } from './decay-mask.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  amsgrad?: boolean;
  weightDecay?: number;
  /**
   * Parameters weight decay leaves alone: roles ('bias', 'norm', 'embedding', 'weight') and name
   * patterns (RegExp). @example optimizers.adamw({ weightDecay: 0.1, exclude: ['bias', 'norm', 'embedding'] })
   */
  exclude?: readonly DecayExclusion[];
}

const KEYS = optionKeys<AdamOptions>({ ...OPTIMIZER_KEYS, beta1: true, beta2: true, eps: true, amsgrad: true, weightDecay: true, exclude: true });

export class Adam extends Optimizer {
  readonly kind: 'adam' | 'adamw';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly amsgrad: boolean;
  readonly weightDecay: number;
  readonly decoupled: boolean;
  readonly exclude: readonly (ParamRole | RegExp)[];
  /** Per segment: its decay mask (int32 per element), or 0 when every parameter in it decays. */
  private masks: number[] = [];
  /** The kernel's 7 scalars, written each step (adam_f32 reads them from memory): the block and a view of it. */
  private hyper = 0;
  private hyperView: Float64Array | undefined;
  protected override readonly slotCount: number;
  private stepSize = 0;
  private invSqrtBc2 = 1;

  constructor(options: AdamOptions = {}, decoupled = false) {
    checkOptions(decoupled ? 'optimizers.adamw' : 'optimizers.adam', options, KEYS);
    super(options, 0.001);
    this.kind = decoupled ? 'adamw' : 'adam';
    this.decoupled = decoupled;
    this.beta1 = checkBeta('beta1', options.beta1 ?? 0.9);
    this.beta2 = checkBeta('beta2', options.beta2 ?? 0.999);
    this.eps = checkEps(options.eps ?? 1e-8);
    this.amsgrad = options.amsgrad ?? false;
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? (decoupled ? 0.01 : 0));
    this.slotCount = this.amsgrad ? 3 : 2;
    const where = decoupled ? 'optimizers.adamw' : 'optimizers.adam';
    this.exclude = options.exclude === undefined ? [] : exclusionsOf(options.exclude, where);
    if (this.exclude.length && this.weightDecay === 0) throw new RangeError(`wasmnn: ${where}: exclude leaves parameters out of weight decay, but weightDecay is 0`);
  }

  override attach(params: readonly Parameter[], owner?: { readonly name: string }): this {
    super.attach(params, owner);
    const arena = (params[0]?.rt ?? runtime()).arena;
    this.hyper = arena.alloc(56, 8);
    whenCollected(this, releaseBlocks(arena, [this.hyper]));
    if (this.exclude.length === 0) return this;
    const decays = decaying(params, this.exclude, this.decoupled ? 'optimizers.adamw' : 'optimizers.adam');
    this.masks = decayMasks(arena, this.segments, params, decays);
    whenCollected(this, releaseBlocks(arena, this.masks.filter((m) => m !== 0)));
    return this;
  }

  override dispose(): void {
    const arena = this.parameters[0]?.rt.arena;
    if (arena) for (const m of this.masks) if (m) arena.release(m);
    if (arena && this.hyper) arena.release(this.hyper);
    this.masks = [];
    this.hyper = 0;
    this.hyperView = undefined;
    super.dispose();
  }

  protected override prepare(lr: number): void {
    const t = this.iterations;
    this.stepSize = lr / (1 - this.beta1 ** t);
    this.invSqrtBc2 = 1 / Math.sqrt(1 - this.beta2 ** t);
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    const wd = this.decoupled ? 0 : this.weightDecay;
    const keep = this.decoupled ? 1 - lr * this.weightDecay : 1;
    const mask = this.masks.length ? this.masks[this.segments.indexOf(seg)] : 0;
    const buf = this.parameters[0].rt.arena.memory.buffer;
    if (this.hyperView?.buffer !== buf) this.hyperView = new Float64Array(buf, this.hyper, 7);
    const h = this.hyperView;
    h[0] = this.stepSize;
    h[1] = this.beta1;
    h[2] = this.beta2;
    h[3] = this.eps;
    h[4] = this.invSqrtBc2;
    h[5] = wd;
    h[6] = keep;
    k.adam_f32(seg.value, seg.grad, slots[0], slots[1], this.amsgrad ? slots[2] : 0, mask, seg.n, this.hyper);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return [undefined, 'second moment v', 'running maximum of v'];
  }

  getConfig(): Record<string, unknown> {
    const c = { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, eps: this.eps, amsgrad: this.amsgrad, weightDecay: this.weightDecay };
    return this.exclude.length ? { ...c, exclude: exclusionsConfig(this.exclude) } : c;
  }
}

/** Adam, lr default 0.001; weightDecay is L2 in the gradient. @example optimizers.adam({ lr: 1e-3 }) */
export function adam(options: AdamOptions = {}, params?: readonly Parameter[]): Adam {
  return withParams(new Adam(options, false), params);
}

/** AdamW: Adam with decoupled weight decay (default 0.01). @example optimizers.adamw({ lr: 1e-3, weightDecay: 0.1 }) */
export function adamw(options: AdamOptions = {}, params?: readonly Parameter[]): Adam {
  return withParams(new Adam(options, true), params);
}
