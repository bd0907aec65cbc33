// What a model's training step, its evaluation and its training loop read: the runtime, the
// model's inputs and the state the other rooms keep. Model makes one and hands it to each.
import type { Runtime } from '../wasm/init.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import type { Weights } from './weights.js';
import type { Compilation } from './compiled.js';
import type { DataChecks } from './checks.js';
import type { HeapViews } from './resident.js';

export interface Rooms {
  readonly rt: Runtime;
  readonly inputs: readonly SymbolicTensor[];
  readonly weights: Weights;
  readonly compiled: Compilation;
  readonly checks: DataChecks;
  readonly heap: HeapViews;
}
