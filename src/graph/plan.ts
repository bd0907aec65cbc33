// Memory from lifetimes (as XLA's buffer assignment and TVM's planner): every tensor a program
// computes lives from the step that writes it to the last step that reads it; tensors whose
// lifetimes do not overlap share bytes, and an op may write over an input that dies with it.
// Offsets are assigned greedily, largest buffer first, at the lowest address free for its lifetime.
import { align } from '../memory/arena.js';

export interface Buffer {
  /** Index of the first step that writes it (-1: written before the program runs). */
  def: number;
  /** Index of the last step that reads it (Infinity: read after the program). */
  last: number;
  /** Bytes for the planned rows. */
  bytes: number;
  /** Assigned byte offset within the block. */
  offset: number;
}

/** Assigns offsets; returns the block's size in bytes. */
export function assignOffsets(buffers: readonly Buffer[]): number {
  const order = buffers.map((_, i) => i).sort((a, b) => buffers[b].bytes - buffers[a].bytes || buffers[a].def - buffers[b].def);
  const placed: Buffer[] = [];
  let total = 0;
  for (const i of order) {
    const b = buffers[i];
    const size = align(b.bytes, 64);
    const clash = placed.filter((p) => p.def <= b.last && b.def <= p.last).sort((x, y) => x.offset - y.offset);
    let offset = 0;
    for (const p of clash) {
      if (offset + size <= p.offset) break;
      offset = Math.max(offset, p.offset + align(p.bytes, 64));
    }
    b.offset = offset;
    placed.push(b);
    total = Math.max(total, offset + size);
  }
  return total;
}
