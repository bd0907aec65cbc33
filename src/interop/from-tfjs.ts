// The function form of Sequential.fromTfjs, for the core entry (tfjs.ts itself imports no model
// code, so that model/ and interop/ import each other in one direction only).
import { Sequential } from '../model/sequential.js';
import type { TfjsArtifacts } from './tfjs.js';

/** A Sequential model from what tfjs' `model.save` writes; the same as Sequential.fromTfjs. */
export function fromTfjs(artifacts: TfjsArtifacts, options: { seed?: number } = {}): Sequential {
  return Sequential.fromTfjs(artifacts, options);
}
