// The threaded build's entry: every kernel of index.ts, plus the size of the scratch block each
// instance is given (see scratch.ts). Built with shared, imported memory (asconfig.json's
// threads targets); src/threads/ runs one instance per worker over that memory.
import { SCRATCH_BYTES } from './scratch';
export * from './index';

export function thread_scratch_bytes(): usize {
  return SCRATCH_BYTES;
}
