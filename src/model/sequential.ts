// A stack of layers: a Model whose graph is a chain, built by the same engine.
import { chain, type Layer } from '../layers/layer.js';
import { Model, type ModelOptions } from './model.js';
import { loadModel, type ModelSource } from './serialize.js';
import { checkOptions } from '../validate/options.js';
import { loadTfjs, type TfjsArtifacts } from '../interop/tfjs.js';
import type { OnnxImportOptions } from '../interop/onnx-import.js';

export type SequentialOptions = ModelOptions;

export class Sequential extends Model {
  constructor(layers: Layer[], options: SequentialOptions = {}) {
    checkOptions('new Sequential', options, ['seed', 'name']);
    if (!Array.isArray(layers) || layers.length === 0) throw new RangeError('wasmnn: Sequential needs at least one layer');
    layers.forEach((l, i) => {
      if (l.owner) throw new Error(`wasmnn: the layer '${l.name}' already belongs to another model; build a new layer for this one`);
      if (layers.indexOf(l) !== i) throw new Error(`wasmnn: the layer '${l.name}' appears twice in the list (to share weights, use a functional Model)`);
    });
    const { x, y } = chain(layers);
    super({ inputs: x, outputs: y }, { seed: options.seed, name: options.name ?? 'sequential' });
  }

  /** Rebuilds a model from save() (its weights as any byte view) or encodeModel()'s bytes; refuses a damaged or foreign file with an error that says what is wrong. */
  static override load(saved: ModelSource): Sequential {
    return loadModel(saved, (ls, o) => new Sequential(ls, o)) as Sequential;
  }

  /** A Sequential model from what tfjs' `model.save` writes (dense, dropout, batch normalization, activation layers). */
  static fromTfjs(artifacts: TfjsArtifacts, options: { seed?: number } = {}): Sequential {
    return loadTfjs(artifacts, options, (ls, o) => new Sequential(ls, o));
  }

  /** A Sequential model from ONNX bytes of a chain of layers; any other graph is refused (Model.fromOnnx takes it). */
  static override async fromOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): Promise<Sequential> {
    const onnx = await import('../interop/onnx-import.js');
    return onnx.importOnnx(bytes, options, { chain: (ls, o) => new Sequential(ls, o) }) as Sequential;
  }
}
