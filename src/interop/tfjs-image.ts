// The image layers in the tfjs layers format, both ways, with Keras' config names (channels-last
// and HWIO in both, so kernels travel unchanged): conv2d <-> Conv2D (kernel [kh, kw, cin,
// filters]), conv1d <-> Conv1D (kernel [k, cin, filters]; 'valid' and 'same' only, and Keras'
// 'causal' read), depthwiseConv2d <-> DepthwiseConv2D (depthwise_kernel [kh, kw, cin, multiplier]: our
// [kh, kw, 1, cin*multiplier], the same numbers), maxPooling2d <-> MaxPooling2D, averagePooling2d
// <-> AveragePooling2D (tfjs' 'same' divides by the input elements of a window, as ours),
// globalAveragePooling2d <-> GlobalAveragePooling2D, flatten <-> Flatten, reshape <-> Reshape;
// maxPooling1d, averagePooling1d, globalMaxPooling1d and globalAveragePooling1d <-> Keras' 1-D
// pools of the same names (pool_size [k], strides [s], 'valid' or 'same', as ours).
// Keras pads only 'valid' or 'same' (TensorFlow's, as ours): a convolution with other explicit
// pads is written as ZeroPadding2D then a 'valid' one, and read back as one layer; zeroPadding2d
// <-> ZeroPadding2D (read as the pads of a 'valid' convolution right after it).
// NOTE: tfjs 4.22's Conv2D has no groups and its DepthwiseConv2D ignores dilation_rate, so those
// are refused both ways; a pooling with explicit pads other than 'same''s has no equivalent.
import * as layers from '../layers/index.js';
import type { Layer } from '../layers/layer.js';
import type { Conv2D, DepthwiseConv2D } from '../layers/conv.js';
import type { Pooling2D, Reshape } from '../layers/spatial.js';
import type { Pooling1D } from '../layers/pooling1d.js';
import type { ZeroPadding2D } from '../layers/padding.js';
import type { Parameter } from '../optimizers/parameter.js';
import { explicitPads, type Pads2 } from '../reference/conv.js';
import { bad, kerasActivation, regularizerConfig, activationFrom, regularizerFrom, refuse, type Exported, type Importer, type KerasLayer } from './tfjs-format.js';

const CHANNELS_LAST = { data_format: 'channels_last' };
const same = (a: Pads2, b: Pads2) => a.flat().join() === b.flat().join();

/** 'same' or 'valid' when the pads are those, else undefined. */
function kerasPadding(pads: Pads2, inHW: number[], k: [number, number], s: [number, number], d: [number, number] = [1, 1]): 'same' | 'valid' | undefined {
  if (pads.flat().every((p) => p === 0)) return 'valid';
  return same(pads, explicitPads('same', [inHW[0], inHW[1]], k, s, d)) ? 'same' : undefined;
}

