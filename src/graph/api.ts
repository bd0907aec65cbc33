// The public `ops`: functions of symbolic tensors, parameters and numbers that build the graph.
// A number is a [1, 1] constant; a parameter of shape [n] acts as a [1, n] row, others keep their shape.
import { Parameter } from '../optimizers/parameter.js';
import { checkOptions } from '../validate/options.js';
import { constant as constantTensor, SymbolicTensor, type ParamSlot } from './symbolic.js';
import { binary, unary, clip as clipOp, type BinaryName, type UnaryName } from './ops/elementwise.js';
import { matmul as matmulOp } from './ops/matmul.js';
import { concat as concatOp, slice as sliceOp } from './ops/shape.js';
import { activation } from './ops/activation.js';
import { lossOf } from './ops/loss.js';
import * as conv from './ops/conv.js';
import * as pool1d from './ops/pool1d.js';
import * as shaping from './ops/reshape.js';
import { transpose as transposeOp } from './ops/transpose.js';
// N-d ops (issue #20): reductions over axes, softmax along an axis, slices and pads of boxes.
import { reduceAxes } from './ops/reduce-axes.js';
import { reduceExtreme } from './ops/reduce-max.js';
import { softmaxAlong } from './ops/softmax-axis.js';
import { sliceAxes } from './ops/shape.js';
import { pad as padOp } from './ops/pad.js';
import { dotProductAttention as attentionOp, type AttentionMask } from './ops/attention.js';
import type { Padding } from '../reference/conv.js';
import * as losses from '../losses/index.js';
import * as seq from './ops/gather.js';
import * as norms from './ops/layer-norm.js';
import type { NormOptions } from './ops/layer-norm.js';
import { where as whereOp } from './ops/where.js';

export type Operand = SymbolicTensor | Parameter | number;

const paramTensors = new WeakMap<Parameter, SymbolicTensor>();

