// An activation on its own, y = f(x), for stacks like dense -> batchNorm -> relu.
import type { Arena } from '../memory/arena.js';
import { type Activation, type ActivationSpec, resolveActivation } from './activations.js';
import type { Layer, ParamSpec, StepContext } from './layer.js';

export class ActivationLayer implements Layer {
  readonly kind = 'activation';
  name: string;
  readonly activation: Activation;
  inputUnits = 0;
  outputUnits = 0;
  output = 0;
  gradOutput = 0;
  private input = 0;
  private readonly named: boolean;

  constructor(options: { activation: ActivationSpec; name?: string }) {
    this.activation = resolveActivation(options?.activation);
    this.name = options.name ?? 'activation';
    this.named = options.name !== undefined;
  }

  build(inputUnits: number, index: number): void {
    this.inputUnits = this.outputUnits = inputUnits;
    if (!this.named) this.name = `${this.activation.name}_${index}`;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  bindParams(): void {}

  plan(arena: Arena, maxRows: number): void {
    this.output = arena.alloc(maxRows * this.outputUnits * 4);
    this.gradOutput = arena.alloc(maxRows * this.outputUnits * 4);
  }

  release(arena: Arena): void {
    if (this.output === 0) return;
    arena.release(this.output);
    arena.release(this.gradOutput);
    this.output = this.gradOutput = 0;
  }

  forward(ctx: StepContext, input: number): void {
    this.input = input;
    this.activation.forward(ctx.k, this.output, input, ctx.rows, this.outputUnits);
  }

  backward(ctx: StepContext, gradInput: number): void {
    if (gradInput !== 0) this.activation.backward(ctx.k, gradInput, this.gradOutput, this.input, this.output, ctx.rows, this.outputUnits);
  }

  macsPerSample(): number {
    return 0;
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, activation: this.activation.name, alpha: this.activation.alpha };
  }
}