function exportConv(l: Conv2D, ps: Parameter[], first: Record<string, unknown>, where: string): Exported {
  const g = l.geometry!;
  const depthwise = l.kind === 'depthwiseConv2d', oneD = l.kind === 'conv1d';
  if (!depthwise && l.groups > 1) bad(`${where}: ${l.kind} with groups ${l.groups} has no tfjs equivalent (tfjs' ${oneD ? 'Conv1D' : 'Conv2D'} has no groups)`);
  if (depthwise && l.dilations.some((d) => d > 1)) bad(`${where}: depthwiseConv2d with dilationRate [${l.dilations}] has no tfjs equivalent (tfjs 4.22's DepthwiseConv2D ignores dilation_rate)`);
  const pads: Pads2 = [[g.pt, g.pb], [g.pl, g.pr]];
  const padding = kerasPadding(pads, oneD ? [1, l.inputShape[0]] : l.inputShape, l.kernelSize, l.strides, l.dilations);
  if (oneD && !padding) bad(`${where}: conv1d with pads [${g.pl}, ${g.pr}] has no tfjs equivalent (tfjs 4.22's Conv1D pads 'valid' or 'same' only, and it has no ZeroPadding1D)`);
  const size = (p: [number, number]) => (oneD ? [p[1]] : [...p]);
  const out: KerasLayer[] = padding ? [] : [{ class_name: 'ZeroPadding2D', config: { padding: pads, ...CHANNELS_LAST, name: `${l.name}_pad`, trainable: true, ...first } }];
  const act = kerasActivation(l.activation, where, `${l.name}_leaky_re_lu`);
  const reg = regularizerConfig(l.options.kernelRegularizer);
  const config = {
    ...(depthwise ? { depth_multiplier: (l as DepthwiseConv2D).depthMultiplier } : { filters: g.cout }),
    kernel_size: size(l.kernelSize), strides: size(l.strides), padding: padding ?? 'valid', ...CHANNELS_LAST, dilation_rate: size(l.dilations),
    activation: act.inline, use_bias: ps.length === 2, ...(depthwise ? { depthwise_regularizer: reg, depthwise_constraint: null } : { kernel_regularizer: reg, kernel_constraint: null }),
    bias_regularizer: regularizerConfig(l.options.biasRegularizer), activity_regularizer: null, bias_constraint: null, name: l.name, trainable: true, ...(padding ? first : {}),
  };
  out.push({ class_name: depthwise ? 'DepthwiseConv2D' : oneD ? 'Conv1D' : 'Conv2D', config }, ...(act.layer ? [act.layer] : []));
  const kernel = depthwise ? { name: `${l.name}/depthwise_kernel`, shape: [g.kh, g.kw, g.cin, g.cout / g.cin] } : { name: `${l.name}/kernel`, shape: [...ps[0].shape] };
  const weights = [{ ...kernel, values: ps[0].value.slice() }];
  if (ps[1]) weights.push({ name: `${l.name}/bias`, shape: [...ps[1].shape], values: ps[1].value.slice() });
  return { layers: out, weights };
}

/** The Keras layers of an image layer, or undefined when l is none. */
export function exportImageLayer(l: Layer, ps: Parameter[], first: Record<string, unknown>, where: string): Exported | undefined {
  const base = { name: l.name, trainable: true, ...first };
  const one = (class_name: string, config: Record<string, unknown>): Exported => ({ layers: [{ class_name, config: { ...config, ...base } }], weights: [] });
  switch (l.kind) {
    case 'conv2d':
    case 'conv1d':
    case 'depthwiseConv2d': return exportConv(l as Conv2D, ps, first, where);
    case 'maxPooling2d':
    case 'averagePooling2d': {
      const p = l as Pooling2D;
      const pads = explicitPads(p.options.padding ?? 'valid', [l.inputShape[0], l.inputShape[1]], p.poolSize, p.strides);
      const padding = kerasPadding(pads, l.inputShape, p.poolSize, p.strides) ?? bad(`${where}: ${l.kind} with pads ${JSON.stringify(pads)} has no tfjs equivalent (Keras pools 'valid' or 'same')`);
      return one(l.kind === 'maxPooling2d' ? 'MaxPooling2D' : 'AveragePooling2D', { pool_size: [...p.poolSize], strides: [...p.strides], padding, ...CHANNELS_LAST });
    }
    case 'globalAveragePooling2d': return one('GlobalAveragePooling2D', CHANNELS_LAST);
    case 'maxPooling1d':
    case 'averagePooling1d': {
      const p = l as Pooling1D;
      return one(p.kind === 'maxPooling1d' ? 'MaxPooling1D' : 'AveragePooling1D', { pool_size: [p.poolSize], strides: [p.strides], padding: p.padding });
    }
    case 'globalMaxPooling1d': return one('GlobalMaxPooling1D', {});
    case 'globalAveragePooling1d': return one('GlobalAveragePooling1D', {});
    case 'flatten': return one('Flatten', CHANNELS_LAST);
    case 'reshape': return one('Reshape', { target_shape: [...(l as Reshape).options.targetShape] });
    case 'zeroPadding2d': return one('ZeroPadding2D', { padding: (l as ZeroPadding2D).padding.map((p) => [...p]), ...CHANNELS_LAST });
    default: return undefined;
  }
}

