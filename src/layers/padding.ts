// Zero padding of channels-last images (Keras' ZeroPadding2D): y = x placed in zeros, `top` rows
// above, `bottom` below, `left` columns before, `right` after; the gradient is dy's inner box
// (graph/ops/pad.ts).
import { Layer, type ParamSpec } from './layer.js';
import { ShapeError } from '../graph/op.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { pad } from '../graph/ops/pad.js';
import { checkOptions } from '../validate/options.js';

/** n (all four sides), [h, w] (top and bottom h, left and right w) or [[top, bottom], [left, right]]. */
export type ZeroPadding2dSpec = number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];

export interface ZeroPadding2dOptions {
  /** Default 1 (Keras). */
  padding?: ZeroPadding2dSpec;
  inputShape?: readonly number[];
  name?: string;
}

/** [[top, bottom], [left, right]] from Keras' three forms, or a refusal. */
function pads(v: ZeroPadding2dSpec | undefined): [[number, number], [number, number]] {
  const ok = (d: unknown) => Number.isInteger(d) && (d as number) >= 0;
  if (v === undefined) return [[1, 1], [1, 1]];
  if (ok(v)) return [[v as number, v as number], [v as number, v as number]];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
  throw new RangeError(`wasmnn: zeroPadding2d: padding is a non-negative integer, [height, width] or [[top, bottom], [left, right]] of them, got ${JSON.stringify(v)}`);
}

export class ZeroPadding2D extends Layer {
  readonly kind = 'zeroPadding2d';
  readonly options: ZeroPadding2dOptions;
  readonly padding: [[number, number], [number, number]];

  constructor(options: ZeroPadding2dOptions = {}) {
    checkOptions('layers.zeroPadding2d', options, ['padding', 'inputShape', 'name'], { dataFormat: { use: 'name', note: 'wasmnn is channels-last only' } });
    super(options.name, 'zero_padding2d');
    this.options = options;
    this.padding = pads(options.padding);
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  macsPerSample(): number {
    return 0;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    if (shape.length !== 3) throw new ShapeError(`wasmnn: ${this.where(index)} takes images [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
    this.checkDeclared(shape, index);
    const [[t, b], [l, r]] = this.padding;
    return [shape[0] + t + b, shape[1] + l + r, shape[2]];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return pad(x, [[0, 0], this.padding[0], this.padding[1], [0, 0]]);
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, padding: this.padding, inputShape: this.inputShape };
  }
}
