// The public `ops`: functions of symbolic tensors, parameters and numbers that build the graph.
// A number is a [1, 1] constant; a parameter of shape [n] acts as a [1, n] row.
import { Parameter } from '../optimizers/parameter.js';
import { constant, SymbolicTensor, type ParamSlot } from './symbolic.js';
import { binary, unary, clip as clipOp, type BinaryName, type UnaryName } from './ops/elementwise.js';
import { matmul as matmulOp } from './ops/matmul.js';
import { reduce, type Axis } from './ops/reduce.js';
import { concat as concatOp, slice as sliceOp } from './ops/shape.js';
import { activation, LOG_SOFTMAX } from './ops/activation.js';
import { lossOf } from './ops/loss.js';
import * as losses from '../losses/index.js';

export type Operand = SymbolicTensor | Parameter | number;

const paramTensors = new WeakMap<Parameter, SymbolicTensor>();

/** The graph's tensor for an operand. */
export function toTensor(x: Operand, what = 'operand'): SymbolicTensor {
  if (x instanceof SymbolicTensor) return x;
  if (typeof x === 'number') {
    if (Number.isNaN(x)) throw new RangeError(`wasmnn: ${what} is NaN`);
    return constant([x], [1, 1]);
  }
  if (x instanceof Parameter) {
    let t = paramTensors.get(x);
    if (!t) {
      if (x.shape.length > 2) throw new RangeError(`wasmnn: ops take parameters of one or two dimensions, ${x.name} has shape [${x.shape}]`);
      const shape = (x.shape.length === 1 ? [1, x.shape[0]] : [x.shape[0], x.shape[1]]) as [number, number];
      const slot: ParamSlot = { param: x, shape, label: x.name };
      t = new SymbolicTensor({ shape, kind: 'param', slot });
      paramTensors.set(x, t);
    }
    return t;
  }
  throw new TypeError(`wasmnn: ${what} must be a symbolic tensor, a parameter or a number, got ${x === null ? 'null' : typeof x}`);
}

const bin = (name: BinaryName) => (a: Operand, b: Operand) => binary(name, toTensor(a, `${name}'s first operand`), toTensor(b, `${name}'s second operand`));
const un = (name: UnaryName) => (x: Operand) => unary(name, toTensor(x, `${name}'s operand`));
const act = (name: string) => (x: Operand) => activation(toTensor(x, `${name}'s operand`), name as never);

export const add = bin('add');
export const sub = bin('sub');
export const mul = bin('mul');
export const div = bin('div');
export const maximum = bin('maximum');
export const minimum = bin('minimum');
export const neg = un('neg');
export const square = un('square');
export const sqrt = un('sqrt');
export const exp = un('exp');
export const log = un('log');
export const abs = un('abs');

/** x^p for a number p. */
export function pow(x: Operand, p: number): SymbolicTensor {
  if (typeof p !== 'number' || !Number.isFinite(p)) throw new RangeError(`wasmnn: pow's exponent must be a finite number, got ${p}`);
  return unary('pow', toTensor(x, "pow's operand"), p);
}

export function matmul(a: Operand, b: Operand): SymbolicTensor {
  return matmulOp(toTensor(a, "matmul's first operand"), toTensor(b, "matmul's second operand"));
}

/** min(max(x, lo), hi). */
export function clip(x: Operand, lo: number, hi: number): SymbolicTensor {
  return clipOp(toTensor(x, "clip's operand"), lo, hi);
}

/** The sum of every element ([1, 1]), of each column (axis 0: [1, cols]) or of each row (axis 1: [rows, 1]). */
export function sum(x: Operand, axis?: Axis): SymbolicTensor {
  return reduce(toTensor(x, "sum's operand"), axis, false);
}

/** The mean, as sum. */
export function mean(x: Operand, axis?: Axis): SymbolicTensor {
  return reduce(toTensor(x, "mean's operand"), axis, true);
}

/** Joins tensors with the same rows along columns (axis 1). */
export function concat(xs: readonly Operand[], axis = 1): SymbolicTensor {
  if (!Array.isArray(xs)) throw new TypeError('wasmnn: concat takes a list of tensors');
  return concatOp(xs.map((x) => toTensor(x, 'a concat operand')), axis);
}

/** Columns [begin, begin + size) of x. */
export function slice(x: Operand, begin: number, size: number): SymbolicTensor {
  return sliceOp(toTensor(x, "slice's operand"), begin, size);
}

export const relu = act('relu');
export const sigmoid = act('sigmoid');
export const tanh = act('tanh');
export const gelu = act('gelu');
export const geluTanh = act('geluTanh');
export const softplus = act('softplus');
export const silu = act('silu');
/** Softmax along each row. */
export const softmax = act('softmax');
export const leakyRelu = (x: Operand, alpha = 0.01) => activation(toTensor(x, "leakyRelu's operand"), { name: 'leakyRelu', alpha });
export const elu = (x: Operand, alpha = 1) => activation(toTensor(x, "elu's operand"), { name: 'elu', alpha });
/** log(softmax(x)) along each row, computed stably. */
export const logSoftmax = (x: Operand) => activation(toTensor(x, "logSoftmax's operand"), LOG_SOFTMAX);

// Every built-in loss as an op of (prediction, target), mean reduction.
const lossOp = (make: () => losses.Loss) => (pred: Operand, target: Operand) => lossOf(make(), toTensor(pred, 'the prediction'), toTensor(target, 'the target'));
export const mse = lossOp(losses.mse);
export const mae = lossOp(losses.mae);
export const bce = lossOp(losses.bce);
export const bceWithLogits = lossOp(losses.bceWithLogits);
export const smoothL1 = (pred: Operand, target: Operand, beta = 1) => lossOf(losses.smoothL1(beta), toTensor(pred, 'the prediction'), toTensor(target, 'the target'));
export const huber = (pred: Operand, target: Operand, delta = 1) => lossOf(losses.huber(delta), toTensor(pred, 'the prediction'), toTensor(target, 'the target'));
/** Softmax cross-entropy of logits; the target is int32 class indices (one column) or one-hot/soft rows. */
export function softmaxCrossEntropy(logits: Operand, target: Operand): SymbolicTensor {
  const t = toTensor(target, 'the target');
  return lossOf(t.dtype === 'int32' ? losses.softmaxCrossEntropyIndex() : losses.softmaxCrossEntropy(), toTensor(logits, 'the logits'), t);
}
