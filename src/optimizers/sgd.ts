// Gradient descent, with PyTorch's momentum, dampening, Nesterov and coupled weight decay,
// and decoupled decay:  g' = g + weightDecay*w;  b <- momentum*b + (1-dampening)*g' (b <- g' at
// the first step);  d = nesterov ? g' + momentum*b : b;  w <- (1 - decay)*w - lr*d.
// Full-batch, mini-batch or stochastic is the batch size the caller trains with.
// NOTE: weightDecay is L2 in the gradient (PyTorch's weight_decay); decay is decoupled, the
// form of the seed's moons experiment: p <- (1 - decay)*p - lr*grad.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkNonNegative, checkRange } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface SgdOptions extends OptimizerOptions {
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  /** Coupled weight decay (added to the gradient), PyTorch's weight_decay. Default 0. */
  weightDecay?: number;
  /** Decoupled weight decay per step: w <- (1 - decay)*w - lr*g. Default 0. */
  decay?: number;
}

const KEYS = optionKeys<SgdOptions>({ ...OPTIMIZER_KEYS, momentum: true, dampening: true, nesterov: true, weightDecay: true, decay: true });

export class Sgd extends Optimizer {
  readonly kind = 'sgd';
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  readonly decay: number;
  protected override readonly slotCount: number;

  constructor(options: SgdOptions = {}) {
    checkOptions('optimizers.sgd', options, KEYS);
    super(options);
    this.momentum = checkNonNegative('momentum', options.momentum ?? 0);
    this.dampening = checkNonNegative('dampening', options.dampening ?? 0);
    this.nesterov = options.nesterov ?? false;
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.decay = options.decay ?? 0;
    checkRange('decay', this.decay, this.decay >= 0 && this.decay < 1, 'in [0, 1)');
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError('wasmnn: nesterov momentum needs momentum > 0 and dampening 0 (as in PyTorch)');
    }
    this.slotCount = this.momentum > 0 ? 1 : 0;
  }

  protected update(k: Kernels, seg: Segment, slots: number[], lr: number): void {
    if (this.slotCount === 0 && this.weightDecay === 0) k.sgd_f32(seg.value, seg.grad, seg.n, lr, this.decay);
    else if (this.slotCount === 0) k.sgd_momentum_f32(seg.value, seg.grad, 0, seg.n, lr, 0, 0, this.weightDecay, this.decay, 0);
    else k.sgd_momentum_f32(seg.value, seg.grad, slots[0], seg.n, lr, this.momentum, this.dampening, this.weightDecay, this.decay, (this.nesterov ? 1 : 0) | (this.iterations === 1 ? 2 : 0));
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), momentum: this.momentum, dampening: this.dampening, nesterov: this.nesterov, weightDecay: this.weightDecay, decay: this.decay };
  }
}

/**
 * Stochastic gradient descent (optionally with momentum, Nesterov, weight decay).
 * @example const opt = optimizers.sgd({ lr: 0.01, momentum: 0.9 }, [w]);
 */
export function sgd(options: SgdOptions = {}, params?: readonly Parameter[]): Sgd {
  return withParams(new Sgd(options), params);
}
