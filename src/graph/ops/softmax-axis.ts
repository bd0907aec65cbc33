// Softmax and log-softmax along any axis but the batch. The kernels run along the last axis
// (rows of a [positions, last] view); another axis is swapped with the last by a transpose, the
// kernel runs, and the same transpose puts the axis back (its gradient is the transposes' and
// the kernel's, so nothing new is differentiated).
// NOTE: a strided kernel would save the copies (two forward, two backward). Measured (one thread,
// best of 7x20, valueAndGrad of sum(softmax(x, axis) * r)): [32, 64, 16, 16] along axis 1 13.0 ms
// against 6.3 ms along the last axis of [32, 16, 16, 64], the four transposes alone 6.7 ms;
// [32, 128, 8] along axis 1 0.72 ms, [32, 8, 128] along the last 0.37 ms. So a middle axis costs
// about twice the last; attention's softmax is along the last axis, so the copies stay until a
// model needs a middle-axis softmax to be fast.
import { ShapeError } from '../op.js';
import { type SymbolicTensor } from '../symbolic.js';
import { activation, LOG_SOFTMAX } from './activation.js';
import { axisOf, hasBatch } from './axes.js';
import { reshape } from './reshape.js';
import { transpose } from './transpose.js';

/** softmax(x) (or log-softmax) along `axis` (default the last; negative from the end). */
export function softmaxAlong(x: SymbolicTensor, axis: number, log: boolean): SymbolicTensor {
  const op = log ? 'logSoftmax' : 'softmax';
  const act = log ? LOG_SOFTMAX : 'softmax';
  const a = axisOf(op, axis, x), last = x.rank - 1;
  if (a === 0 && hasBatch(x)) throw new ShapeError(`wasmnn: ${op}: axis ${axis} of ${x} is the batch; a softmax runs within a sample`);
  if (x.rank === 1) return reshape(activation(reshape(x, [1, x.shape[0]], op), act as never), x.shape, op);
  if (a === last) return activation(x, act as never);
  const perm = Array.from({ length: x.rank }, (_, i) => (i === a ? last : i === last ? a : i));
  return transpose(activation(transpose(x, perm), act as never), perm);
}