// ---- import ------------------------------------------------------------------

function channelsLast(c: Record<string, unknown>, where: string): void {
  const f = c.data_format ?? c.dataFormat;
  if (f != null && f !== 'channels_last' && f !== 'channelsLast') bad(`${where}: data_format ${JSON.stringify(f)} is not supported (wasmnn is channels-last)`);
}

function paddingFrom(c: Record<string, unknown>, where: string, pad: Pads2 | undefined): 'same' | 'valid' | Pads2 {
  if (c.padding !== 'same' && c.padding !== 'valid') bad(`${where}: padding ${JSON.stringify(c.padding)} is not supported ('valid' or 'same')`);
  if (pad && c.padding !== 'valid') bad(`${where}: padding 'same' after a ZeroPadding2D is not supported`);
  return pad ?? (c.padding as 'same' | 'valid');
}

/** ZeroPadding2D's padding (n, [h, w] or [[top, bottom], [left, right]]) as pads. */
function zeroPads(v: unknown, where: string): Pads2 {
  const ok = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0;
  if (ok(v)) return [[v, v], [v, v]];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [[v[0], v[0]], [v[1], v[1]]];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) return [[v[0][0], v[0][1]], [v[1][0], v[1][1]]];
  return bad(`${where}: padding ${JSON.stringify(v)} is not n, [h, w] or [[top, bottom], [left, right]]`);
}

function importConv(c: Record<string, unknown>, where: string, inputShape: number[] | undefined, pad: Pads2 | undefined, depthwise: boolean) {
  refuse(c, where, ['activity_regularizer', 'bias_constraint', depthwise ? 'depthwise_constraint' : 'kernel_constraint']);
  channelsLast(c, where);
  const name = String(c.name);
  const useBias = c.use_bias !== false;
  const common = {
    name, inputShape, kernelSize: c.kernel_size as never, strides: c.strides as never, padding: paddingFrom(c, where, pad), dilationRate: c.dilation_rate as never,
    activation: activationFrom(c.activation, where), useBias, biasRegularizer: regularizerFrom(c.bias_regularizer, where),
  };
  return { name, useBias, common };
}

