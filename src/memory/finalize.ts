// Memory of objects nobody disposes: when a model, a parameter, an optimizer or a valueAndGrad
// function is garbage-collected, what it held in wasm memory is released (FinalizationRegistry),
// so forgetting dispose() costs nothing for good. dispose() stays for prompt release. The release
// function must not refer to the owner itself, or the owner would never be collected: V8 shares one
// closure context among the closures of a scope, so it is made outside the owner's methods
// (releaseBlocks below, or a factory function).
// NOTE: wasm memory never shrinks; what is released is reused by later allocations.
import type { Arena } from './arena.js';

const registry = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<() => void>((release) => release()) : undefined;

/** Calls `release` once `owner` has been garbage-collected, unless forget(owner) came first. */
export function whenCollected(owner: object, release: () => void): void {
  registry?.register(owner, release, owner);
}

/** A release function that frees these blocks (made here, so that it closes over nothing else). */
export function releaseBlocks(arena: Arena, blocks: readonly number[][] | readonly number[]): () => void {
  return () => {
    for (const b of blocks as readonly (number | readonly number[])[]) {
      if (typeof b === 'number') arena.release(b);
      else for (const p of b) arena.release(p);
    }
  };
}

/** Cancels whenCollected(owner) (after a prompt dispose()). */
export function forget(owner: object): void {
  registry?.unregister(owner);
}
