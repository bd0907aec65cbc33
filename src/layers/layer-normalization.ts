// Layer normalisation (Keras' LayerNormalization, PyTorch's nn.LayerNorm numerics): each
// position's features normalised by their own mean and biased variance, y = gamma*xhat + beta,
// gamma starting at 1 and beta at 0; the same in training and evaluation (no running statistics).
// NOTE: epsilon defaults to PyTorch's 1e-5, not Keras' 1e-3 (the project follows PyTorch's
// numerics); only the last axis (axis -1), Keras' default.
import { ones, zeros } from '../initializers/index.js';
import { Layer, type ParamSpec } from './layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { layerNorm } from '../graph/ops/layer-norm.js';
import { ShapeError } from '../graph/op.js';
import { checkOptions } from '../validate/options.js';

export interface LayerNormalizationOptions {
  /** The axis normalised: -1 (the last), the only one for now. */
  axis?: number;
  /** Added to the variance; PyTorch's 1e-5 by default (Keras' is 1e-3). */
  epsilon?: number;
  /** One sample's shape, as the first layer of a Sequential model. */
  inputShape?: readonly number[];
  name?: string;
}

export class LayerNormalization extends Layer {
  readonly kind = 'layerNormalization';
  readonly options: LayerNormalizationOptions;
  readonly epsilon: number;

  constructor(options: LayerNormalizationOptions = {}) {
    checkOptions('layers.layerNormalization', options, ['axis', 'epsilon', 'inputShape', 'name'], { eps: { use: 'epsilon', note: "PyTorch's default (and ours) is 1e-5, Keras' 1e-3" }, normalizedShape: { use: 'inputShape' }, center: { use: 'name', note: 'beta is always learned' }, scale: { use: 'name', note: 'gamma is always learned' } });
    const epsilon = options.epsilon ?? 1e-5;
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`wasmnn: layerNormalization: epsilon must be a finite number > 0, got ${String(epsilon)}`);
    if (options.axis !== undefined && options.axis !== -1) throw new RangeError(`wasmnn: layerNormalization normalises the last axis only (axis -1), got axis ${JSON.stringify(options.axis)}`);
    super(options.name, 'layer_normalization');
    this.options = options;
    this.epsilon = epsilon;
  }

  protected override get prefix(): string {
    return 'layer_normalization';
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    if (shape.length === 0) throw new ShapeError(`wasmnn: ${this.where(index)} needs features to normalise`);
    return [...shape];
  }

  paramSpecs(): ParamSpec[] {
    const n = this.inputUnits;
    return [
      { name: `${this.name}/gamma`, shape: [n], initializer: ones(), fanIn: n, fanOut: n, role: 'norm' },
      { name: `${this.name}/beta`, shape: [n], initializer: zeros(), fanIn: n, fanOut: n, role: 'norm' },
    ];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return layerNorm(x, this.weight(0), this.weight(1), { epsilon: this.epsilon }, this.name);
  }

  macsPerSample(): number {
    return this.inputShape.reduce((a, b) => a * b, 1); // one multiply-add per element (scale and shift)
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, axis: -1, epsilon: this.epsilon, inputShape: this.inputShape };
  }
}
