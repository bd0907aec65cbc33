// Convolution layers (Keras names and options, channels-last, HWIO kernels; PyTorch's default
// initialisation, uniform(+-1/sqrt(fan_in)) with fan_in = kh*kw*cin/groups, for kernel and bias).
//   conv2d: y = act(conv(x, W) + b), W [kh, kw, cin/groups, filters]
//   depthwiseConv2d: groups = cin, W [kh, kw, 1, cin*depthMultiplier] (TF's depthwise kernel
//     [kh, kw, cin, multiplier] holds the same numbers in the same order)
// Lowered to the conv2d op (im2col + GEMM, src/graph/ops/conv.ts), a bias-row add over every
// position and the activation, so a ReLU fuses with the bias as in a dense layer.
import { type Initializer, type InitializerName, resolveInitializer, defaultUniform } from '../initializers/index.js';
import { type Activation, type ActivationSpec, resolveActivation } from './activations.js';
import { Layer, type ParamSpec } from './layer.js';
import type { Regularizer } from '../regularizers/index.js';
import { BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { binary } from '../graph/ops/elementwise.js';
import { activation } from '../graph/ops/activation.js';
import { conv2d, convGeometry } from '../graph/ops/conv.js';
import type { Conv2dGeometry, Padding } from '../reference/conv.js';
import { checkOptions } from '../validate/options.js';
import { kernelConfig } from './config.js';
import { pair, checkPadding, type PairOption } from './spatial.js';

export interface Conv2dLayerOptions {
  filters: number;
  kernelSize: PairOption;
  strides?: PairOption;
  /** 'valid' (default), 'same' (TensorFlow's: the odd pixel after) or [[top, bottom], [left, right]]. */
  padding?: Padding;
  dilationRate?: PairOption;
  groups?: number;
  activation?: ActivationSpec;
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** One sample's shape [height, width, channels]; required on the first layer of a Sequential model. */
  inputShape?: readonly number[];
  name?: string;
}

const CONV_KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'inputShape', 'name'];
const CONV_ALIASES = { kernel_size: { use: 'kernelSize' }, dilation: { use: 'dilationRate' }, dilations: { use: 'dilationRate' }, stride: { use: 'strides' }, dataFormat: { use: 'inputShape', note: 'wasmnn is channels-last only' }, outChannels: { use: 'filters' }, bias: { use: 'useBias' } };

export class Conv2D extends Layer {
  readonly kind: string = 'conv2d';
  readonly options: Conv2dLayerOptions;
  readonly activation: Activation;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly groups: number;
  geometry: Conv2dGeometry | undefined;

  constructor(options: Conv2dLayerOptions, op = 'conv2d', keys = CONV_KEYS) {
    checkOptions(`layers.${op}`, options, keys, CONV_ALIASES);
    if (!Number.isInteger(options.filters) || options.filters <= 0) throw new RangeError(`wasmnn: ${op}: filters must be a positive integer, got ${options.filters}`);
    super(options.name, op);
    this.options = options;
    this.kernelSize = pair(op, 'kernelSize', options.kernelSize, undefined);
    this.strides = pair(op, 'strides', options.strides, 1);
    this.dilations = pair(op, 'dilationRate', options.dilationRate, 1);
    this.groups = options.groups ?? 1;
    if (!Number.isInteger(this.groups) || this.groups <= 0) throw new RangeError(`wasmnn: ${op}: groups must be a positive integer, got ${options.groups}`);
    if (this.strides.some((s) => s > 1) && this.dilations.some((d) => d > 1)) throw new RangeError(`wasmnn: ${op}: strides > 1 with dilationRate > 1 is refused, as in Keras (strides ${this.strides}, dilationRate ${this.dilations})`);
    checkPadding(op, options.padding);
    this.activation = resolveActivation(options.activation);
  }

