// Losses: each is one fused wasm call returning the summed loss and writing the
// gradient with respect to the model's output (mean reduction: scale = 1/count).
// PyTorch semantics: bce takes probabilities (log clamped at -100), bceWithLogits and
// softmaxCrossEntropy take raw scores; softmaxCrossEntropy accepts integer labels
// (n x 1 of class indices), one-hot or soft-label targets (n x classes).
import type { Kernels } from '../wasm/exports.js';
import type { SymbolicTensor } from '../graph/symbolic.js';

export interface LossContext {
  k: Kernels;
  /** Reads a live view of n floats at ptr (for user-defined losses). */
  f32(ptr: number, n: number): Float32Array;
  /** compute() leaves the batch's mean loss in value[0]. Not a return value: a double returned
   *  from a call V8 does not inline is boxed, 16 bytes of garbage per training step. */
  readonly value: Float64Array;
}

export interface Loss {
  readonly name: string;
  /** True when targets are class indices (stored as i32), one per row. */
  readonly indexTargets?: boolean;
  /** Mean loss over the batch into ctx.value[0]; writes dLoss/dOutput to `grad` unless it is 0. */
  compute(ctx: LossContext, grad: number, pred: number, target: number, rows: number, cols: number): void;
  getConfig(): Record<string, unknown>;
}

type Elementwise = 'mse' | 'mae' | 'smoothL1' | 'huber' | 'bce' | 'bceWithLogits';

// Each kernel is called directly from compute, one call site each: a closure per loss returning
// the kernel's double would be boxed whenever V8 inlines compute but not the closure, and a
// call through a looked-up function would be megamorphic once a process uses several losses.
function elementwise(name: Elementwise, param = 0, config: Record<string, unknown> = {}): Loss {
  return {
    name,
    compute(ctx, grad, pred, target, rows, cols) {
      const n = rows * cols, s = 1 / n, k = ctx.k;
      let sum = 0;
      switch (name) {
        case 'mse': sum = k.mse_f32(grad, pred, target, n, s); break;
        case 'mae': sum = k.mae_f32(grad, pred, target, n, s); break;
        case 'smoothL1': sum = k.smooth_l1_f32(grad, pred, target, n, s, param); break;
        case 'huber': sum = k.huber_f32(grad, pred, target, n, s, param); break;
        case 'bce': sum = k.bce_f32(grad, pred, target, n, s); break;
        case 'bceWithLogits': sum = k.bce_logits_f32(grad, pred, target, n, s); break;
      }
      ctx.value[0] = sum / n;
    },
    getConfig: () => ({ name, ...config }),
  };
}

function positive(name: string, v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`wasmnn: ${name} must be a positive finite number, got ${v}`);
  return v;
}

export const mse = (): Loss => elementwise('mse');
export const mae = (): Loss => elementwise('mae');
export const smoothL1 = (beta = 1): Loss => elementwise('smoothL1', positive('smoothL1 beta', beta), { beta });
export const huber = (delta = 1): Loss => elementwise('huber', positive('huber delta', delta), { delta });
export const bce = (): Loss => elementwise('bce');
export const bceWithLogits = (): Loss => elementwise('bceWithLogits');

/** Softmax cross-entropy over logits, mean over rows (PyTorch CrossEntropyLoss). */
export const softmaxCrossEntropy = (): Loss => ({
  name: 'softmaxCrossEntropy',
  compute(ctx, grad, pred, target, rows, cols) {
    ctx.value[0] = ctx.k.softmax_ce_dense_f32(grad, pred, target, rows, cols, 1 / rows) / rows;
  },
  getConfig: () => ({ name: 'softmaxCrossEntropy' }),
});

/** The same loss with integer class labels (one per row) as targets. */
export const softmaxCrossEntropyIndex = (): Loss => ({
  name: 'softmaxCrossEntropy',
  indexTargets: true,
  compute(ctx, grad, pred, target, rows, cols) {
    ctx.value[0] = ctx.k.softmax_ce_index_f32(grad, pred, target, rows, cols, 1 / rows) / rows;
  },
  getConfig: () => ({ name: 'softmaxCrossEntropy' }),
});

export interface CustomLossSpec {
  name?: string;
  /** The mean loss of a batch; pred and target are row-major [rows, cols]. */
  value(pred: Float32Array, target: Float32Array, rows: number, cols: number): number;
  /** Writes dLoss/dPred (of the mean loss) into grad. */
  gradient(pred: Float32Array, target: Float32Array, grad: Float32Array, rows: number, cols: number): void;
}

/** A loss written with ops, (pred, target) => a [1, 1] tensor; its gradient is derived by the graph engine. */
export type OpsLoss = ((pred: SymbolicTensor, target: SymbolicTensor) => SymbolicTensor | number) & { lossName?: string };

/**
 * A user-defined loss: written with ops, `losses.custom((pred, target) => ops.mean(ops.abs(ops.sub(pred, target))))`,
 * whose gradient is derived; or from value and gradient functions (run in JS on views of wasm memory).
 */
export function custom(spec: OpsLoss, lossName?: string): OpsLoss;
export function custom(spec: CustomLossSpec): Loss;
export function custom(spec: CustomLossSpec | OpsLoss, lossName?: string): Loss | OpsLoss {
  if (typeof spec === 'function') {
    const f = ((pred: SymbolicTensor, target: SymbolicTensor) => spec(pred, target)) as OpsLoss;
    f.lossName = lossName ?? 'custom';
    return f;
  }
  if (typeof spec?.value !== 'function' || typeof spec.gradient !== 'function') {
    throw new TypeError('wasmnn: a custom loss needs value(pred, target, rows, cols) and gradient(pred, target, grad, rows, cols)');
  }
  const name = spec.name ?? 'custom';
  return {
    name,
    compute(ctx, grad, pred, target, rows, cols) {
      const n = rows * cols;
      ctx.value[0] = spec.value(ctx.f32(pred, n), ctx.f32(target, n), rows, cols);
      if (grad !== 0) spec.gradient(ctx.f32(pred, n), ctx.f32(target, n), ctx.f32(grad, n), rows, cols);
    },
    getConfig: () => ({ name }),
  };
}

const BY_NAME: Record<string, () => Loss> = { mse, mae, smoothL1, huber, bce, bceWithLogits, softmaxCrossEntropy };
export type LossName = 'mse' | 'mae' | 'smoothL1' | 'huber' | 'bce' | 'bceWithLogits' | 'softmaxCrossEntropy';

export function resolveLoss(spec: LossName | Loss | CustomLossSpec): Loss {
  if (typeof spec === 'string') {
    const f = BY_NAME[spec];
    if (!f) throw new RangeError(`wasmnn: unknown loss '${spec}'; known: ${Object.keys(BY_NAME).join(', ')}, or a custom loss`);
    return f();
  }
  if (spec && typeof (spec as Loss).compute === 'function') return acceptReturned(spec as Loss);
  return custom(spec as CustomLossSpec);
}

// A Loss object from outside (or one of ours passed as an object) may return its value instead of
// writing ctx.value[0], as the interface once asked: take it either way rather than train on a
// stale value.
function acceptReturned(loss: Loss): Loss {
  return {
    name: loss.name,
    indexTargets: loss.indexTargets,
    compute(ctx, grad, pred, target, rows, cols) {
      const v: unknown = loss.compute(ctx, grad, pred, target, rows, cols);
      if (typeof v === 'number') ctx.value[0] = v;
    },
    getConfig: () => loss.getConfig(),
  };
}