/** The graph's tensor for an operand. */
export function toTensor(x: Operand, what = 'operand'): SymbolicTensor {
  if (x instanceof SymbolicTensor) return x;
  if (typeof x === 'number') {
    if (Number.isNaN(x)) throw new RangeError(`wasmnn: ${what} is NaN`);
    return constantTensor([x], [1, 1]);
  }
  if (x instanceof Parameter) {
    let t = paramTensors.get(x);
    if (!t) {
      const shape = x.shape.length === 1 ? [1, x.shape[0]] : [...x.shape];
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

/**
 * The sum over `axis` (a number or a list, negative from the end; left out: every axis), the
 * reduced axes dropped unless keepDims (tfjs). Every axis gives the engine's scalar [1, 1].
 * NOTE: before N-d reductions, sum(x, 0) and sum(x, 1) kept the axis ([1, cols], [rows, 1]);
 * pass keepDims = true for that.
 */
export function sum(x: Operand, axis?: number | readonly number[], keepDims = false): SymbolicTensor {
  return reduceAxes(toTensor(x, "sum's operand"), axis, keepDims, false);
}

/** The mean, as sum. */
export function mean(x: Operand, axis?: number | readonly number[], keepDims = false): SymbolicTensor {
  return reduceAxes(toTensor(x, "mean's operand"), axis, keepDims, true);
}

/**
 * The maximum over `axis` (as sum: a number or a list, negative from the end; left out: every
 * axis), the reduced axes dropped unless keepDims (tfjs' max). NOTE: the gradient is torch.amax's,
 * split evenly among the elements equal to the maximum (torch.max(x, dim) gives it to one).
 */
export function max(x: Operand, axis?: number | readonly number[], keepDims = false): SymbolicTensor {
  return reduceExtreme(toTensor(x, "max's operand"), axis, keepDims, false);
}

/** The minimum, as max (torch.amin's gradient). */
export function min(x: Operand, axis?: number | readonly number[], keepDims = false): SymbolicTensor {
  return reduceExtreme(toTensor(x, "min's operand"), axis, keepDims, true);
}

/** Joins tensors along `axis` (default the last, -1; negative from the end; not the batch). */
export function concat(xs: readonly Operand[], axis = -1): SymbolicTensor {
  if (!Array.isArray(xs)) throw new TypeError('wasmnn: concat takes a list of tensors');
  return concatOp(xs.map((x) => toTensor(x, 'a concat operand')), axis);
}

/**
 * tfjs' slice(x, begin[], size[]): from begin[i], size[i] entries of axis i (-1: to the end;
 * short lists padded with 0 and -1; the batch whole). NOTE: two numbers, slice(x, begin, size),
 * slice the last axis (tfjs: the first), as this op always did.
 */
export function slice(x: Operand, begin: number | readonly number[], size?: number | readonly number[]): SymbolicTensor {
  const t = toTensor(x, "slice's operand");
  if (typeof begin === 'number' && typeof size === 'number') return sliceOp(t, begin, size);
  if (typeof begin === 'number' || typeof size === 'number') throw new TypeError(`wasmnn: slice takes two numbers (the last axis) or lists of begins and sizes, got ${JSON.stringify(begin)} and ${JSON.stringify(size)}`);
  return sliceAxes(t, begin, size);
}

export const relu = act('relu');
export const sigmoid = act('sigmoid');
export const tanh = act('tanh');
export const gelu = act('gelu');
export const geluTanh = act('geluTanh');
export const softplus = act('softplus');
export const silu = act('silu');
/** Softmax along `axis` (default the last; not the batch). */
export const softmax = (x: Operand, axis = -1): SymbolicTensor => softmaxAlong(toTensor(x, "softmax's operand"), axis, false);
export const leakyRelu = (x: Operand, alpha = 0.01) => activation(toTensor(x, "leakyRelu's operand"), { name: 'leakyRelu', alpha });
export const elu = (x: Operand, alpha = 1) => activation(toTensor(x, "elu's operand"), { name: 'elu', alpha });
/** log(softmax(x)) along `axis` (default the last), computed stably. */
export const logSoftmax = (x: Operand, axis = -1): SymbolicTensor => softmaxAlong(toTensor(x, "logSoftmax's operand"), axis, true);

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

// ---- N-d shapes and convolutions (channels-last) ---------------------------------------

/** x under a new shape, the same elements in the same order; with a batch the shape starts with -1. Copies nothing. */
export const reshape = (x: Operand, shape: readonly number[]): SymbolicTensor => shaping.reshape(toTensor(x, "reshape's operand"), shape);
/** [batch, ...] -> [batch, elements per sample]. */
export const flatten = (x: Operand): SymbolicTensor => shaping.flatten(toTensor(x, "flatten's operand"));
/** A dimension of 1 inserted at axis (negative from the end). */
export const expandDims = (x: Operand, axis: number): SymbolicTensor => shaping.expandDims(toTensor(x, "expandDims' operand"), axis);
/** x with axis j taken from axis perm[j] (default: all reversed); the batch stays first. */
export const transpose = (x: Operand, perm?: readonly number[]): SymbolicTensor => transposeOp(toTensor(x, "transpose's operand"), perm);
/** x without its dimensions of 1, or without dimension `axis` (which must be 1). */
export const squeeze = (x: Operand, axis?: number): SymbolicTensor => shaping.squeeze(toTensor(x, "squeeze's operand"), axis);
/** x inside `constantValue` (tfjs): paddings [[before, after], ...] one pair per axis, the batch's [0, 0]. */
export const pad = (x: Operand, paddings: readonly (readonly [number, number])[], constantValue = 0): SymbolicTensor => padOp(toTensor(x, "pad's operand"), paddings, constantValue);

export interface Conv2dOpOptions {
  strides?: number | [number, number];
  padding?: Padding;
  dilations?: number | [number, number];
  groups?: number;
}

const twice = (v: number | [number, number] | undefined): [number, number] | undefined => (typeof v === 'number' ? [v, v] : v);

/** x [batch, h, w, cin] convolved with w [kh, kw, cin/groups, cout] (HWIO): [batch, oh, ow, cout], no bias. */
export function conv2d(x: Operand, w: Operand, options: Conv2dOpOptions = {}): SymbolicTensor {
  checkOptions('ops.conv2d', options, ['strides', 'padding', 'dilations', 'groups']);
  return conv.conv2d(toTensor(x, "conv2d's input"), toTensor(w, "conv2d's filter"), { strides: twice(options.strides), padding: options.padding, dilations: twice(options.dilations), groups: options.groups });
}

export interface Conv1dOpOptions {
  strides?: number | [number];
  /** 'valid' (default), 'same', 'causal' or [left, right]. */
  padding?: conv.Padding1d;
  dilations?: number | [number];
  groups?: number;
}

const once = (v: number | [number] | undefined, what: string): number | undefined => {
  const n = Array.isArray(v) ? (v.length === 1 ? v[0] : NaN) : v;
  if (n !== undefined && !(Number.isInteger(n) && n > 0)) throw new RangeError(`wasmnn: ops.conv1d: ${what} must be a positive integer or [n], got ${JSON.stringify(v)}`);
  return n;
};

/** x [batch, width, cin] convolved with w [kw, cin/groups, cout] (tfjs' layout): [batch, ow, cout], no bias; conv2d over a height of 1. */
export function conv1d(x: Operand, w: Operand, options: Conv1dOpOptions = {}): SymbolicTensor {
  checkOptions('ops.conv1d', options, ['strides', 'padding', 'dilations', 'groups'], { stride: { use: 'strides' }, dilation: { use: 'dilations' } });
  const o = { stride: once(options.strides, 'strides'), dilation: once(options.dilations, 'dilations'), padding: options.padding, groups: options.groups };
  return conv.conv1d(toTensor(x, "conv1d's input"), toTensor(w, "conv1d's filter"), o);
}

export interface Pool2dOpOptions {
  poolSize: number | [number, number];
  strides?: number | [number, number];
  padding?: Padding;
}

const poolAttrs = (op: string, o: Pool2dOpOptions) => {
  checkOptions(op, o, ['poolSize', 'strides', 'padding']);
  return { poolSize: twice(o.poolSize)!, strides: twice(o.strides), padding: o.padding };
};

/** The maximum of each window of each channel: x [batch, h, w, c]. */
export const maxPool2d = (x: Operand, options: Pool2dOpOptions): SymbolicTensor => conv.maxPool2d(toTensor(x, "maxPool2d's input"), poolAttrs('ops.maxPool2d', options));
/** The mean of each window of each channel (padding not counted). */
export const avgPool2d = (x: Operand, options: Pool2dOpOptions): SymbolicTensor => conv.avgPool2d(toTensor(x, "avgPool2d's input"), poolAttrs('ops.avgPool2d', options));
/** [batch, h, w, c] -> [batch, c], the mean over every position. */
export const globalAvgPool2d = (x: Operand): SymbolicTensor => conv.globalAvgPool2d(toTensor(x, "globalAvgPool2d's input"));

export interface Pool1dOpOptions {
  poolSize: number;
  strides?: number;
  padding?: 'valid' | 'same';
}
const pool1dAttrs = (op: string, o: Pool1dOpOptions) => (checkOptions(op, o, ['poolSize', 'strides', 'padding'], { stride: { use: 'strides' } }), o);
/** The maximum of each window of steps of each channel: x [batch, steps, c] (2-D pooling over a height of 1). */
export const maxPool1d = (x: Operand, options: Pool1dOpOptions): SymbolicTensor => pool1d.maxPool1d(toTensor(x, "maxPool1d's input"), pool1dAttrs('ops.maxPool1d', options), 'ops.maxPool1d');
/** The mean of each window of steps of each channel (padding not counted). */
export const avgPool1d = (x: Operand, options: Pool1dOpOptions): SymbolicTensor => pool1d.avgPool1d(toTensor(x, "avgPool1d's input"), pool1dAttrs('ops.avgPool1d', options), 'ops.avgPool1d');
/** [batch, steps, c] -> [batch, c], the maximum over every step. */
export const globalMaxPool1d = (x: Operand): SymbolicTensor => pool1d.globalMaxPool1d(toTensor(x, "globalMaxPool1d's input"));
/** [batch, steps, c] -> [batch, c], the mean over every step. */
export const globalAvgPool1d = (x: Operand): SymbolicTensor => pool1d.globalAvgPool1d(toTensor(x, "globalAvgPool1d's input"));

// ---- sequence models: index lookups, normalisation over the last axis, masks ---------------

/** Rows of a [vocab, dim] table at int32 indices of any shape [batch, ...]: [batch, ..., dim] (an embedding lookup). */
export const gather = (table: Operand, indices: SymbolicTensor): SymbolicTensor => seq.gather(toTensor(table, "gather's table"), toTensor(indices, "gather's indices"));
/** int32 indices [batch, ...] to [batch, ..., depth]: 1 at each index, 0 elsewhere. */
export const oneHot = (indices: SymbolicTensor, depth: number): SymbolicTensor => seq.oneHot(toTensor(indices, "oneHot's indices"), depth);
/** PyTorch LayerNorm over the last axis (biased variance, epsilon 1e-5): gamma*(x - mean)/sqrt(var + epsilon) + beta. */
export function layerNorm(x: Operand, gamma: Operand, beta: Operand, options: NormOptions = {}): SymbolicTensor {
  checkOptions('ops.layerNorm', options, ['axis', 'epsilon'], { eps: { use: 'epsilon' } });
  return norms.layerNorm(toTensor(x, "layerNorm's input"), toTensor(gamma, "layerNorm's gamma"), toTensor(beta, "layerNorm's beta"), options);
}
/** RMSNorm over the last axis: gamma*x/sqrt(mean(x^2) + epsilon), epsilon 1e-5 by default. */
export function rmsNorm(x: Operand, gamma: Operand, options: NormOptions = {}): SymbolicTensor {
  checkOptions('ops.rmsNorm', options, ['axis', 'epsilon'], { eps: { use: 'epsilon' } });
  return norms.rmsNorm(toTensor(x, "rmsNorm's input"), toTensor(gamma, "rmsNorm's gamma"), options);
}
/** cond != 0 ? a : b element by element; cond a 0/1 mask of the output's shape or its trailing dimensions, a and b the output's shape or numbers. */
export const where = (cond: Operand, a: Operand, b: Operand): SymbolicTensor => whereOp(toTensor(cond, "where's cond"), toTensor(a, "where's a"), toTensor(b, "where's b"));
/** A constant tensor of the given shape (a mask, say): no gradient, no data at run time. */
export const constant = (values: ArrayLike<number>, shape: readonly number[]): SymbolicTensor => constantTensor(values, shape);
/** A constant [t, t] mask, 1 where position j may see position i (j <= i), 0 above the diagonal. */
export function causalMask(t: number): SymbolicTensor {
  if (!Number.isInteger(t) || t <= 0) throw new RangeError(`wasmnn: causalMask takes a positive length, got ${t}`);
  return constantTensor(Array.from({ length: t * t }, (_, i) => (i % t <= Math.floor(i / t) ? 1 : 0)), [t, t]);
}

// ---- Attention (issue 22) ---------------------------------------------------------------

export interface DotProductAttentionOptions {
  /** Query i sees keys j <= i (PyTorch's is_causal, top-left aligned). Default false. */
  causal?: boolean;
  /** Multiplies q k^T. Default 1/sqrt(d). */
  scale?: number;
  /** A constant [tq, tk], added to the scores (numbers) or selecting the keys (booleans, true: attend). */
  mask?: AttentionMask;
  /** Dropout on the attention weights in training (PyTorch's dropout_p), from the program's dropout stream. Default 0. */
  dropout?: number;
}

/**
 * softmax(scale * q k^T + mask) v on one fused kernel: q [batch, heads, tq, d], k [batch, heads,
 * tk, d], v [batch, heads, tk, dv] -> [batch, heads, tq, dv] (PyTorch's scaled_dot_product_attention
 * layout; head dimensions up to 128).
 */
export function dotProductAttention(q: Operand, k: Operand, v: Operand, options: DotProductAttentionOptions = {}): SymbolicTensor {
  checkOptions('ops.dotProductAttention', options, ['causal', 'scale', 'mask', 'dropout'], { dropout_p: { use: 'dropout' } });
  return attentionOp(toTensor(q, 'the queries'), toTensor(k, 'the keys'), toTensor(v, 'the values'), options);
}
