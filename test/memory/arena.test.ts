import { describe, expect, it } from 'vitest';
import { Arena, OutOfMemoryError } from '../../src/memory/arena.js';
import { Tensor } from '../../src/memory/tensor.js';

const PAGE = 65536;

describe('Arena', () => {
  it('hands out aligned, disjoint blocks and reuses freed ones', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1 }), 1000);
    const p = a.alloc(10);
    const q = a.alloc(100, 16);
    const r = a.alloc(4);
    expect(p % 64).toBe(0);
    expect(q % 16).toBe(0);
    expect(p).toBeGreaterThanOrEqual(1000);
    expect(q).toBeGreaterThanOrEqual(p + 16);
    expect(r).toBeGreaterThanOrEqual(q + 112);
    a.release(q);
    expect(a.alloc(100, 16)).toBe(q); // first fit takes the hole back
    expect(a.liveBlocks).toBe(3);
  });

  it('merges neighbouring free blocks so a larger block fits in the hole', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    const x = a.alloc(64, 64);
    const y = a.alloc(64, 64);
    a.alloc(64, 64); // keeps the top above the hole
    a.release(x);
    a.release(y);
    expect(a.alloc(128, 64)).toBe(x);
  });

  it('pulls the top down when the highest block is released', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    const x = a.alloc(64);
    const y = a.alloc(64);
    a.release(y);
    a.release(x);
    expect(a.alloc(64)).toBe(x);
    expect(a.bytesInUse).toBe(64);
  });

  it('refuses a double free', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1 }), 0);
    const x = a.alloc(8);
    a.release(x);
    expect(() => a.release(x)).toThrow(/not a live allocation/);
  });

  it('grows memory on demand and a Tensor re-derives its view after growth', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const a = new Arena(mem, 0);
    const t = Tensor.alloc(a, [4, 4]);
    t.data.set([1, 2, 3]);
    const stale = t.data;
    expect(a.grows).toBe(0);
    a.alloc(3 * PAGE); // forces growth, detaching every old view
    expect(a.grows).toBe(1);
    expect(stale.length).toBe(0); // the old view is detached...
    expect(Array.from(t.data.subarray(0, 3))).toEqual([1, 2, 3]); // ...but t.data is fresh
    expect(t.data.length).toBe(16);
  });

  it('reports out-of-memory with a clear error instead of crashing', () => {
    const a = new Arena(new WebAssembly.Memory({ initial: 1, maximum: 2 }), 0);
    expect(() => a.alloc(10 * PAGE)).toThrow(OutOfMemoryError);
    expect(() => a.alloc(10 * PAGE)).toThrow(/out of memory: could not grow wasm memory/);
    expect(() => a.alloc(2 ** 33)).toThrow(/above the 4 GiB limit/);
    expect(() => a.alloc(-1)).toThrow(RangeError);
  });
});
