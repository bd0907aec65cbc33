// Model files in one call, for Node (the subpath 'wasmnn/fs'): encodeModel's single-file form
// written and read with node:fs. Kept out of the core entry, which runs in browsers and Workers.
import { readFile, writeFile } from 'node:fs/promises';
import { Model } from './model/model.js';
import { Sequential } from './model/sequential.js';
import { encodeModel, decodeModel, FORMAT } from './model/serialize.js';

/** Writes model.save(options) to one file. @example await saveModelFile(model, 'model.wasmnn', { includeOptimizer: true }) */
export async function saveModelFile(model: Model, path: string, options: { includeOptimizer?: boolean } = {}): Promise<void> {
  await writeFile(path, encodeModel(model.save(options)));
}

/** Reads a file saveModelFile wrote: a Sequential for a chain of layers, a Model for a functional graph. */
export async function loadModelFile(path: string): Promise<Model> {
  const saved = decodeModel(await readFile(path));
  return saved.topology?.format === FORMAT ? Sequential.load(saved) : Model.load(saved);
}
