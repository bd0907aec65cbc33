// Batch normalisation (PyTorch BatchNorm1d): in training, normalise each feature by the batch's
// mean and biased variance, then y = gamma*xhat + beta, and update the running statistics
// (momentum 0.1, unbiased variance); in evaluation use the running statistics.
// NOTE: the running statistics are not parameters: they live outside the flat parameter region,
// so no optimizer or weight decay touches them. PyTorch's momentum 0.1 is Keras' momentum 0.9.
import type { Arena } from '../memory/arena.js';
import type { Parameter } from '../optimizers/parameter.js';
import { ones, zeros } from '../initializers/index.js';
import { runtime } from '../wasm/init.js';
import { Tensor } from '../memory/tensor.js';
import type { Layer, ParamSpec, StepContext } from './layer.js';

export interface BatchNormOptions {
  /** Input width when this is the first layer. */
  inputDim?: number;
  eps?: number;
  momentum?: number;
  name?: string;
}

export class BatchNorm implements Layer {
  readonly kind = 'batchNorm';
  name: string;
  readonly options: BatchNormOptions;
  readonly eps: number;
  readonly momentum: number;
  inputUnits = 0;
  outputUnits = 0;
  output = 0;
  gradOutput = 0;
  private xhat = 0;
  private invstd = 0;
  private gamma!: Parameter;
  private beta!: Parameter;
  /** Running mean and variance (evaluation statistics). */
  runningMean!: Tensor;
  runningVar!: Tensor;

  constructor(options: BatchNormOptions = {}) {
    this.options = options;
    this.eps = options.eps ?? 1e-5;
    this.momentum = options.momentum ?? 0.1;
    if (!(this.eps > 0)) throw new RangeError(`wasmnn: batchNorm eps must be > 0, got ${this.eps}`);
    if (!(this.momentum >= 0 && this.momentum <= 1)) throw new RangeError(`wasmnn: batchNorm momentum must be in [0, 1], got ${this.momentum}`);
    this.name = options.name ?? 'batch_norm';
  }

  build(inputUnits: number, index: number): void {
    if (this.options.inputDim !== undefined && this.options.inputDim !== inputUnits) {
      throw new RangeError(`wasmnn: layer ${index} (${this.name}) has inputDim ${this.options.inputDim} but the previous layer gives ${inputUnits}`);
    }
    this.inputUnits = this.outputUnits = inputUnits;
    if (this.options.name === undefined) this.name = `batch_norm_${index}`;
  }

  paramSpecs(): ParamSpec[] {
    const n = this.inputUnits;
    return [
      { name: `${this.name}/gamma`, shape: [n], initializer: ones(), fanIn: n, fanOut: n },
      { name: `${this.name}/beta`, shape: [n], initializer: zeros(), fanIn: n, fanOut: n },
    ];
  }

  bindParams(params: Parameter[]): void {
    [this.gamma, this.beta] = params;
    const { arena } = runtime();
    this.runningMean = Tensor.alloc(arena, [this.inputUnits]);
    this.runningVar = Tensor.alloc(arena, [this.inputUnits]);
    this.runningVar.data.fill(1);
  }

  plan(arena: Arena, maxRows: number): void {
    const bytes = maxRows * this.outputUnits * 4;
    this.output = arena.alloc(bytes);
    this.gradOutput = arena.alloc(bytes);
    this.xhat = arena.alloc(bytes);
    this.invstd = arena.alloc(this.outputUnits * 4);
  }

  release(arena: Arena): void {
    if (this.output === 0) return;
    for (const p of [this.output, this.gradOutput, this.xhat, this.invstd]) arena.release(p);
    this.output = this.gradOutput = this.xhat = this.invstd = 0;
  }

  dispose(arena: Arena): void {
    arena.release(this.runningMean.ptr);
    arena.release(this.runningVar.ptr);
  }

  forward(ctx: StepContext, input: number): void {
    const { k, rows } = ctx;
    const n = this.outputUnits;
    if (ctx.training) {
      if (rows < 2) throw new RangeError(`wasmnn: ${this.name}: batch normalisation needs at least 2 rows per training batch, got ${rows}`);
      k.batchnorm_train_f32(this.output, this.xhat, this.invstd, input, this.gamma.valuePtr, this.beta.valuePtr, this.runningMean.ptr, this.runningVar.ptr, rows, n, this.eps, this.momentum);
    } else {
      k.batchnorm_eval_f32(this.output, input, this.gamma.valuePtr, this.beta.valuePtr, this.runningMean.ptr, this.runningVar.ptr, rows, n, this.eps);
    }
  }

  backward(ctx: StepContext, gradInput: number): void {
    ctx.k.batchnorm_backward_f32(gradInput, this.gamma.gradPtr, this.beta.gradPtr, this.gradOutput, this.xhat, this.invstd, this.gamma.valuePtr, ctx.rows, this.outputUnits);
  }

  macsPerSample(): number {
    return this.outputUnits; // one multiply-add per feature (scale and shift)
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, inputDim: this.inputUnits, eps: this.eps, momentum: this.momentum };
  }
}
