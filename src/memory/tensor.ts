// A float32 block in wasm memory with a shape. `data` is a typed-array view that is
// re-derived whenever linear memory has grown (growth detaches old views), and
// reused otherwise, so reading it in a loop allocates nothing.
import type { Arena } from './arena.js';

export class Tensor {
  readonly arena: Arena;
  readonly ptr: number;
  readonly shape: readonly number[];
  readonly size: number;
  private view: Float32Array | undefined;

  constructor(arena: Arena, ptr: number, shape: readonly number[]) {
    this.arena = arena;
    this.ptr = ptr;
    this.shape = shape;
    this.size = shape.reduce((a, b) => a * b, 1);
  }

  /** Allocates a zeroed tensor. */
  static alloc(arena: Arena, shape: readonly number[]): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const t = new Tensor(arena, arena.alloc(size * 4), shape);
    t.data.fill(0);
    return t;
  }

  /** A live view of the elements; never keep it across an allocation. */
  get data(): Float32Array {
    const buf = this.arena.memory.buffer;
    if (this.view === undefined || this.view.buffer !== buf) this.view = new Float32Array(buf, this.ptr, this.size);
    return this.view;
  }
}
