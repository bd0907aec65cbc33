// Recomputes a saved model's checksums after a test has edited it on purpose, so the loader's
// deeper checks (layer kinds, graph references, state values) are what the test reaches, as
// they would be for a file a buggy or hostile writer produced with valid checksums.
import { checksums } from '../../src/model/checksum.js';

export function reseal<T extends { topology: object; weights: ArrayBuffer }>(saved: T): T {
  (saved.topology as { checksum?: unknown }).checksum = checksums(saved.topology, new Uint8Array(saved.weights));
  return saved;
}
