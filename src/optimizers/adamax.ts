// Adamax (PyTorch): m <- b1*m + (1-b1)*g'; u <- max(b2*u, |g'| + eps); w <- w - lr/(1-b1^t) * m/u.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkBeta, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface AdamaxOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

const KEYS = optionKeys<AdamaxOptions>({ ...OPTIMIZER_KEYS, beta1: true, beta2: true, eps: true, weightDecay: true });

export class Adamax extends Optimizer {
  readonly kind = 'adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected override readonly slotCount = 2;

  constructor(options: AdamaxOptions = {}) {
    checkOptions('optimizers.adamax', options, KEYS);
    super(options, 0.002);
    this.beta1 = checkBeta('beta1', options.beta1 ?? 0.9);
    this.beta2 = checkBeta('beta2', options.beta2 ?? 0.999);
    this.eps = checkEps(options.eps ?? 1e-8);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    const clr = lr / (1 - this.beta1 ** this.iterations);
    k.adamax_f32(seg.value, seg.grad, slots[0], slots[1], seg.n, clr, this.beta1, this.beta2, this.eps, this.weightDecay);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return [undefined, 'infinity norm u'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay };
  }
}

/** Adamax, lr default 0.002. */
export function adamax(options: AdamaxOptions = {}, params?: readonly Parameter[]): Adamax {
  return withParams(new Adamax(options), params);
}
