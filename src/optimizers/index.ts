export { sgd, Sgd, type SgdOptions } from './sgd.js';
export { Optimizer, type OptimizerOptions, type LearningRate, type RateSchedule } from './optimizer.js';
