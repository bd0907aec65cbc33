// The shapes of fit's options and results. The callbacks' own types (EpochLogs) live in
// src/callbacks, which imports nothing of the model.
import type { MatrixLike } from '../data/matrix.js';
import type { Callback, EpochLogs } from '../callbacks/index.js';

export type { EpochLogs };

export interface FitOptions {
  /** Epochs to train in this call (the passes over the data). Default 1. */
  epochs?: number;
  /**
   * The number of this call's first epoch (history.epoch, the callbacks' epoch, the epoch
   * schedule). Default: the epochs the optimizer has trained so far, across fit calls and
   * save/load, so fit(k) then fit(n - k) is one fit(n). NOTE: Keras' `epochs` is the epoch to
   * stop before; here it is a count, so fit({ initialEpoch: 5, epochs: 10 }) trains epochs 5..14.
   */
  initialEpoch?: number;
  /** Rows per step; a value >= the number of rows is full-batch gradient descent. Default 32. */
  batchSize?: number;
  shuffle?: boolean;
  validationData?: [MatrixLike | MatrixLike[], MatrixLike];
  /**
   * A weight per class (Keras' class_weight): `{ 0: 1, 1: 5 }` or `[1, 5]`. Each row's loss is
   * multiplied by its class's weight and the batch's loss is their sum over the batch size, as
   * Keras; classes without a weight weigh 1. Training loss only (validation and evaluate are not
   * weighted). Class indices, one-hot rows (argmax) or 0/1 binary targets.
   */
  classWeight?: Record<number, number> | readonly number[];
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
