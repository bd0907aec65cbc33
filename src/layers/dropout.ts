// Inverted dropout: in training y = x * mask, mask_i = 1/(1-rate) with probability 1-rate, else 0,
// drawn in wasm from the model's dropout PRNG stream; backward dx = dy * mask (the same mask).
// In evaluation it is the identity.
import type { Arena } from '../memory/arena.js';
import type { Layer, ParamSpec, StepContext } from './layer.js';

export interface DropoutOptions {
  /** Probability of zeroing an element, in [0, 1). */
  rate: number;
  name?: string;
}

export class Dropout implements Layer {
  readonly kind = 'dropout';
  name: string;
  readonly rate: number;
  inputUnits = 0;
  outputUnits = 0;
  output = 0;
  gradOutput = 0;
  private mask = 0;
  private named: boolean;

  constructor(options: DropoutOptions) {
    const rate = options?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`wasmnn: dropout rate must be in [0, 1), got ${rate}`);
    this.rate = rate;
    this.name = options.name ?? 'dropout';
    this.named = options.name !== undefined;
  }

  build(inputUnits: number, index: number): void {
    this.inputUnits = this.outputUnits = inputUnits;
    if (!this.named) this.name = `dropout_${index}`;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bindParams(): void {}

  plan(arena: Arena, maxRows: number): void {
    const bytes = maxRows * this.outputUnits * 4;
    this.output = arena.alloc(bytes);
    this.gradOutput = arena.alloc(bytes);
    this.mask = arena.alloc(bytes);
  }

  release(arena: Arena): void {
    if (this.output === 0) return;
    for (const p of [this.output, this.gradOutput, this.mask]) arena.release(p);
    this.output = this.gradOutput = this.mask = 0;
  }

  forward(ctx: StepContext, input: number): void {
    const n = ctx.rows * this.outputUnits;
    if (ctx.training && this.rate > 0) ctx.k.dropout_f32(this.output, this.mask, input, n, this.rate, ctx.dropoutState);
    else {
      ctx.k.identity_f32(this.output, input, n);
      ctx.k.fill_f32(this.mask, n, 1); // backward after an evaluation pass passes gradients through
    }
  }

  backward(ctx: StepContext, gradInput: number): void {
    if (gradInput !== 0) ctx.k.mul_f32(gradInput, this.gradOutput, this.mask, ctx.rows * this.outputUnits);
  }

  macsPerSample(): number {
    return 0;
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, rate: this.rate };
  }
}
