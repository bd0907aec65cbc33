// Learning-rate schedules: pass one as an optimizer's lr; fit advances it per epoch (or per
// batch with scheduleUnit: 'batch'); schedule.rate(epoch) gives the rate without training.
import type { Schedule } from './schedule.js';
import { step, multiStep, exponential, cosine, linearWarmup } from './torch.js';
import { oneCycle } from './one-cycle.js';
import { exponentialDecay, piecewiseConstant } from './keras.js';
import { reduceOnPlateau } from './plateau.js';

export { step, multiStep, exponential, cosine, linearWarmup, oneCycle, exponentialDecay, piecewiseConstant, reduceOnPlateau };
export type { Schedule } from './schedule.js';
export type { PlateauSchedule, PlateauOptions } from './plateau.js';

const FACTORIES: Record<string, (c: any) => Schedule> = { step, multiStep, exponential, cosine, linearWarmup, oneCycle, exponentialDecay, piecewiseConstant, reduceOnPlateau };

/** Rebuilds a schedule from its getConfig() (a fresh one, for reduceOnPlateau). */
export function fromConfig(config: { kind: string } & Record<string, unknown>): Schedule {
  const f = FACTORIES[config?.kind];
  if (!f) throw new RangeError(`wasmnn: unknown schedule kind '${config?.kind}'; known: ${Object.keys(FACTORIES).join(', ')}`);
  const { kind: _kind, ...rest } = config;
  return f(rest);
}
