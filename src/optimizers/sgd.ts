// Gradient descent: w <- (1 - decay)*w - lr*g.
// Full-batch, mini-batch or stochastic is the batch size the caller trains with.
// NOTE: `decay` is decoupled weight decay as in the seed's moons experiment; the
// coupled (L2-in-the-gradient) form and momentum arrive with the training toolkit.
import { Optimizer, type OptimizerOptions, checkRange } from './optimizer.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface SgdOptions extends OptimizerOptions {
  /** Decoupled weight decay per step: w <- (1 - decay)*w - lr*g. Default 0. */
  decay?: number;
}

export class Sgd extends Optimizer {
  readonly kind = 'sgd';
  readonly decay: number;

  constructor(options: SgdOptions = {}) {
    super(options);
    this.decay = options.decay ?? 0;
    checkRange('decay', this.decay, this.decay >= 0 && this.decay < 1, 'in [0, 1)');
  }

  protected update(k: Kernels, seg: Segment, _slots: number[], lr: number): void {
    k.sgd_f32(seg.value, seg.grad, seg.n, lr, this.decay);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, lr: this.lr, decay: this.decay };
  }
}

/**
 * Stochastic gradient descent, `w <- (1 - decay)*w - lr*g`.
 * @example const opt = optimizers.sgd({ lr: 0.2 }); model.compile({ loss: 'mse', optimizer: opt });
 * @example const w = parameter([1], [1]); const opt = optimizers.sgd({ lr: 0.01 }, [w]);
 */
export function sgd(options: SgdOptions = {}, params?: readonly Parameter[]): Sgd {
  const o = new Sgd(options);
  if (params) o.attach(params);
  return o;
}
