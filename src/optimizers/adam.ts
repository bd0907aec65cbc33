// Adam and AdamW (PyTorch): m <- b1*m + (1-b1)*g'; v <- b2*v + (1-b2)*g'^2; [amsgrad: v^ = max(v^, v)];
// w <- keep*w - lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
// Adam: g' = g + weightDecay*w (L2 in the gradient), keep = 1. AdamW: g' = g, keep = 1 - lr*weightDecay.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkBeta, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  amsgrad?: boolean;
  weightDecay?: number;
}

const KEYS = optionKeys<AdamOptions>({ ...OPTIMIZER_KEYS, beta1: true, beta2: true, eps: true, amsgrad: true, weightDecay: true });

export class Adam extends Optimizer {
  readonly kind: 'adam' | 'adamw';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly amsgrad: boolean;
  readonly weightDecay: number;
  readonly decoupled: boolean;
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
  }

  protected override prepare(lr: number): void {
    const t = this.iterations;
    this.stepSize = lr / (1 - this.beta1 ** t);
    this.invSqrtBc2 = 1 / Math.sqrt(1 - this.beta2 ** t);
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    const wd = this.decoupled ? 0 : this.weightDecay;
    const keep = this.decoupled ? 1 - lr * this.weightDecay : 1;
    k.adam_f32(seg.value, seg.grad, slots[0], slots[1], this.amsgrad ? slots[2] : 0, seg.n, this.stepSize, this.beta1, this.beta2, this.eps, this.invSqrtBc2, wd, keep);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return [undefined, 'second moment v', 'running maximum of v'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, eps: this.eps, amsgrad: this.amsgrad, weightDecay: this.weightDecay };
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
