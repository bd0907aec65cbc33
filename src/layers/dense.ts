// Dense: z = x @ W + b, y = act(z), with W stored [in, out] row-major.
// Backward: dz = dy * act'(z); dW = x^T dz (gemm TN); db = sum_rows dz; dx = dz W^T (gemm NT).
import type { Arena } from '../memory/arena.js';
import type { Parameter } from '../optimizers/parameter.js';
import { type Initializer, type InitializerName, resolveInitializer, defaultUniform } from '../initializers/index.js';
import { type Activation, type ActivationSpec, resolveActivation } from './activations.js';
import type { Layer, ParamSpec, StepContext } from './layer.js';
import type { Regularizer } from '../regularizers/index.js';

export interface DenseOptions {
  units: number;
  /** Input width; required on the first layer of a model. */
  inputDim?: number;
  activation?: ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  /** A penalty on W added to the loss, e.g. regularizers.l2(1e-4). */
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  name?: string;
}

export class Dense implements Layer {
  readonly kind = 'dense';
  name: string;
  readonly options: DenseOptions;
  readonly activation: Activation;
  inputUnits = 0;
  readonly outputUnits: number;
  output = 0;
  gradOutput = 0;
  private pre = 0; // pre-activation z; equals output when the activation is the identity or ReLU
  // ReLU runs in place, fused with the bias (bias_relu_f32): its derivative reads the output as
  // well as the pre-activation (relu(z) > 0 exactly when z > 0), so z needs no buffer of its own.
  private readonly relu: boolean;
  private input = 0;
  private W!: Parameter;
  private b: Parameter | undefined;

  constructor(options: DenseOptions) {
    if (!options || !Number.isInteger(options.units) || options.units <= 0) {
      throw new RangeError(`wasmnn: dense: units must be a positive integer, got ${options?.units}`);
    }
    if (options.inputDim !== undefined && (!Number.isInteger(options.inputDim) || options.inputDim <= 0)) {
      throw new RangeError(`wasmnn: dense: inputDim must be a positive integer, got ${options.inputDim}`);
    }
    this.options = options;
    this.outputUnits = options.units;
    this.activation = resolveActivation(options.activation);
    this.relu = this.activation.name === 'relu';
    this.name = options.name ?? 'dense';
  }

  build(inputUnits: number, index: number): void {
    if (this.options.inputDim !== undefined && this.options.inputDim !== inputUnits) {
      throw new RangeError(`wasmnn: layer ${index} (${this.name}) has inputDim ${this.options.inputDim} but the previous layer gives ${inputUnits}`);
    }
    this.inputUnits = inputUnits;
    if (this.options.name === undefined) this.name = `dense_${index}`;
  }

  paramSpecs(): ParamSpec[] {
    const fanIn = this.inputUnits;
    const fanOut = this.outputUnits;
    const specs: ParamSpec[] = [
      { name: `${this.name}/kernel`, shape: [fanIn, fanOut], initializer: resolveInitializer(this.options.kernelInitializer, defaultUniform), fanIn, fanOut, regularizer: this.options.kernelRegularizer },
    ];
    if (this.options.useBias !== false) {
      specs.push({ name: `${this.name}/bias`, shape: [fanOut], initializer: resolveInitializer(this.options.biasInitializer, defaultUniform), fanIn, fanOut, regularizer: this.options.biasRegularizer });
    }
    return specs;
  }

  bindParams(params: Parameter[]): void {
    [this.W, this.b] = params;
  }

  plan(arena: Arena, maxRows: number): void {
    const bytes = maxRows * this.outputUnits * 4;
    this.output = arena.alloc(bytes);
    this.gradOutput = arena.alloc(bytes);
    this.pre = this.activation.isIdentity || this.relu ? this.output : arena.alloc(bytes);
  }

  release(arena: Arena): void {
    if (this.output === 0) return;
    arena.release(this.output);
    arena.release(this.gradOutput);
    if (this.pre !== this.output) arena.release(this.pre);
    this.output = this.gradOutput = this.pre = 0;
  }

  forward(ctx: StepContext, input: number): void {
    const { k, rows } = ctx;
    const out = this.outputUnits;
    this.input = input;
    k.gemm_nn_f32(this.pre, input, this.W.valuePtr, rows, out, this.inputUnits, 1, 0);
    if (this.relu && this.b) k.bias_relu_f32(this.output, this.pre, this.b.valuePtr, rows, out);
    else {
      if (this.b) k.bias_add_f32(this.pre, this.pre, this.b.valuePtr, rows, out);
      this.activation.forward(k, this.output, this.pre, rows, out);
    }
  }

  backward(ctx: StepContext, gradInput: number): void {
    const { k, rows } = ctx;
    const out = this.outputUnits;
    const dz = this.gradOutput;
    this.activation.backward(k, dz, dz, this.pre, this.output, rows, out);
    k.gemm_tn_f32(this.W.gradPtr, this.input, dz, this.inputUnits, out, rows, 1, 0);
    if (this.b) k.col_sum_f32(this.b.gradPtr, dz, rows, out, 0);
    if (gradInput !== 0) k.gemm_nt_f32(gradInput, dz, this.W.valuePtr, rows, this.inputUnits, out, 1, 0);
  }

  macsPerSample(): number {
    return this.inputUnits * this.outputUnits;
  }

  getConfig(): Record<string, unknown> {
    const o = this.options;
    const init = (i: unknown) => (typeof i === 'object' && i !== null ? (i as Initializer).getConfig() : i);
    return {
      kind: this.kind, name: this.name, units: o.units, inputDim: this.inputUnits,
      activation: this.activation.name === 'leakyRelu' || this.activation.name === 'elu' ? { name: this.activation.name, alpha: this.activation.alpha } : this.activation.name,
      useBias: o.useBias !== false, kernelInitializer: init(o.kernelInitializer), biasInitializer: init(o.biasInitializer),
      kernelRegularizer: o.kernelRegularizer?.getConfig(), biasRegularizer: o.biasRegularizer?.getConfig(),
    };
  }
}
