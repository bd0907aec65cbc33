// Batch normalisation (PyTorch BatchNorm1d): in training, normalise each feature by the batch's
// mean and biased variance, then y = gamma*xhat + beta, and update the running statistics
// (momentum 0.1, unbiased variance); in evaluation use the running statistics.
// NOTE: the running statistics are not parameters: they live outside the flat parameter region,
// so no optimizer or weight decay touches them. PyTorch's momentum 0.1 is Keras' momentum 0.9.
import type { Parameter } from '../optimizers/parameter.js';
import { ones, zeros } from '../initializers/index.js';
import { Tensor } from '../memory/tensor.js';
import { Layer, type ParamSpec } from './layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { batchNorm } from '../graph/ops/batch-norm.js';
import { ShapeError } from '../graph/op.js';
import { checkOptions } from '../validate/options.js';

export interface BatchNormOptions {
  /** Input width when this is the first layer. */
  inputDim?: number;
  eps?: number;
  momentum?: number;
  name?: string;
}

export class BatchNorm extends Layer {
  readonly kind = 'batchNorm';
  readonly options: BatchNormOptions;
  readonly eps: number;
  readonly momentum: number;
  /** Running mean and variance (evaluation statistics), allocated when the model binds the layer. */
  runningMean!: Tensor;
  runningVar!: Tensor;

  constructor(options: BatchNormOptions = {}) {
    checkOptions('layers.batchNorm', options, ['inputDim', 'eps', 'momentum', 'name'], { epsilon: { use: 'eps', note: "Keras' default is 1e-3, PyTorch's (and ours) 1e-5" }, numFeatures: { use: 'inputDim' } });
    const eps = options.eps ?? 1e-5;
    const momentum = options.momentum ?? 0.1;
    if (!(eps > 0)) throw new RangeError(`wasmnn: batchNorm eps must be > 0, got ${eps}`);
    if (!(momentum >= 0 && momentum <= 1)) throw new RangeError(`wasmnn: batchNorm momentum must be in [0, 1], got ${momentum}`);
    super(options.name, 'batch_norm');
    this.options = options;
    this.eps = eps;
    this.momentum = momentum;
  }

  protected override get prefix(): string {
    return 'batch_norm';
  }

  protected override configure(inputUnits: number, index: number): void {
    if (this.options.inputDim !== undefined && this.options.inputDim !== inputUnits) {
      throw new ShapeError(`wasmnn: ${this.where(index)} has inputDim ${this.options.inputDim} but the previous layer gives ${inputUnits}`);
    }
    this.outputUnits = inputUnits;
  }

  paramSpecs(): ParamSpec[] {
    const n = this.inputUnits;
    return [
      { name: `${this.name}/gamma`, shape: [n], initializer: ones(), fanIn: n, fanOut: n, role: 'norm' },
      { name: `${this.name}/beta`, shape: [n], initializer: zeros(), fanIn: n, fanOut: n, role: 'norm' },
    ];
  }

  override bindParams(params: Parameter[]): void {
    super.bindParams(params);
    const { arena } = params[0].rt;
    this.runningMean = Tensor.alloc(arena, [this.inputUnits]);
    this.runningVar = Tensor.alloc(arena, [this.inputUnits]);
    this.runningVar.data.fill(1);
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    // The statistics on their own, not the layer: a program must not keep the layer (and through
    // it the model) alive.
    const { name, eps, momentum, runningMean, runningVar } = this;
    return batchNorm(x, this.weight(0), this.weight(1), { name, eps, momentum, runningMean, runningVar });
  }

  override heldBlocks(): { ptr: number; length: number }[] {
    return [this.runningMean, this.runningVar].map((t) => ({ ptr: t.ptr, length: t.size }));
  }

  macsPerSample(): number {
    return this.outputShape.reduce((a, d) => a * d, 1); // one multiply-add per element (scale and shift)
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, inputDim: this.inputUnits, eps: this.eps, momentum: this.momentum };
  }
}
