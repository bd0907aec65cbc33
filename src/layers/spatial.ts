// Layers over the positions of channels-last images: pooling, flattening and reshaping, and the
// option helpers the convolution layers share (a size given as n or [h, w], a padding).
import { Layer, type ParamSpec } from './layer.js';
import { BATCH, sizeOf, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { avgPool2d, globalAvgPool2d, maxPool2d, poolGeometry } from '../graph/ops/conv.js';
import { flatten, reshape } from '../graph/ops/reshape.js';
import { explicitPads, type Padding } from '../reference/conv.js';
import { checkOptions } from '../validate/options.js';

export type PairOption = number | readonly [number, number];

/** n or [h, w] as [h, w] of positive integers (`fallback` when left out, unless undefined). */
export function pair(op: string, what: string, v: PairOption | undefined, fallback: number | undefined): [number, number] {
  if (v === undefined && fallback !== undefined) return [fallback, fallback];
  const p = typeof v === 'number' ? [v, v] : v;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`wasmnn: ${op}: ${what} must be a positive integer or [height, width] of them, got ${JSON.stringify(v)}`);
  }
  return [p[0], p[1]];
}

export function checkPadding(op: string, padding: Padding | undefined): void {
  if (padding === undefined) return;
  try {
    const pads = explicitPads(padding, [1, 1], [1, 1]);
    if (!pads.flat().every((d) => Number.isInteger(d) && d >= 0)) throw new RangeError(`wasmnn: pads must be non-negative integers, got ${JSON.stringify(padding)}`);
  } catch (err) {
    throw new RangeError(`wasmnn: ${op}: ${(err as Error).message.replace(/^wasmnn: /, '')}`);
  }
}

/** A layer without weights. */
abstract class Shaping extends Layer {
  paramSpecs(): ParamSpec[] {
    return [];
  }

  macsPerSample(): number {
    return 0;
  }

  protected images(shape: number[], index: number): void {
    if (shape.length !== 3) throw new ShapeError(`wasmnn: ${this.where(index)} takes images [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
  }
}

export interface Pooling2dOptions {
  /** The window, n or [h, w] (default 2). */
  poolSize?: PairOption;
  /** Default poolSize, as Keras. */
  strides?: PairOption;
  padding?: Padding;
  inputShape?: readonly number[];
  name?: string;
}

const POOL_KEYS = ['poolSize', 'strides', 'padding', 'inputShape', 'name'];
const POOL_ALIASES = { pool_size: { use: 'poolSize' }, kernelSize: { use: 'poolSize' }, kernel_size: { use: 'poolSize' }, stride: { use: 'strides' } };

/** Max or average pooling over windows of each channel. */
export class Pooling2D extends Shaping {
  readonly kind: 'maxPooling2d' | 'averagePooling2d';
  readonly options: Pooling2dOptions;
  readonly poolSize: [number, number];
  readonly strides: [number, number];

  constructor(kind: 'maxPooling2d' | 'averagePooling2d', options: Pooling2dOptions = {}) {
    checkOptions(`layers.${kind}`, options, POOL_KEYS, POOL_ALIASES);
    super(options.name, kind);
    this.kind = kind;
    this.options = options;
    this.poolSize = pair(kind, 'poolSize', options.poolSize, 2);
    this.strides = options.strides === undefined ? this.poolSize : pair(kind, 'strides', options.strides, undefined);
    checkPadding(kind, options.padding);
  }

  private attrs() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.options.padding ?? 'valid' };
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.images(shape, index);
    this.checkDeclared(shape, index);
    const g = poolGeometry(this.where(index), [BATCH, ...shape], this.attrs());
    return [g.oh, g.ow, g.c];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return (this.kind === 'maxPooling2d' ? maxPool2d : avgPool2d)(x, this.attrs(), this.name);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.options.padding ?? 'valid', inputShape: this.inputShape };
  }
}

/** The mean of each channel over every position: [batch, h, w, c] -> [batch, c]. */
export class GlobalAveragePooling2D extends Shaping {
  readonly kind = 'globalAveragePooling2d';
  readonly options: { inputShape?: readonly number[]; name?: string };

  constructor(options: { inputShape?: readonly number[]; name?: string } = {}) {
    checkOptions('layers.globalAveragePooling2d', options, ['inputShape', 'name'], { keepdims: { use: 'name', note: 'the output is [batch, channels]; reshape it to keep the dimensions' } });
    super(options.name, 'global_average_pooling2d');
    this.options = options;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.images(shape, index);
    this.checkDeclared(shape, index);
    return [shape[2]];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return globalAvgPool2d(x, this.name);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, inputShape: this.inputShape };
  }
}

/** [batch, ...] -> [batch, elements per sample], in channels-last order (as Keras); copies nothing. */
export class Flatten extends Shaping {
  readonly kind = 'flatten';
  readonly options: { inputShape?: readonly number[]; name?: string };

  constructor(options: { inputShape?: readonly number[]; name?: string } = {}) {
    checkOptions('layers.flatten', options, ['inputShape', 'name'], { dataFormat: { use: 'name', note: 'wasmnn is channels-last only' } });
    super(options.name, 'flatten');
    this.options = options;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    return [sizeOf(shape)];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return flatten(x);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, inputShape: this.inputShape };
  }
}

/** Each sample to `targetShape` (one -1 may stand for what the others leave); copies nothing. */
export class Reshape extends Shaping {
  readonly kind = 'reshape';
  readonly options: { targetShape: readonly number[]; inputShape?: readonly number[]; name?: string };

  constructor(options: { targetShape: readonly number[]; inputShape?: readonly number[]; name?: string }) {
    checkOptions('layers.reshape', options, ['targetShape', 'inputShape', 'name'], { shape: { use: 'targetShape' } });
    const t = options?.targetShape;
    if (!Array.isArray(t) || t.length === 0 || !t.every((d) => Number.isInteger(d) && (d > 0 || d === -1)) || t.filter((d) => d === -1).length > 1) {
      throw new RangeError(`wasmnn: reshape: targetShape must be positive integers with at most one -1, got ${JSON.stringify(t)}`);
    }
    super(options.name, 'reshape');
    this.options = options;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    const n = sizeOf(shape), t = [...this.options.targetShape], free = t.indexOf(-1);
    const rest = sizeOf(t.filter((d) => d !== -1));
    if (free >= 0 && n % rest === 0) t[free] = n / rest;
    if (sizeOf(t) !== n) throw new ShapeError(`wasmnn: ${this.where(index)}: targetShape [${this.options.targetShape}] does not hold the ${n} elements of [batch, ${shape.join(', ')}]`);
    return t;
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return reshape(x, [BATCH, ...this.outputShape], this.name);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, targetShape: this.options.targetShape, inputShape: this.inputShape };
  }
}
