// An allocator over wasm linear memory: first-fit over a sorted free list, with
// neighbouring free blocks merged; memory grows (in whole pages) only when no free
// block fits. Models allocate their whole plan at compile time, so a training step
// never reaches here.
//
// NOTE: growing memory detaches every typed-array view on the old buffer. Views are
// therefore never cached without checking `buffer` (see Tensor.data).

const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB, the wasm32 limit

export class OutOfMemoryError extends Error {
  override name = 'OutOfMemoryError';
}

export class Arena {
  readonly memory: WebAssembly.Memory;
  private readonly base: number;
  private top: number; // end of the highest block ever handed out
  private readonly free: { start: number; end: number }[] = [];
  private readonly live = new Map<number, number>(); // ptr -> size in bytes
  /** How many times linear memory has grown (tests use it to prove a step allocates nothing). */
  grows = 0;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.memory = memory;
    this.base = align(heapBase + 16, 64); // keep address 0..base for the module's own data; 0 is never a valid pointer
    this.top = this.base;
  }

  /** Allocates `bytes` (at least 1) at an address aligned to `alignment` (a power of two, default 64). */
  alloc(bytes: number, alignment = 64): number {
    if (!Number.isInteger(bytes) || bytes < 0) throw new RangeError(`wasmnn: cannot allocate ${bytes} bytes`);
    const size = align(Math.max(bytes, 1), 16);
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i];
      const start = align(b.start, alignment);
      if (start + size <= b.end) {
        this.free.splice(i, 1);
        if (start > b.start) this.insertFree(b.start, start);
        if (start + size < b.end) this.insertFree(start + size, b.end);
        this.live.set(start, size);
        return start;
      }
    }
    const start = align(this.top, alignment);
    this.ensure(start + size);
    if (start > this.top) this.insertFree(this.top, start);
    this.top = start + size;
    this.live.set(start, size);
    return start;
  }

  /** Returns a block to the arena. Freeing an unknown pointer is an error (a double free, most likely). */
  release(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) throw new Error(`wasmnn: release of ${ptr}, which is not a live allocation`);
    this.live.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // Pull the top down over a free block that now touches it.
      const last = this.free[this.free.length - 1];
      if (last && last.end === this.top) {
        this.top = last.start;
        this.free.pop();
      }
    } else {
      this.insertFree(ptr, ptr + size);
    }
  }

  /** Bytes handed out and not released. */
  get bytesInUse(): number {
    let n = 0;
    for (const s of this.live.values()) n += s;
    return n;
  }

  get liveBlocks(): number {
    return this.live.size;
  }

  /** Makes sure linear memory reaches `end` bytes, growing it if needed. */
  ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    const total = have / PAGE + pages;
    if (total > MAX_PAGES) {
      throw new OutOfMemoryError(`wasmnn: out of memory: needs ${(end / 2 ** 20).toFixed(1)} MiB of wasm memory, above the 4 GiB limit of wasm32`);
    }
    try {
      this.memory.grow(pages);
    } catch (e) {
      throw new OutOfMemoryError(
        `wasmnn: out of memory: could not grow wasm memory from ${(have / 2 ** 20).toFixed(1)} to ${((total * PAGE) / 2 ** 20).toFixed(1)} MiB (${(e as Error).message})`,
      );
    }
    this.grows++;
  }

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  u32(ptr: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, ptr, length);
  }

  private insertFree(start: number, end: number): void {
    // Keep the list sorted by address and merge with neighbours.
    let i = 0;
    while (i < this.free.length && this.free[i].start < start) i++;
    const prev = this.free[i - 1];
    const next = this.free[i];
    if (prev && prev.end === start && next && next.start === end) {
      prev.end = next.end;
      this.free.splice(i, 1);
    } else if (prev && prev.end === start) prev.end = end;
    else if (next && next.start === end) next.start = start;
    else this.free.splice(i, 0, { start, end });
  }
}

export function align(n: number, a: number): number {
  return Math.ceil(n / a) * a; // arithmetic, not bitwise: sizes may exceed 2^31
}
