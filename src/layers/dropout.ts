// Inverted dropout: in training y = x * mask, mask_i = 1/(1-rate) with probability 1-rate, else 0,
// drawn in wasm from the model's dropout PRNG stream; backward dx = dy * mask (the same mask).
// In evaluation it is the identity.
import { Layer, type ParamSpec } from './layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { dropout } from '../graph/ops/dropout.js';
import { checkOptions } from '../validate/options.js';

export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1). */
  rate: number;
  name?: string;
}

export class Dropout extends Layer {
  readonly kind = 'dropout';
  readonly rate: number;

  constructor(options: DropoutOptions) {
    checkOptions('layers.dropout', options, ['rate', 'name'], { p: { use: 'rate' } });
    const rate = options?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`wasmnn: dropout rate must be in [0, 1), got ${rate}`);
    super(options.name, 'dropout');
    this.rate = rate;
  }

  protected override configure(inputUnits: number): void {
    this.outputUnits = inputUnits;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return dropout(x, this.rate);
  }

  macsPerSample(): number {
    return 0;
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, rate: this.rate };
  }
}
