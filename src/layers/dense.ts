// Dense: y = act(x @ W + b), with W stored [in, out] row-major.
// Lowered to matmul, a bias-row add and the activation; the engine's vjps give
// dz = dy * act'(z); dW = x^T dz (gemm TN); db = sum_rows dz; dx = dz W^T (gemm NT), and its
// fusion pass runs bias and ReLU as one in-place pass (bias_relu_f32).
import { type Initializer, type InitializerName, resolveInitializer, defaultUniform } from '../initializers/index.js';
import { type Activation, type ActivationSpec, resolveActivation } from './activations.js';
import { Layer, type ParamSpec } from './layer.js';
import type { Regularizer } from '../regularizers/index.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { matmul } from '../graph/ops/matmul.js';
import { binary } from '../graph/ops/elementwise.js';
import { activation } from '../graph/ops/activation.js';
import { ShapeError } from '../graph/op.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { kernelConfig } from './config.js';

const KEYS = optionKeys<DenseOptions>({ units: true, inputDim: true, activation: true, useBias: true, kernelInitializer: true, biasInitializer: true, kernelRegularizer: true, biasRegularizer: true, name: true });

export interface DenseOptions {
  units: number;
  /** Input width; required on the first layer of a Sequential model. */
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

export class Dense extends Layer {
  readonly kind = 'dense';
  readonly options: DenseOptions;
  readonly activation: Activation;

  constructor(options: DenseOptions) {
    checkOptions('layers.dense', options, KEYS, { inputShape: { use: 'inputDim' }, input_dim: { use: 'inputDim' }, bias: { use: 'useBias' }, outFeatures: { use: 'units' }, out_features: { use: 'units' } });
    if (!options || !Number.isInteger(options.units) || options.units <= 0) {
      throw new RangeError(`wasmnn: dense: units must be a positive integer, got ${options?.units}`);
    }
    if (options.inputDim !== undefined && (!Number.isInteger(options.inputDim) || options.inputDim <= 0)) {
      throw new RangeError(`wasmnn: dense: inputDim must be a positive integer, got ${options.inputDim}`);
    }
    super(options.name, 'dense');
    this.options = options;
    this.outputUnits = options.units;
    this.activation = resolveActivation(options.activation);
  }

  protected override configure(inputUnits: number, index: number): void {
    if (this.options.inputDim !== undefined && this.options.inputDim !== inputUnits) {
      const where = index >= 0 ? `layer ${index} (${this.name}) has inputDim ${this.options.inputDim} but the previous layer gives ${inputUnits}` : `${this.name} has inputDim ${this.options.inputDim} but is applied to ${inputUnits} columns`;
      throw new ShapeError(`wasmnn: ${where}`);
    }
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

  lower(x: SymbolicTensor): SymbolicTensor {
    let z = matmul(x, this.weight(0));
    if (this.options.useBias !== false) z = binary('add', z, this.weight(1));
    return activation(z, this.activation);
  }

  macsPerSample(): number {
    return this.outputShape.reduce((a, d) => a * d, 1) * this.inputUnits; // in*out at each position
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, units: this.options.units, inputDim: this.inputUnits, ...kernelConfig(this.activation, this.options) };
  }
}
