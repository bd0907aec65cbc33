import { Dense, type DenseOptions } from './dense.js';

/** A fully-connected layer, `y = act(x @ W + b)`, W stored [in, out]. */
export const dense = (options: DenseOptions): Dense => new Dense(options);

export { Dense, type DenseOptions };
export type { Layer, ParamSpec, StepContext } from './layer.js';
export type { ActivationName, ActivationSpec } from './activations.js';
