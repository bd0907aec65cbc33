// A loss as one op of (prediction, target): its fused kernel computes the mean loss and
// dLoss/dPrediction in one call, so the forward step also writes the gradient (output 1),
// which the backward reads: dpred = grad * dy (just grad when dy is the seed 1).
// Targets are data: the op gives them no gradient. The softmax losses run along the last axis:
// logits [batch, t, classes] are batch*t rows of classes (the mean over every position, as
// PyTorch's cross_entropy of [batch*t, classes]), index targets [batch, t] one per row.
import { ShapeError, viewOf, viewRows, type PrimitiveOp, type RunState, type View } from '../op.js';
import { makeEqn, isScalarOne, showShape, type SymbolicTensor } from '../symbolic.js';
import type { Loss, LossContext } from '../../losses/index.js';
import { binary } from './elementwise.js';

const lossOp: PrimitiveOp = {
  name: 'loss',
  emit(e, c) {
    const [pred, target] = e.inputs;
    const [v, g] = e.outputs;
    const loss = e.attrs.loss as Loss;
    const P = c.run.ptrs, run = c.run, k = c.k, S = run.scalars;
    const sv = c.slot(v), sp = c.slot(pred), st = c.slot(target), sg = c.used(g) ? c.slot(g) : -1;
    const view = rowsOf(loss, pred), cols = view.cols;
    const ctx: LossContext = { k, f32: (ptr, n) => new Float32Array(run.heapF.buffer, ptr, n), value: new Float64Array(1) };
    const labels = loss.indexTargets === true;
    return () => {
      const rows = viewRows(view, run);
      if (labels) checkLabels(run, P[st], rows, cols, loss.name);
      loss.compute(ctx, sg < 0 ? 0 : P[sg], P[sp], P[st], rows, cols);
      const value = ctx.value[0];
      S[sv] = value;
      run.heapF[P[sv] / 4] = value;
    };
  },
  vjp(e, [dv]) {
    if (!dv) return [undefined, undefined];
    const g = e.outputs[1];
    return [isScalarOne(dv) ? g : binary('mul', g, dv), undefined];
  },
};

// A loss with a weight per row (Keras' class_weight and sample weights, 'sum over batch size'):
// value = sum_r w_r * loss_r / rows, dpred_r = w_r * dloss_r / rows. The fused kernel runs once
// per row, then the row's gradient is scaled by its weight.
const weightedLossOp: PrimitiveOp = {
  name: 'weightedLoss',
  emit(e, c) {
    const [pred, target, weight] = e.inputs;
    const [v, g] = e.outputs;
    const loss = e.attrs.loss as Loss;
    const P = c.run.ptrs, run = c.run, k = c.k, S = run.scalars;
    const sv = c.slot(v), sp = c.slot(pred), st = c.slot(target), sw = c.slot(weight), sg = c.used(g) ? c.slot(g) : -1;
    const view = viewOf(pred), cols = view.cols, tBytes = target.cols * 4;
    const ctx: LossContext = { k, f32: (ptr, n) => new Float32Array(run.heapF.buffer, ptr, n), value: new Float64Array(1) };
    const sum = new Float64Array(1);
    const labels = loss.indexTargets === true;
    return () => {
      const rows = viewRows(view, run);
      if (labels) checkLabels(run, P[st], rows, cols, loss.name);
      const H = run.heapF, w0 = P[sw] / 4;
      sum[0] = 0;
      for (let r = 0; r < rows; r++) {
        const gr = sg < 0 ? 0 : P[sg] + r * cols * 4;
        loss.compute(ctx, gr, P[sp] + r * cols * 4, P[st] + r * tBytes, 1, cols);
        const w = H[w0 + r];
        sum[0] += w * ctx.value[0];
        if (gr !== 0) k.scale_f32(gr, gr, cols, w / rows);
      }
      const value = sum[0] / rows;
      S[sv] = value;
      H[P[sv] / 4] = value;
    };
  },
  vjp: (e, dOut) => lossOp.vjp!(e, dOut).concat([undefined]),
};

/** The mean over rows of weight_r * loss_r, weights a [rows, 1] tensor of data. */
export function weightedLossOf(loss: Loss, pred: SymbolicTensor, target: SymbolicTensor, weight: SymbolicTensor): SymbolicTensor {
  lossOf(loss, pred, target); // the same checks (the equation it builds is never collected)
  if (pred.rank > 2) throw new ShapeError(`wasmnn: ${loss.name}: weights per row take a prediction [batch, units], got ${showShape(pred.shape)} (weights per position are not in yet)`);
  if (weight.cols !== 1 || weight.rows !== pred.rows) throw new ShapeError(`wasmnn: ${loss.name}: weights must be one column per row, got ${showShape(weight.shape)}`);
  return makeEqn(weightedLossOp, [pred, target, weight], [[1, 1], pred.shape], { loss }).outputs[0];
}

// Class indices out of range would read past a row of logits: refused before the kernel runs
// (a loop over the batch's labels, nothing next to the kernel's work).
function checkLabels(run: RunState, ptr: number, rows: number, classes: number, name: string): void {
  const I = run.heapI, at = ptr / 4;
  for (let r = 0; r < rows; r++) {
    const v = I[at + r];
    if (v < 0 || v >= classes) throw new RangeError(`wasmnn: ${name}: row ${r}'s label ${v} is not a class index in [0, ${classes - 1}]`);
  }
}

// The rows a loss kernel sees: the softmax losses one per position (the last axis), the others
// a sample a row as they always were (a custom loss is handed [batch, units]).
const rowsOf = (loss: Loss, pred: SymbolicTensor): View => viewOf(pred, loss.name.startsWith('softmax') ? Math.max(pred.rank - 1, 1) : 1);

/** The loss of pred against target as a [1, 1] tensor (mean reduction). */
export function lossOf(loss: Loss, pred: SymbolicTensor, target: SymbolicTensor): SymbolicTensor {
  if (loss.name.startsWith('softmax') && pred.rank < 2) throw new ShapeError(`wasmnn: ${loss.name} takes logits [batch, classes] or [batch, ..., classes], got ${showShape(pred.shape)}`);
  if (target.kind === 'param') throw new ShapeError(`wasmnn: ${loss.name}: the target must be data, not a parameter (losses give targets no gradient)`);
  if (loss.indexTargets) {
    // One index per row of logits: [batch, 1] under [batch, classes], [batch, t] under [batch, t, classes].
    const positions = pred.cols / pred.shape[pred.rank - 1];
    if (target.dtype !== 'int32' || target.cols !== positions) throw new ShapeError(`wasmnn: ${loss.name}: class-index targets are int32, ${positions === 1 ? 'one column' : `one per position: [batch, ${pred.shape.slice(1, -1).join(', ')}]`} for logits ${showShape(pred.shape)}, got ${target.dtype === 'int32' ? '' : `${target.dtype} `}${showShape(target.shape)}`);
  } else if (target.cols !== pred.cols) {
    throw new ShapeError(`wasmnn: ${loss.name}: prediction ${showShape(pred.shape)} and target ${showShape(target.shape)} differ in columns`);
  }
  if (target.rows !== pred.rows) throw new ShapeError(`wasmnn: ${loss.name}: prediction ${showShape(pred.shape)} and target ${showShape(target.shape)} differ in rows`);
  return makeEqn(lossOp, [pred, target], [[1, 1], pred.shape], { loss }).outputs[0];
}

