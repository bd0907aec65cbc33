// The image layers an ONNX import builds (from onnx-recognise-image.ts's items; a 1-D Conv a conv1d), and the row order
// of a dense layer that reads the Flatten of NCHW images (onnx-layout.ts).
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import { bad } from './onnx-schema.js';
import { explicitPads } from '../reference/conv.js';
import type { Pending } from './onnx-items.js';

/** The image layer of p; `inputShape` for the first layer of a Sequential model. */
export function imageLayer(p: Pending, inputShape: number[] | undefined): Layer {
  const common = { inputShape };
  switch (p.kind) {
    case 'conv': {
      if (p.oneD) {
        const padding = typeof p.padding === 'string' ? p.padding : ([p.padding[1][0], p.padding[1][1]] as [number, number]);
        return layers.conv1d({ ...common, filters: p.filters, groups: p.groups, kernelSize: p.kernelSize[1], strides: p.strides[1], dilationRate: p.dilations[1], padding, activation: p.activation, useBias: p.b !== undefined });
      }
      const conv = { ...common, kernelSize: p.kernelSize, strides: p.strides, padding: p.padding, dilationRate: p.dilations, activation: p.activation, useBias: p.b !== undefined };
      if (p.depthwise) return layers.depthwiseConv2d({ ...conv, depthMultiplier: p.filters / p.cin });
      return layers.conv2d({ ...conv, filters: p.filters, groups: p.groups });
    }
    case 'pool':
      // Explicit 1-D pads are taken as 'same', and checked against the width when it is known (sameOr).
      if (p.oneD) return (p.max ? layers.maxPooling1d : layers.averagePooling1d)({ ...common, poolSize: p.poolSize[1], strides: p.strides[1], padding: p.padding === 'valid' ? 'valid' : 'same' });
      return (p.max ? layers.maxPooling2d : layers.averagePooling2d)({ ...common, poolSize: p.poolSize, strides: p.strides, padding: p.padding });
    case 'gap':
      if (p.oneD) return (p.max ? layers.globalMaxPooling1d : layers.globalAveragePooling1d)(common);
      return p.max ? bad(`${p.where}: GlobalMaxPool of images is not supported (of sequences only)`) : layers.globalAveragePooling2d(common);
    case 'flatten': return layers.flatten(common);
    case 'reshape': return layers.reshape({ ...common, targetShape: p.shape.slice(1) });
    default: return bad(`${p.where}: internal: '${p.kind}' is no image layer`);
  }
}

/** Refuses a 1-D pool's explicit pads [left, right] that are not TensorFlow's 'same' for the width it got. */
export function checkPool1dPads(p: Pending, l: Layer): void {
  if (p.kind !== 'pool' || !p.oneD || typeof p.padding === 'string') return;
  const have = p.padding[1], w = l.inputShape[0];
  const same = explicitPads('same', [1, w], p.poolSize, p.strides)[1];
  if (have[0] !== same[0] || have[1] !== same[1]) bad(`${p.where}: pads [${have}] over a width of ${w} are neither 'valid' nor TensorFlow's 'same' ([${same}]), the 1-D pools' paddings`);
}

/**
 * W [h*w*c, units] with rows in NCHW flatten order (c, y, x) reordered to wasmnn's NHWC flatten
 * order (y, x, c), for the images [h, w, c] (or sequences [w, c]) flattened before it.
 */
export function nhwcRows(W: Float32Array, units: number, shape: readonly number[]): Float32Array {
  const [h, w, c] = shape.length === 2 ? [1, ...shape] : shape;
  const out = new Float32Array(W.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let ch = 0; ch < c; ch++) {
    const from = (ch * h + y) * w + x, to = (y * w + x) * c + ch;
    out.set(W.subarray(from * units, (from + 1) * units), to * units);
  }
  return out;
}
