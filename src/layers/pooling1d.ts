// 1-D pooling layers over channels-last sequences [batch, steps, c], Keras' names and defaults:
// maxPooling1d and averagePooling1d (poolSize 2, strides poolSize, padding 'valid' | 'same'),
// globalMaxPooling1d and globalAveragePooling1d ([batch, steps, c] -> [batch, c]). Each lowers to
// graph/ops/pool1d.ts, the 2-D pooling ops over a height of 1 (as conv1d is conv2d's).
import { Layer, type ParamSpec } from './layer.js';
import { BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { avgPool1d, globalAvgPool1d, globalMaxPool1d, maxPool1d, pool1dGeometry } from '../graph/ops/pool1d.js';
import { checkOptions } from '../validate/options.js';

export interface Pooling1dOptions {
  /** The window (default 2); n or [n]. */
  poolSize?: number | readonly [number];
  /** Default poolSize, as Keras; n or [n]. */
  strides?: number | readonly [number];
  /** 'valid' (default) or 'same' (TensorFlow's: the odd pad after). */
  padding?: 'valid' | 'same';
  inputShape?: readonly number[];
  name?: string;
}

const KEYS = ['poolSize', 'strides', 'padding', 'inputShape', 'name'];
const ALIASES = { pool_size: { use: 'poolSize' }, kernelSize: { use: 'poolSize' }, kernel_size: { use: 'poolSize' }, stride: { use: 'strides' }, dataFormat: { use: 'inputShape', note: 'wasmnn is channels-last only' } };

/** A layer without weights that takes sequences. */
abstract class SequencePooling extends Layer {
  paramSpecs(): ParamSpec[] {
    return [];
  }

  macsPerSample(): number {
    return 0;
  }

  protected sequences(shape: number[], index: number): void {
    if (shape.length !== 2) throw new ShapeError(`wasmnn: ${this.where(index)} takes sequences [batch, steps, channels], got [batch, ${shape.join(', ')}]`);
    this.checkDeclared(shape, index);
  }
}

/** n or [n] as n ('fallback' when left out); the ops check that it is a positive integer. */
function single(kind: string, what: string, v: number | readonly [number] | undefined, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (!Number.isInteger(n) || (n as number) <= 0) throw new RangeError(`wasmnn: ${kind}: ${what} must be a positive integer or [n], got ${JSON.stringify(v)}`);
  return n as number;
}

/** Max or average pooling over windows of steps of each channel. */
export class Pooling1D extends SequencePooling {
  readonly kind: 'maxPooling1d' | 'averagePooling1d';
  readonly options: Pooling1dOptions;
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';

  constructor(kind: 'maxPooling1d' | 'averagePooling1d', options: Pooling1dOptions = {}) {
    checkOptions(`layers.${kind}`, options, KEYS, ALIASES);
    super(options.name, kind);
    this.kind = kind;
    this.options = options;
    this.poolSize = single(kind, 'poolSize', options.poolSize, 2);
    this.strides = single(kind, 'strides', options.strides, this.poolSize);
    const p = options.padding ?? 'valid';
    if (p !== 'valid' && p !== 'same') throw new RangeError(`wasmnn: ${kind}: padding is 'valid' or 'same', got ${JSON.stringify(p)}`);
    this.padding = p;
  }

  private attrs() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.sequences(shape, index);
    const g = pool1dGeometry(this.where(index), [BATCH, ...shape], this.attrs());
    return [g.ow, g.c];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return (this.kind === 'maxPooling1d' ? maxPool1d : avgPool1d)(x, this.attrs(), this.name);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, poolSize: this.poolSize, strides: this.strides, padding: this.padding, inputShape: this.inputShape };
  }
}

/** The maximum or mean of each channel over every step: [batch, steps, c] -> [batch, c]. */
export class GlobalPooling1D extends SequencePooling {
  readonly kind: 'globalMaxPooling1d' | 'globalAveragePooling1d';
  readonly options: { inputShape?: readonly number[]; name?: string };

  constructor(kind: 'globalMaxPooling1d' | 'globalAveragePooling1d', options: { inputShape?: readonly number[]; name?: string } = {}) {
    checkOptions(`layers.${kind}`, options, ['inputShape', 'name'], { keepdims: { use: 'name', note: 'the output is [batch, channels]; reshape it to keep the steps axis' }, dataFormat: { use: 'inputShape', note: 'wasmnn is channels-last only' } });
    super(options.name, kind);
    this.kind = kind;
    this.options = options;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.sequences(shape, index);
    return [shape[1]];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return (this.kind === 'globalMaxPooling1d' ? globalMaxPool1d : globalAvgPool1d)(x, this.name);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, inputShape: this.inputShape };
  }
}

/** A 1-D pooling layer from its getConfig() (save/load). */
export function pooling1dFrom(c: Record<string, unknown>, common: { name?: string; inputShape?: readonly number[] }): Layer | undefined {
  const o = c as Record<string, never>;
  switch (c.kind) {
    case 'maxPooling1d':
    case 'averagePooling1d': return new Pooling1D(c.kind, { ...common, poolSize: o.poolSize, strides: o.strides, padding: o.padding });
    case 'globalMaxPooling1d':
    case 'globalAveragePooling1d': return new GlobalPooling1D(c.kind, common);
    default: return undefined;
  }
}
