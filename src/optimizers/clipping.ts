// Gradient clipping before an update, over the attached parameters' gradients in place:
//   clipValue       g <- clamp(g, -c, c) per element (Keras clipvalue)
//   clipNorm        per parameter: g <- g * c/||g|| when ||g|| > c (Keras clipnorm)
//   globalClipNorm  over all of them: n = sqrt(sum ||g_p||^2); g <- g * c/(n + 1e-6) when that
//                   factor is < 1 (PyTorch's clip_grad_norm_, nanoGPT's grad_clip; Keras'
//                   global_clipnorm is the same but for the 1e-6)
// The global norm is summed in float64 over the contiguous segments (a model's parameters are one).
// clipNorm and globalClipNorm do not go together (Keras refuses both); clipValue comes first when
// set with either. The fused update then sees the clipped gradients.
import type { Kernels } from '../wasm/exports.js';
import type { Parameter, Segment } from './parameter.js';
import { checkRange } from './checks.js';

export interface Clipping {
  clipValue: number | undefined;
  clipNorm: number | undefined;
  globalClipNorm: number | undefined;
}

/** The clipping options, checked: positive finite numbers, not both norms. */
export function clippingOf(options: { clipNorm?: number; clipValue?: number; globalClipNorm?: number }): Clipping {
  for (const key of ['clipNorm', 'clipValue', 'globalClipNorm'] as const) {
    const v = options[key];
    if (v !== undefined) checkRange(key, v, v > 0 && Number.isFinite(v), 'a positive finite number');
  }
  if (options.clipNorm !== undefined && options.globalClipNorm !== undefined) throw new RangeError('wasmnn: clipNorm (each parameter\'s norm) and globalClipNorm (all of them together) are both set; choose one (Keras refuses both too)');
  return { clipValue: options.clipValue, clipNorm: options.clipNorm, globalClipNorm: options.globalClipNorm };
}

export function clipGradients(k: Kernels, c: Clipping, segments: readonly Segment[], params: readonly Parameter[]): void {
  if (c.clipValue !== undefined) for (const s of segments) k.clip_f32(s.grad, s.n, c.clipValue);
  if (c.clipNorm !== undefined) {
    for (const p of params) {
      const norm = Math.sqrt(k.sum_sq_f32(p.gradPtr, p.size));
      if (norm > c.clipNorm) k.scale_f32(p.gradPtr, p.gradPtr, p.size, c.clipNorm / norm);
    }
  }
  if (c.globalClipNorm !== undefined) {
    let sq = 0;
    for (let i = 0; i < segments.length; i++) sq += k.sum_sq_f32(segments[i].grad, segments[i].n);
    const factor = c.globalClipNorm / (Math.sqrt(sq) + 1e-6);
    if (factor < 1) for (let i = 0; i < segments.length; i++) k.scale_f32(segments[i].grad, segments[i].grad, segments[i].n, factor);
  }
}
