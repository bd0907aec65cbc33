// The part of getConfig() that every layer with an activation, a kernel and a bias writes alike
// (dense, conv2d, depthwiseConv2d): what model/serialize.ts reads back.
import type { Activation } from './activations.js';
import type { Initializer, InitializerName } from '../initializers/index.js';
import type { Regularizer } from '../regularizers/index.js';

export interface KernelOptions {
  useBias?: boolean;
  kernelInitializer?: InitializerName | Initializer;
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
}

const initializerConfig = (i: unknown) => (typeof i === 'object' && i !== null ? (i as Initializer).getConfig() : i);

export function kernelConfig(act: Activation, o: KernelOptions): Record<string, unknown> {
  return {
    activation: act.name === 'leakyRelu' || act.name === 'elu' ? { name: act.name, alpha: act.alpha } : act.name,
    useBias: o.useBias !== false, kernelInitializer: initializerConfig(o.kernelInitializer), biasInitializer: initializerConfig(o.biasInitializer),
    kernelRegularizer: o.kernelRegularizer?.getConfig(), biasRegularizer: o.biasRegularizer?.getConfig(),
  };
}
