// NAdam (PyTorch, momentum_decay 0.004): mu_t = b1*(1 - 0.5*0.96^(t*psi)); P_t = prod mu_1..mu_t;
// m, v as Adam; r = sqrt(v/(1-b2^t)) + eps;
// w <- w - lr*(1-mu_t)/(1-P_t) * g'/r - lr*mu_{t+1}/(1-P_t*mu_{t+1}) * m/r.
import { Optimizer, withParams, type OptimizerOptions, OPTIMIZER_KEYS, checkBeta, checkEps, checkNonNegative } from './optimizer.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Parameter, Segment } from './parameter.js';
import type { Kernels } from '../wasm/exports.js';

export interface NadamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  momentumDecay?: number;
}

const KEYS = optionKeys<NadamOptions>({ ...OPTIMIZER_KEYS, beta1: true, beta2: true, eps: true, weightDecay: true, momentumDecay: true });

export class Nadam extends Optimizer {
  readonly kind = 'nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
  readonly momentumDecay: number;
  protected override readonly slotCount = 2;
  private muProduct = 1;
  private c1 = 0;
  private c2 = 0;
  private invBc2 = 1;

  constructor(options: NadamOptions = {}) {
    checkOptions('optimizers.nadam', options, KEYS);
    super(options, 0.002);
    this.beta1 = checkBeta('beta1', options.beta1 ?? 0.9);
    this.beta2 = checkBeta('beta2', options.beta2 ?? 0.999);
    this.eps = checkEps(options.eps ?? 1e-8);
    this.weightDecay = checkNonNegative('weightDecay', options.weightDecay ?? 0);
    this.momentumDecay = checkNonNegative('momentumDecay', options.momentumDecay ?? 0.004);
  }

  override attach(params: readonly Parameter[]): this {
    this.muProduct = 1;
    return super.attach(params);
  }

  protected override extraState(): Record<string, number> {
    return { muProduct: this.muProduct };
  }

  protected override checkExtra(extra: Record<string, number>): void {
    const keys = Object.keys(extra);
    if (keys.length !== 1 || keys[0] !== 'muProduct') throw new RangeError(`wasmnn: optimizer state: a nadam optimizer's extra state is { muProduct }, got { ${keys.join(', ')} }`);
    // A product of momentum factors, each in [0, 1).
    const m = extra.muProduct;
    if (typeof m !== 'number' || !(m >= 0 && m <= 1)) throw new RangeError(`wasmnn: optimizer state: nadam's muProduct must be in [0, 1], got ${m}`);
  }

  protected override restoreExtra(extra: Record<string, number>): void {
    this.muProduct = extra.muProduct;
  }

  protected override prepare(lr: number): void {
    const t = this.iterations;
    const mu = this.beta1 * (1 - 0.5 * 0.96 ** (t * this.momentumDecay));
    const muNext = this.beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * this.momentumDecay));
    this.muProduct *= mu;
    this.c1 = (lr * (1 - mu)) / (1 - this.muProduct);
    this.c2 = (lr * muNext) / (1 - this.muProduct * muNext);
    this.invBc2 = 1 / (1 - this.beta2 ** t);
  }

  protected update(k: Kernels, seg: Segment, slots: number[]): void {
    k.nadam_f32(seg.value, seg.grad, slots[0], slots[1], seg.n, this.c1, this.c2, this.beta1, this.beta2, this.eps, this.invBc2, this.weightDecay);
  }

  protected override squareSlots(): readonly (string | undefined)[] {
    return [undefined, 'second moment v'];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), beta1: this.beta1, beta2: this.beta2, eps: this.eps, weightDecay: this.weightDecay, momentumDecay: this.momentumDecay };
  }
}

/** NAdam, lr default 0.002. */
export function nadam(options: NadamOptions = {}, params?: readonly Parameter[]): Nadam {
  return withParams(new Nadam(options), params);
}
