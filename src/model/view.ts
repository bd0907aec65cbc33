// What a model is to the code that reads or builds one from outside the training rooms (save and
// load, the summary, src/interop): its graph, its parameters and its options. It sits below both
// model.ts and src/interop/, which import it and never each other, so that no import circle runs
// through the model: Model implements ModelView, and whoever must build a model is handed a
// builder (ChainBuilder, GraphBuilder) by its caller.
import type { Layer } from '../layers/layer.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import type { Operand } from '../graph/api.js';
import type { Loss, LossName, CustomLossSpec } from '../losses/index.js';
import type { MetricName } from '../metrics/index.js';
import type { CharTokenizer } from '../data/tokenizer.js';

export interface ModelOptions {
  /** Seed of every random draw: initial weights, shuffling, dropout masks. Default 0. */
  seed?: number;
  name?: string;
}

/** A loss written with ops: `(pred, target) => scalar`; its gradient is derived. */
export type GraphLoss = ((pred: SymbolicTensor, target: SymbolicTensor) => Operand) & { lossName?: string };

export interface CompileOptions {
  loss: LossName | Loss | CustomLossSpec | GraphLoss;
  optimizer: Optimizer;
  metrics?: MetricName[];
  /** The batch size to plan memory for (fit replans if it is given a larger one). Default 32. */
  batchSize?: number;
}

export interface ModelGraph {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
}

/** A model as save/load, the summary and the interop formats see it. */
export interface ModelView {
  readonly name: string;
  readonly seed: number;
  /** The layers, in the order they are first applied (getWeights() order). */
  readonly layers: readonly Layer[];
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  /** Columns of the first input and of the first output. */
  readonly inputUnits: number;
  readonly outputUnits: number;
  /** The compiled optimizer, loss config and metric names (undefined before compile). */
  readonly optimizer: Optimizer | undefined;
  readonly lossConfig: Record<string, unknown> | undefined;
  readonly metrics: readonly MetricName[];
  /** Bytes of the largest planned program. */
  readonly planBytes: number;
  /** The tokenizer saved with the model, if any. */
  tokenizer: CharTokenizer | undefined;
  parameters(): readonly Parameter[];
  /** True when the graph is a chain of layer calls from the one input (saved in the Sequential format). */
  isChain(): boolean;
  getWeights(): Float32Array[];
  setWeights(weights: readonly ArrayLike<unknown>[]): void;
  exportRng(): number[];
  importRng(words: readonly number[]): void;
  exportShuffleOrder(): Int32Array | undefined;
  importShuffleOrder(order: ArrayLike<number> | undefined): void;
  compile(options: CompileOptions): void;
  dispose(): void;
}

/** Builds a model from layers in a chain (Sequential.load passes `new Sequential`). */
export type ChainBuilder<M extends ModelView = ModelView> = (layers: Layer[], options: ModelOptions) => M;

/** Builds a functional model from a graph (Model.load passes `new Model`). */
export type GraphBuilder<M extends ModelView = ModelView> = (graph: ModelGraph, options: ModelOptions) => M;
