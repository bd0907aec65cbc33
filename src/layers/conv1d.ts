// A 1-D convolution over channels-last sequences (Keras' Conv1D): y = act(conv(x, W) + b),
// x [batch, width, cin], W [kernelSize, cin/groups, filters] (tfjs' layout), y [batch, ow, filters].
// It is a conv2d layer over a height of 1: the same geometry (kh = 1), initialisation
// (uniform(+-1/sqrt(kernelSize*cin/groups)), PyTorch's), bias and activation, lowered to the
// conv1d op (graph/ops/conv.ts), which reshapes to conv2d's without a copy.
import { Conv2D, type Conv2dLayerOptions } from './conv.js';
import { ShapeError } from '../graph/op.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { binary } from '../graph/ops/elementwise.js';
import { activation } from '../graph/ops/activation.js';
import { conv1d, conv1dPadding, type Padding1d } from '../graph/ops/conv.js';
import type { Conv2dGeometry } from '../reference/conv.js';
import { checkOptions } from '../validate/options.js';
import { kernelConfig } from './config.js';

export interface Conv1dLayerOptions extends Omit<Conv2dLayerOptions, 'kernelSize' | 'strides' | 'padding' | 'dilationRate'> {
  kernelSize: number | readonly [number];
  strides?: number | readonly [number];
  /** 'valid' (default), 'same' (TensorFlow's), 'causal' (Keras: dilation*(k-1) zeros before) or [left, right]. */
  padding?: Padding1d;
  dilationRate?: number | readonly [number];
}

const KEYS = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'groups', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'inputShape', 'name'];
const ALIASES = { kernel_size: { use: 'kernelSize' }, dilation: { use: 'dilationRate' }, stride: { use: 'strides' }, dataFormat: { use: 'inputShape', note: 'wasmnn is channels-last only' }, outChannels: { use: 'filters' }, bias: { use: 'useBias' } };

/** n or [n] as n, a positive integer (`fallback` when left out, unless undefined). */
function single(what: string, v: number | readonly [number] | undefined, fallback: number | undefined): number {
  if (v === undefined && fallback !== undefined) return fallback;
  const n = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!Number.isInteger(n) || (n as number) <= 0) throw new RangeError(`wasmnn: conv1d: ${what} must be a positive integer or [n], got ${JSON.stringify(v)}`);
  return n as number;
}

export class Conv1D extends Conv2D {
  override readonly kind = 'conv1d';
  /** The padding as given ('causal' kept as such). */
  readonly padding1d: Padding1d;

  constructor(options: Conv1dLayerOptions) {
    checkOptions('layers.conv1d', options, KEYS, ALIASES);
    const k = single('kernelSize', options.kernelSize, undefined), s = single('strides', options.strides, 1), d = single('dilationRate', options.dilationRate, 1);
    super({ ...options, kernelSize: [1, k], strides: [1, s], dilationRate: [1, d], padding: conv1dPadding('conv1d', options.padding, k, d) }, 'conv1d');
    this.padding1d = options.padding ?? 'valid';
  }

  protected override configureShape(shape: number[], index: number): number[] {
    if (shape.length !== 2) throw new ShapeError(`wasmnn: ${this.where(index)} takes sequences [batch, width, channels], got [batch, ${shape.join(', ')}]`);
    this.checkDeclared(shape, index);
    const g: Conv2dGeometry = this.geometryFor([1, ...shape], index);
    this.geometry = g;
    return [g.ow, g.cout];
  }

  /** [kernelSize, cin/groups, filters]. */
  protected override kernelShape(cin: number): number[] {
    return [this.kernelSize[1], cin / this.groups, this.filters];
  }

  override lower(x: SymbolicTensor): SymbolicTensor {
    let z = conv1d(x, this.weight(0), { stride: this.strides[1], dilation: this.dilations[1], padding: this.padding1d, groups: this.groups }, this.name);
    if (this.options.useBias !== false) z = binary('add', z, this.weight(1));
    return activation(z, this.activation);
  }

  override getConfig(): Record<string, unknown> {
    return {
      kind: this.kind, name: this.name, filters: this.filters, kernelSize: this.kernelSize[1], strides: this.strides[1], padding: this.padding1d,
      dilationRate: this.dilations[1], groups: this.groups, inputShape: this.inputShape, ...kernelConfig(this.activation, this.options),
    };
  }
}
