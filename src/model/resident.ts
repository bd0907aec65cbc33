// Data in wasm memory: a data set copied in once (fit's training and validation sets, evaluate's
// and predict's inputs), so that a batch is a pointer into it or a gather of shuffled rows; and
// views of the whole heap, re-derived only after memory grew.
import type { Runtime } from '../wasm/init.js';
import type { Matrix } from '../data/matrix.js';
import type { SymbolicTensor } from '../graph/symbolic.js';

/** A data set copied into wasm memory. */
export interface Resident {
  x: number[];
  y: number;
  rows: number;
  release(): void;
}

/** Copies x (one block per input, int32 for an int32 input: ids, checked whole by DataChecks) and y (int32 class indices when `index`) into wasm memory. */
export function makeResident(rt: Runtime, x: Matrix[], y: Matrix | undefined, index: boolean, inputs: readonly SymbolicTensor[]): Resident {
  const { arena } = rt;
  const xp = x.map((m, i) => {
    const p = arena.alloc(m.data.length * 4);
    if (inputs[i].dtype === 'int32') arena.i32(p, m.data.length).set(m.data);
    else arena.f32(p, m.data.length).set(m.data);
    return p;
  });
  const yp = y ? arena.alloc(y.data.length * 4) : 0;
  if (y) {
    if (index) arena.i32(yp, y.data.length).set(y.data);
    else arena.f32(yp, y.data.length).set(y.data);
  }
  return {
    x: xp,
    y: yp,
    rows: x[0].rows,
    release: () => {
      for (const p of xp) arena.release(p);
      if (yp) arena.release(yp);
    },
  };
}

// Views are re-derived only after the arena grew memory (the one place memory grows): reading
// memory.buffer is a call into the engine, which a training step need not make.
export class HeapViews {
  f32!: Float32Array;
  i32!: Int32Array;
  private grows = -1;

  constructor(private readonly rt: Runtime) {}

  refresh(): void {
    const { arena } = this.rt;
    if (this.grows === arena.grows) return;
    const buf = arena.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.grows = arena.grows;
  }
}
