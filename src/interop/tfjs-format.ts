// What both directions of the tfjs layers format share: tfjs' artifact types, the error, and how
// activations, regularisers and refused options are spelled in Keras JSON (tfjs.ts exports,
// tfjs-import.ts imports, tfjs-image.ts does both for the image layers).
import type { ActivationSpec, Activation } from '../layers/activations.js';
import * as regularizers from '../regularizers/index.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Layer } from '../layers/layer.js';
import type { Pads2 } from '../reference/conv.js';

export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

/** tfjs' ModelArtifacts, as far as this format uses them. */
export interface TfjsArtifacts {
  modelTopology: Record<string, unknown>;
  weightSpecs: TfjsWeightSpec[];
  weightData: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
}

export type KerasLayer = { class_name: string; config: Record<string, unknown> };

export class TfjsFormatError extends RangeError {
  override name = 'TfjsFormatError';
}
export const bad = (msg: string): never => {
  throw new TfjsFormatError(`wasmnn: tfjs: ${msg}`);
};

// wasmnn activation <-> Keras activation name (those Keras has).
export const TO_KERAS: Record<string, string> = {
  linear: 'linear', identity: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax',
  softplus: 'softplus', gelu: 'gelu', silu: 'swish',
};
// NOTE: tfjs 4.22 writes gelu's tanh form as 'gelu_new' but cannot read that name back, and its ELU
// layer refuses alpha != 1, so geluTanh and elu(alpha != 1) are refused on export.
export const FROM_KERAS: Record<string, ActivationSpec> = {
  linear: 'linear', relu: 'relu', sigmoid: 'sigmoid', tanh: 'tanh', softmax: 'softmax', softplus: 'softplus', gelu: 'gelu', gelu_new: 'geluTanh', swish: 'silu', elu: 'elu',
};

/** What one wasmnn layer becomes: Keras layers and their weights, in order. */
export interface Exported {
  layers: KerasLayer[];
  weights: { name: string; shape: number[]; values: Float32Array }[];
}

export const regularizerConfig = (r: Regularizer | undefined) => (r ? { class_name: 'L1L2', config: { l1: r.l1, l2: r.l2 } } : null);

/** An activation as Keras spells it inside a layer, or as a layer of its own when it has no name there. */
export function kerasActivation(a: Activation, where: string, name: string): { inline: string; layer?: KerasLayer } {
  if (a.name === 'leakyRelu') return { inline: 'linear', layer: { class_name: 'LeakyReLU', config: { alpha: a.alpha, name, trainable: true } } };
  if (a.name === 'elu' && a.alpha !== 1) bad(`${where}: elu with alpha ${a.alpha} has no tfjs equivalent (tfjs' ELU supports only alpha 1)`);
  if (a.name === 'elu') return { inline: 'elu' };
  return { inline: TO_KERAS[a.name] ?? bad(`${where}: activation '${a.name}' has no tfjs equivalent that tfjs can load`) };
}

export const roundTo12 = (x: number) => Number(x.toPrecision(12));

export function activationFrom(v: unknown, where: string): ActivationSpec {
  const name = v === undefined || v === null ? 'linear' : typeof v === 'string' ? v : (v as { class_name?: unknown }).class_name;
  const spec = typeof name === 'string' ? FROM_KERAS[name] ?? FROM_KERAS[name.toLowerCase()] : undefined;
  return spec ?? bad(`${where}: activation ${JSON.stringify(name)} is not supported (supported: ${Object.keys(FROM_KERAS).join(', ')})`);
}

export function regularizerFrom(v: unknown, where: string): Regularizer | undefined {
  if (v === null || v === undefined) return undefined;
  const r = v as { class_name?: string; config?: { l1?: number; l2?: number } };
  if (!['L1L2', 'l1_l2', 'L1', 'L2'].includes(String(r.class_name))) bad(`${where}: regularizer '${String(r.class_name)}' is not supported (only L1L2)`);
  return regularizers.l1l2({ l1: r.config?.l1 ?? 0, l2: r.config?.l2 ?? 0 });
}

/** Options that would change training and that wasmnn cannot represent are refused, not dropped. */
export function refuse(c: Record<string, unknown>, where: string, keys: string[]): void {
  for (const k of keys) if (c[k] !== null && c[k] !== undefined) bad(`${where}: ${k} ${JSON.stringify(c[k])} is not supported`);
  if (c.trainable === false) bad(`${where}: frozen layers (trainable: false) are not supported`);
}

/** What one Keras layer becomes: wasmnn layers, and the names of the weights they take, in parameter order. */
export interface Imported {
  layers: Layer[];
  /** Weight names for the parameters, then for batch norm's running mean and variance. */
  params: string[];
  stats?: [string, string];
  /** The file's shape of a weight that holds the parameter's numbers in another shape, from the parameter's. */
  fileShape?: Record<string, (paramShape: readonly number[]) => number[]>;
  /** A ZeroPadding2D's pads, for the convolution after it. */
  pad?: Pads2;
}

/** What an importer knows besides the layer's config. */
export interface ImportContext {
  /** One sample's input shape when the layer is the model's first. */
  first: number[] | undefined;
  /** The pads of the ZeroPadding2D just before it. */
  pad: Pads2 | undefined;
}

export type Importer = (c: Record<string, unknown>, where: string, ctx: ImportContext) => Imported;
