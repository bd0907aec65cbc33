// Optimizers in order of increasing state: each a thin factory over one fused wasm update.
export { sgd, Sgd, type SgdOptions } from './sgd.js';
export { adagrad, Adagrad, type AdagradOptions } from './adagrad.js';
export { rmsprop, Rmsprop, type RmspropOptions } from './rmsprop.js';
export { adam, adamw, Adam, type AdamOptions } from './adam.js';
export { adamax, Adamax, type AdamaxOptions } from './adamax.js';
export { nadam, Nadam, type NadamOptions } from './nadam.js';
export { adadelta, Adadelta, type AdadeltaOptions } from './adadelta.js';
export { Optimizer, type OptimizerOptions, type LearningRate, type RateSchedule } from './optimizer.js';
export { type DecayExclusion } from './decay-mask.js';