  protected get filters(): number {
    return this.options.filters;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    if (shape.length !== 3) throw new ShapeError(`wasmnn: ${this.where(index)} takes images [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
    this.checkDeclared(shape, index);
    const g = this.geometryFor(shape, index);
    this.geometry = g;
    return [g.oh, g.ow, g.cout];
  }

  protected geometryFor(shape: number[], index: number): Conv2dGeometry {
    const cin = shape[2];
    if (cin % this.groups !== 0) throw new ShapeError(`wasmnn: ${this.where(index)}: its input's ${cin} channels are not divisible by groups ${this.groups}`);
    if (this.filters % this.groups !== 0) throw new ShapeError(`wasmnn: ${this.where(index)}: filters ${this.filters} are not divisible by groups ${this.groups}`);
    return convGeometry(this.where(index), [BATCH, ...shape], [this.kernelSize[0], this.kernelSize[1], cin / this.groups, this.filters], this.attrs());
  }

  private attrs() {
    return { strides: this.strides, dilations: this.dilations, padding: this.options.padding ?? 'valid', groups: this.groups };
  }

  /** The kernel parameter's shape: HWIO. */
  protected kernelShape(cin: number): number[] {
    return [this.kernelSize[0], this.kernelSize[1], cin / this.groups, this.filters];
  }

  paramSpecs(): ParamSpec[] {
    const [kh, kw] = this.kernelSize;
    const cg = this.inputUnits / this.groups;
    const fanIn = kh * kw * cg, fanOut = kh * kw * this.filters;
    const specs: ParamSpec[] = [
      { name: `${this.name}/kernel`, shape: this.kernelShape(this.inputUnits), initializer: resolveInitializer(this.options.kernelInitializer, defaultUniform), fanIn, fanOut, regularizer: this.options.kernelRegularizer },
    ];
    if (this.options.useBias !== false) {
      specs.push({ name: `${this.name}/bias`, shape: [this.filters], initializer: resolveInitializer(this.options.biasInitializer, defaultUniform), fanIn, fanOut, regularizer: this.options.biasRegularizer });
    }
    return specs;
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    let z = conv2d(x, this.weight(0), this.attrs(), this.name);
    if (this.options.useBias !== false) z = binary('add', z, this.weight(1));
    return activation(z, this.activation);
  }

  macsPerSample(): number {
    const g = this.geometry!;
    return g.oh * g.ow * g.cout * g.kh * g.kw * (g.cin / g.groups);
  }

  getConfig(): Record<string, unknown> {
    return {
      kind: this.kind, name: this.name, filters: this.filters, kernelSize: this.kernelSize, strides: this.strides, padding: this.options.padding ?? 'valid',
      dilationRate: this.dilations, groups: this.groups, inputShape: this.inputShape, ...kernelConfig(this.activation, this.options),
    };
  }
}

export interface DepthwiseConv2dOptions extends Omit<Conv2dLayerOptions, 'filters' | 'groups'> {
  /** Output channels per input channel (default 1). */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerName | Initializer;
}

const DEPTHWISE_KEYS = ['kernelSize', 'strides', 'padding', 'dilationRate', 'depthMultiplier', 'activation', 'useBias', 'depthwiseInitializer', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'inputShape', 'name'];

/** A convolution of each channel on its own: conv2d with groups = channels. */
export class DepthwiseConv2D extends Conv2D {
  override readonly kind = 'depthwiseConv2d';
  readonly depthMultiplier: number;

  constructor(options: DepthwiseConv2dOptions) {
    const m = options?.depthMultiplier ?? 1;
    if (!Number.isInteger(m) || m <= 0) throw new RangeError(`wasmnn: depthwiseConv2d: depthMultiplier must be a positive integer, got ${options?.depthMultiplier}`);
    super({ ...options, kernelInitializer: options.depthwiseInitializer ?? options.kernelInitializer, filters: 1 } as Conv2dLayerOptions, 'depthwiseConv2d', [...DEPTHWISE_KEYS, 'filters']);
    this.depthMultiplier = m;
  }

  private cin = 0;

  protected override get filters(): number {
    return this.cin * this.depthMultiplier;
  }

  protected override geometryFor(shape: number[], index: number): Conv2dGeometry {
    this.cin = shape[2];
    (this as { groups: number }).groups = shape[2];
    return super.geometryFor(shape, index);
  }

  override getConfig(): Record<string, unknown> {
    const { filters: _f, groups: _g, ...rest } = super.getConfig();
    return { ...rest, kind: this.kind, depthMultiplier: this.depthMultiplier };
  }
}