export const IMAGE_IMPORTERS: Record<string, Importer> = {
  Conv2D(c, where, { first, pad }) {
    const { name, useBias, common } = importConv(c, where, first, pad, false);
    const l = layers.conv2d({ ...common, filters: c.filters as number, groups: (c.groups as number) ?? 1, kernelRegularizer: regularizerFrom(c.kernel_regularizer, where) });
    return { layers: [l], params: useBias ? [`${name}/kernel`, `${name}/bias`] : [`${name}/kernel`] };
  },
  Conv1D(c, where, { first, pad }) {
    // Keras' 'causal' (tfjs 4.22 cannot run it) is ours; the rest as Conv2D's.
    const causal = c.padding === 'causal';
    const { name, useBias, common } = importConv(causal ? { ...c, padding: 'valid' } : c, where, first, pad, false);
    const l = layers.conv1d({ ...common, padding: causal ? 'causal' : (common.padding as 'same' | 'valid'), filters: c.filters as number, groups: (c.groups as number) ?? 1, kernelRegularizer: regularizerFrom(c.kernel_regularizer, where) });
    return { layers: [l], params: useBias ? [`${name}/kernel`, `${name}/bias`] : [`${name}/kernel`] };
  },
  DepthwiseConv2D(c, where, { first, pad }) {
    // tfjs 4.22 writes the depthwise regulariser as the constraint too: that is no constraint.
    const cc = JSON.stringify(c.depthwise_constraint) === JSON.stringify(c.depthwise_regularizer) ? { ...c, depthwise_constraint: null } : c;
    const rate = [c.dilation_rate ?? 1].flat();
    if (rate.some((d) => d !== 1)) bad(`${where}: dilation_rate ${JSON.stringify(c.dilation_rate)} is not supported (tfjs 4.22's DepthwiseConv2D ignores it, Keras applies it)`);
    const { name, useBias, common } = importConv(cc, where, first, pad, true);
    const m = (c.depth_multiplier as number) ?? 1;
    const l = layers.depthwiseConv2d({ ...common, depthMultiplier: m, kernelRegularizer: regularizerFrom(c.depthwise_regularizer, where) });
    const kernel = `${name}/depthwise_kernel`;
    return { layers: [l], params: useBias ? [kernel, `${name}/bias`] : [kernel], fileShape: { [kernel]: (s) => [s[0], s[1], s[3] / m, m] } };
  },
  MaxPooling2D: (c, where, { first }) => pooling(c, where, first, true),
  AveragePooling2D: (c, where, { first }) => pooling(c, where, first, false),
  GlobalAveragePooling2D(c, where, { first }) {
    channelsLast(c, where);
    if (c.keepdims === true) bad(`${where}: keepdims true is not supported`);
    return { layers: [layers.globalAveragePooling2d({ name: String(c.name), inputShape: first })], params: [] };
  },
  MaxPooling1D: (c, where, { first }) => pooling1d(c, where, first, 'maxPooling1d'),
  AveragePooling1D: (c, where, { first }) => pooling1d(c, where, first, 'averagePooling1d'),
  GlobalMaxPooling1D: (c, where, { first }) => globalPooling1d(c, where, first, 'globalMaxPooling1d'),
  GlobalAveragePooling1D: (c, where, { first }) => globalPooling1d(c, where, first, 'globalAveragePooling1d'),
  Flatten(c, where, { first }) {
    channelsLast(c, where);
    return { layers: [layers.flatten({ name: String(c.name), inputShape: first })], params: [] };
  },
  Reshape: (c, _where, { first }) => ({ layers: [layers.reshape({ name: String(c.name), targetShape: c.target_shape as number[], inputShape: first })], params: [] }),
  ZeroPadding2D(c, where, { first }) {
    channelsLast(c, where);
    const pad = zeroPads(c.padding, where);
    return { layers: [layers.zeroPadding2d({ name: String(c.name), padding: pad, inputShape: first })], params: [], pad };
  },
};

function pooling(c: Record<string, unknown>, where: string, inputShape: number[] | undefined, max: boolean) {
  channelsLast(c, where);
  const o = { name: String(c.name), inputShape, poolSize: c.pool_size as never, strides: (c.strides ?? undefined) as never, padding: paddingFrom(c, where, undefined) };
  return { layers: [max ? layers.maxPooling2d(o) : layers.averagePooling2d(o)], params: [] as string[] };
}

function pooling1d(c: Record<string, unknown>, where: string, inputShape: number[] | undefined, kind: 'maxPooling1d' | 'averagePooling1d') {
  channelsLast(c, where);
  const o = { name: String(c.name), inputShape, poolSize: c.pool_size as never, strides: (c.strides ?? undefined) as never, padding: paddingFrom(c, where, undefined) as 'same' | 'valid' };
  return { layers: [kind === 'maxPooling1d' ? layers.maxPooling1d(o) : layers.averagePooling1d(o)], params: [] as string[] };
}

function globalPooling1d(c: Record<string, unknown>, where: string, inputShape: number[] | undefined, kind: 'globalMaxPooling1d' | 'globalAveragePooling1d') {
  channelsLast(c, where);
  if (c.keepdims === true) bad(`${where}: keepdims true is not supported`);
  const o = { name: String(c.name), inputShape };
  return { layers: [kind === 'globalMaxPooling1d' ? layers.globalMaxPooling1d(o) : layers.globalAveragePooling1d(o)], params: [] as string[] };
}
