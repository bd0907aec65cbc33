// Spatial dropout of channels-last images (Keras' SpatialDropout2D, PyTorch's Dropout2d): in
// training y[n, i, j, c] = x[n, i, j, c] * mask[n, c], mask[n, c] = 1/(1-rate) with probability
// 1-rate, else 0: whole channels of a sample kept or dropped. dx = dy * mask. In evaluation y is
// x itself (no step, no buffer). The mask [batch, 1, 1, c] is dropout_f32 applied to ones (its
// raw numbers in a scratch output of the same size), so it draws batch * c numbers from the
// stream, in (sample, channel) order, whatever the thread count; each sample's product is one
// binary_f32 call with the mask as a row over its h*w pixels. Nothing is allocated per step.
import { ShapeError, viewOf, viewRows, type PrimitiveOp, type EmitContext } from '../op.js';
import { makeEqn, showShape, type Eqn, type SymbolicTensor } from '../symbolic.js';

const MUL = 2, ROW_B = 1 << 2; // binary_f32's op and modes: a full, b a row [1, c]

/** y = z * m per sample: z [batch, h, w, c], m [batch, 1, 1, c]. */
function scaleChannels(e: Eqn, c: EmitContext, y: SymbolicTensor, z: SymbolicTensor, m: SymbolicTensor): () => void {
  const P = c.run.ptrs, run = c.run, k = c.k;
  const sy = c.slot(y), sz = c.slot(z), sm = c.slot(m), v = viewOf(z), ch = z.shape[3], hw = z.shape[1] * z.shape[2];
  return () => {
    const n = viewRows(v, run);
    for (let b = 0; b < n; b++) k.binary_f32(P[sy] + b * hw * ch * 4, P[sz] + b * hw * ch * 4, P[sm] + b * ch * 4, hw, ch, MUL, ROW_B);
  };
}

const gradOp: PrimitiveOp = {
  name: 'spatialDropoutGrad',
  emit: (e, c) => scaleChannels(e, c, e.outputs[0], e.inputs[0], e.inputs[1]),
};

const spatialDropoutOp: PrimitiveOp = {
  name: 'spatialDropout',
  alias: (_e, training) => (training ? -1 : 0),
  emit(e, c) {
    if (!c.training) return undefined;
    const x = e.inputs[0];
    const [y, mask, raw] = e.outputs;
    const P = c.run.ptrs, run = c.run, k = c.k;
    const sm = c.slot(mask), sr = c.slot(raw), v = viewOf(x), ch = x.shape[3], rate = e.attrs.rate as number, own = e.attrs.state as number;
    const scale = scaleChannels(e, c, y, x, mask);
    return () => {
      const n = viewRows(v, run) * ch;
      k.fill_f32(P[sm], n, 1);
      k.dropout_f32(P[sm], P[sr], P[sm], n, rate, own || run.dropoutState);
      scale();
    };
  },
  vjp(e, [dy]) {
    return [dy && makeEqn(gradOp, [dy, e.outputs[1]], [e.inputs[0].shape]).outputs[0]];
  },
};

/** x [batch, h, w, c] with whole channels of each sample dropped; `state`: an own PRNG stream (0: the program's dropout stream). */
export function spatialDropout(x: SymbolicTensor, rate: number, state = 0, op = 'spatialDropout2d'): SymbolicTensor {
  if (x.rank !== 4) throw new ShapeError(`wasmnn: ${op} takes images [batch, height, width, channels], got ${showShape(x.shape)} (rank ${x.rank})`);
  if (rate === 0) return x;
  const m = [x.shape[0], 1, 1, x.shape[3]];
  return makeEqn(spatialDropoutOp, [x], [x.shape, m, m], { rate, state }).outputs[0];
}
