// An activation on its own, y = f(x), for stacks like dense -> batchNorm -> relu.
import { type Activation, type ActivationSpec, resolveActivation } from './activations.js';
import { Layer, type ParamSpec } from './layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { activation } from '../graph/ops/activation.js';
import { checkOptions } from '../validate/options.js';

export class ActivationLayer extends Layer {
  readonly kind = 'activation';
  readonly activation: Activation;

  constructor(options: { activation: ActivationSpec; name?: string }) {
    checkOptions('layers.activation', options, ['activation', 'name']);
    const act = resolveActivation(options?.activation);
    super(options?.name, 'activation');
    this.activation = act;
  }

  protected override get prefix(): string {
    return this.activation.name;
  }

  protected override configure(inputUnits: number): void {
    this.outputUnits = inputUnits;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return activation(x, this.activation);
  }

  macsPerSample(): number {
    return 0;
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, activation: this.activation.name, alpha: this.activation.alpha };
  }
}
