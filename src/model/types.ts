// The shapes of fit's options and results, shared by the model and the callbacks (which import
// only these types, not the model).
import type { MatrixLike } from '../data/matrix.js';
import type { Callback } from '../callbacks/index.js';

export interface EpochLogs {
  loss: number;
  [metric: string]: number;
}

export interface FitOptions {
  epochs?: number;
  /** Rows per step; a value >= the number of rows is full-batch gradient descent. Default 32. */
  batchSize?: number;
  shuffle?: boolean;
  validationData?: [MatrixLike | MatrixLike[], MatrixLike];
  /** A fraction in (0, 1): the last rows of x and y (before shuffling, as Keras) are held out as validation data. */
  validationSplit?: number;
  /** Called after every epoch with that epoch's logs; return `false` to stop training. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean | Promise<void | boolean>;
  /** Callbacks (callbacks.earlyStopping, callbacks.progress, or your own). */
  callbacks?: Callback[];
  /** Advance a learning-rate schedule once per 'epoch' (default) or per 'batch'. */
  scheduleUnit?: 'epoch' | 'batch';
}

/** Per-epoch values of the loss and every metric (`valLoss`, `valAccuracy`, ... for validation data). */
export interface History {
  epoch: number[];
  [metric: string]: number[];
}

export class TrainingError extends Error {
  override name = 'TrainingError';
}
