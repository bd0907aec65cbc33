// What a layer is to a Sequential model. A layer declares its parameters (the model
// places them in one flat region), plans its activation buffers for a maximum batch
// size, and runs forward/backward on pointers. Training mode and randomness are
// passed in explicitly: there is no global "training" flag.
import type { Arena } from '../memory/arena.js';
import type { Kernels } from '../wasm/exports.js';
import type { Initializer } from '../initializers/index.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Parameter } from '../optimizers/parameter.js';

export interface ParamSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
  fanIn: number;
  fanOut: number;
  regularizer?: Regularizer;
}

export interface StepContext {
  k: Kernels;
  rows: number;
  training: boolean;
  /** Pointer to the PRNG state for dropout masks. */
  dropoutState: number;
}

export interface Layer {
  readonly kind: string;
  readonly name: string;
  readonly inputUnits: number;
  readonly outputUnits: number;
  /** Sets the input width (from the previous layer) and validates the layer's options. */
  build(inputUnits: number, index: number): void;
  paramSpecs(): ParamSpec[];
  /** The model hands back the parameters it allocated, in paramSpecs() order. */
  bindParams(params: Parameter[]): void;
  /** Allocates buffers for up to maxRows rows; `output` and `gradOutput` are valid after it. */
  plan(arena: Arena, maxRows: number): void;
  release(arena: Arena): void;
  /** Frees what the layer holds beyond its plan (e.g. running statistics), when the model is disposed. */
  dispose?(arena: Arena): void;
  /** Pointer to this layer's output [maxRows, outputUnits]. */
  readonly output: number;
  /** Pointer to dLoss/dOutput [maxRows, outputUnits], written by the next layer or the loss. */
  readonly gradOutput: number;
  forward(ctx: StepContext, input: number): void;
  /** Consumes gradOutput (may overwrite it); writes parameter gradients and, unless gradInput is 0, dLoss/dInput. */
  backward(ctx: StepContext, gradInput: number): void;
  /** Multiply-accumulates per sample. */
  macsPerSample(): number;
  getConfig(): Record<string, unknown>;
}
