// AdaGrad (PyTorch): g' = g + weightDecay*w; s <- s + g'^2; w <- w - lr*g'/(sqrt(s) + eps).
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface AdagradOptions extends OptimizerOptions {
  initialAccumulator?: number;
  eps?: number;
  weightDecay?: number;
}

const KEYS = optionKeys<AdagradOptions>({ ...OPTIMIZER_KEYS, initialAccumulator: true, eps: true, weightDecay: true });

export class Adagrad extends Optimizer {
  readonly kind = 'adagrad';
  readonly initialAccumulator: number;
  readonly eps: number;
  readonly weightDecay: number;
  protected override readonly slotCount = 1;

  constructor(options: AdagradOptions = {}) {
    checkOptions('optimizers.adagrad', options, KEYS);
    super(options, 0.01);
    this.initialAccumulator = checkNonNegative('initialAccumulator', options.initialAccumulator ?? 0);
    this.eps = checkEps(options.eps ?? 1e-10);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
  }

  protected override slotInit(): number {
    return this.initialAccumulator;
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    k.adagrad_f32(seg.value, seg.grad, slots[0], seg.n, lr, this.eps, this.weightDecay);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return ['sum of squared gradients'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), initialAccumulator: this.initialAccumulator, eps: this.eps, weightDecay: this.weightDecay };
  }
}

/** AdaGrad, lr default 0.01. @example optimizers.adagrad({ lr: 0.1 }) */
export function adagrad(options: AdagradOptions = {}, params?: readonly Parameter[]): Adagrad {
  return withParams(new Adagrad(options), params);
}
