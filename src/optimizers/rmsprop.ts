// RMSprop (PyTorch): g' = g + weightDecay*w; v <- alpha*v + (1-alpha)*g'^2;
// centered: m <- alpha*m + (1-alpha)*g', v' = v - m^2; r = sqrt(v') + eps;
// momentum > 0: b <- momentum*b + g'/r, w <- w - lr*b; else w <- w - lr*g'/r.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkBeta, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface RmspropOptions extends OptimizerOptions {
  alpha?: number;
  eps?: number;
  momentum?: number;
  centered?: boolean;
  weightDecay?: number;
}

const KEYS = optionKeys<RmspropOptions>({ ...OPTIMIZER_KEYS, alpha: true, eps: true, momentum: true, centered: true, weightDecay: true });

export class Rmsprop extends Optimizer {
  readonly kind = 'rmsprop';
  readonly alpha: number;
  readonly eps: number;
  readonly momentum: number;
  readonly centered: boolean;
  readonly weightDecay: number;
  protected override readonly slotCount: number;

  constructor(options: RmspropOptions = {}) {
    checkOptions('optimizers.rmsprop', options, KEYS);
    super(options, 0.01);
    this.alpha = checkBeta('alpha', options.alpha ?? 0.99);
    this.eps = checkEps(options.eps ?? 1e-8);
    this.momentum = checkNonNegative('momentum', options.momentum ?? 0);
    this.centered = options.centered ?? false;
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.slotCount = 1 + (this.centered ? 1 : 0) + (this.momentum > 0 ? 1 : 0);
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    const gavg = this.centered ? slots[1] : 0;
    const buf = this.momentum > 0 ? slots[this.centered ? 2 : 1] : 0;
    k.rmsprop_f32(seg.value, seg.grad, slots[0], gavg, buf, seg.n, lr, this.alpha, this.eps, this.momentum, this.weightDecay);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return ['average of squared gradients'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha, eps: this.eps, momentum: this.momentum, centered: this.centered, weightDecay: this.weightDecay };
  }
}

/** RMSprop, lr default 0.01, alpha 0.99. @example optimizers.rmsprop({ lr: 0.01, alpha: 0.9 }) */
export function rmsprop(options: RmspropOptions = {}, params?: readonly Parameter[]): Rmsprop {
  return withParams(new Rmsprop(options), params);
}
