// Adadelta (PyTorch): v <- rho*v + (1-rho)*g'^2; d = sqrt(u + eps)/sqrt(v + eps) * g';
// u <- rho*u + (1-rho)*d^2; w <- w - lr*d.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkEps, checkNonNegative, checkRange } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface AdadeltaOptions extends OptimizerOptions {
  rho?: number;
  eps?: number;
  weightDecay?: number;
}

const KEYS = optionKeys<AdadeltaOptions>({ ...OPTIMIZER_KEYS, rho: true, eps: true, weightDecay: true });

export class Adadelta extends Optimizer {
  readonly kind = 'adadelta';
  readonly rho: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected override readonly slotCount = 2;

  constructor(options: AdadeltaOptions = {}) {
    checkOptions('optimizers.adadelta', options, KEYS);
    super(options, 1.0);
    this.rho = options.rho ?? 0.9;
    checkRange('rho', this.rho, this.rho >= 0 && this.rho <= 1, 'in [0, 1]');
    this.eps = checkEps(options.eps ?? 1e-6);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    k.adadelta_f32(seg.value, seg.grad, slots[0], slots[1], seg.n, lr, this.rho, this.eps, this.weightDecay);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return ['average of squared gradients', 'average of squared updates'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rho: this.rho, eps: this.eps, weightDecay: this.weightDecay };
  }
}

/** Adadelta, lr default 1.0, rho 0.9. */
export function adadelta(options: AdadeltaOptions = {}, params?: readonly Parameter[]): Adadelta {
  return withParams(new Adadelta(options), params);
}
