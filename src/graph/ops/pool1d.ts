// 1-D pooling over channels-last sequences [batch, steps, c] (Keras' MaxPooling1D,
// AveragePooling1D, GlobalMaxPooling1D, GlobalAveragePooling1D): each is the 2-D op of
// ops/conv.ts on x read as [batch, 1, steps, c] (a reshape, no copy) with a window of height 1,
// so it shares that op's kernels, gradients and rules (max: the gradient to the first maximum of
// a window, as PyTorch's max_pool1d; average: 'same' divides by the window's input elements only,
// as TensorFlow and count_include_pad=False). A global max pool is one window over every step.
import { ShapeError } from '../op.js';
import { showShape, type SymbolicTensor } from '../symbolic.js';
import type { Pool2dGeometry } from '../../reference/pool.js';
import { avgPool2d, globalAvgPool2d, maxPool2d, poolGeometry } from './conv.js';
import { reshape } from './reshape.js';

export interface Pool1dAttrs {
  poolSize: number;
  /** Default poolSize, as Keras. */
  strides?: number;
  padding?: 'valid' | 'same';
}

function sequences(op: string, x: readonly number[]): void {
  if (x.length !== 3) throw new ShapeError(`wasmnn: ${op} takes input [batch, steps, channels], got ${showShape(x)} (rank ${x.length})`);
}

function attrs2d(op: string, o: Pool1dAttrs) {
  const k = o.poolSize, s = o.strides ?? k, p = o.padding ?? 'valid';
  for (const [what, v] of [['poolSize', k], ['strides', s]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`wasmnn: ${op}: ${what} must be a positive integer, got ${JSON.stringify(v)}`);
  }
  if (p !== 'valid' && p !== 'same') throw new RangeError(`wasmnn: ${op}: padding is 'valid' or 'same', got ${JSON.stringify(p)}`);
  return { poolSize: [1, k] as [number, number], strides: [1, s] as [number, number], padding: p };
}

/** The geometry of 1-D pooling as 2-D over a height of 1 (kh 1, oh 1). */
export function pool1dGeometry(op: string, x: readonly number[], o: Pool1dAttrs): Pool2dGeometry {
  sequences(op, x);
  return poolGeometry(op, [x[0], 1, x[1], x[2]], attrs2d(op, o));
}

function pool1d(max: boolean, x: SymbolicTensor, o: Pool1dAttrs, op: string): SymbolicTensor {
  pool1dGeometry(op, x.shape, o);
  const x2 = reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]], op);
  const y = (max ? maxPool2d : avgPool2d)(x2, attrs2d(op, o), op);
  return reshape(y, [y.shape[0], y.shape[2], y.shape[3]], op);
}

/** [batch, steps, c] -> [batch, os, c], the maximum of each window of each channel. */
export const maxPool1d = (x: SymbolicTensor, o: Pool1dAttrs, op = 'maxPool1d'): SymbolicTensor => pool1d(true, x, o, op);
/** [batch, steps, c] -> [batch, os, c], the mean of each window (padding not counted). */
export const avgPool1d = (x: SymbolicTensor, o: Pool1dAttrs, op = 'avgPool1d'): SymbolicTensor => pool1d(false, x, o, op);

/** [batch, steps, c] -> [batch, c], the maximum over every step (the gradient to the first). */
export function globalMaxPool1d(x: SymbolicTensor, op = 'globalMaxPool1d'): SymbolicTensor {
  sequences(op, x.shape);
  return reshape(pool1d(true, x, { poolSize: x.shape[1] }, op), [x.shape[0], x.shape[2]], op);
}

/** [batch, steps, c] -> [batch, c], the mean over every step. */
export function globalAvgPool1d(x: SymbolicTensor, op = 'globalAvgPool1d'): SymbolicTensor {
  sequences(op, x.shape);
  return globalAvgPool2d(reshape(x, [x.shape[0], 1, x.shape[1], x.shape[2]], op), op);
}
