// The public surface of wasmnn: everything a user imports comes from here.
export { init, relaxedSimdSupported, type WasmSource, type InitOptions } from './wasm/init.js';
export { OutOfMemoryError } from './memory/arena.js';
export { Sequential, TrainingError, type SequentialOptions, type CompileOptions, type FitOptions, type History, type EpochLogs } from './model/sequential.js';
export { Parameter, parameter } from './optimizers/parameter.js';
export type { SavedModel, Topology } from './model/serialize.js';
export { Matrix, type MatrixLike } from './data/matrix.js';
export * as layers from './layers/index.js';
export * as optimizers from './optimizers/index.js';
export * as initializers from './initializers/index.js';
export * as losses from './losses/index.js';
export * as data from './data/index.js';
export * as plot from './plot/index.js';
export * as regularizers from './regularizers/index.js';
export * as schedules from './schedules/index.js';
export * as callbacks from './callbacks/index.js';
export { toSafetensors, fromSafetensors, readSafetensors, SafetensorsError, type SafetensorsOptions, type SafetensorsLayout, type SafetensorsFile, type SafetensorsTensor } from './interop/safetensors.js';
export { toPytorchModule } from './interop/pytorch.js';
export { toTfjs, fromTfjs, TfjsFormatError, type TfjsArtifacts, type TfjsWeightSpec } from './interop/tfjs.js';
