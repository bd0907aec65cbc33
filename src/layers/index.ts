import { Dense, type DenseOptions } from './dense.js';
import { Dropout, type DropoutOptions } from './dropout.js';

/** A fully-connected layer, `y = act(x @ W + b)`, W stored [in, out]. */
export const dense = (options: DenseOptions): Dense => new Dense(options);

/** Inverted dropout: zeroes each element with probability `rate` in training, scaling the rest by 1/(1-rate). */
export const dropout = (options: DropoutOptions): Dropout => new Dropout(options);

export { Dense, type DenseOptions, Dropout, type DropoutOptions };
export type { Layer, ParamSpec, StepContext } from './layer.js';
export type { ActivationName, ActivationSpec } from './activations.js';
