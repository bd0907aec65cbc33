// A program: one collected list of primitive equations (forward, and backward when it trains),
// its memory plan and its steps. Steps are closures over the pointer table built once; a run
// sets the batch's rows and calls them in order, so it allocates nothing. A larger batch
// replans: new offsets in the table, the same steps.
import type { Runtime } from '../wasm/init.js';
import { isPrimitive, type EmitContext, type PrimitiveOp, type RunState, type Step } from './op.js';
import { BATCH, collect, type Eqn, type SymbolicTensor } from './symbolic.js';
import { assignOffsets, type Buffer } from './plan.js';
import { fuse } from './fuse.js';

export interface ProgramSpec {
  /** Tensors read after a run (outputs, the loss): alive to the end. */
  roots: readonly SymbolicTensor[];
  /** Tensors written straight into memory the program does not own (parameter gradients). */
  pins?: readonly { tensor: SymbolicTensor; ptr: number }[];
  training: boolean;
  /** The PRNG state dropout draws from (0 when there is no dropout). */
  dropoutState?: number;
}

type Storage = 'planned' | 'input' | 'param' | 'pin' | 'const';

export class Program {
  readonly eqns: readonly Eqn[];
  /** Rows the memory is planned for (0 before plan()). */
  maxRows = 0;
  /** Bytes of the planned block. */
  planBytes = 0;
  /** What the planned tensors would take each in a buffer of its own (no sharing, no in-place writes). */
  unsharedBytes = 0;
  private readonly rt: Runtime;
  private readonly run: RunState;
  private readonly steps: Step[] = [];
  private readonly slotOf = new Map<SymbolicTensor, number>();
  private readonly storage: Storage[] = [];
  private readonly externalPtr: number[] = [];
  private readonly members: SymbolicTensor[][] = [];
  private readonly lifetimes: { def: number; last: number }[] = [];
  private readonly consts: number[] = [];
  private block = 0;
  private plannedPtr: number[] = [];

  constructor(rt: Runtime, spec: ProgramSpec) {
    this.rt = rt;
    const pins = spec.pins ?? [];
    const roots = [...spec.roots, ...pins.map((p) => p.tensor)];
    const eqns = fuse(collect(roots), roots);
    for (const e of eqns) if (!isPrimitive(e.op)) throw new Error(`wasmnn: internal: '${e.op.name}' reached a program unlowered`);
    this.eqns = eqns;
    const buf = rt.arena.memory.buffer;
    this.run = { rows: 0, ptrs: new Float64Array(0), scalars: new Float64Array(0), dropoutState: spec.dropoutState ?? 0, heapF: new Float32Array(buf), heapI: new Int32Array(buf) };

    // Union-find over tensors: an alias or an in-place write joins the input's buffer.
    const index = new Map<SymbolicTensor, number>();
    const parent: number[] = [];
    const tensors: SymbolicTensor[] = [];
    const idOf = (t: SymbolicTensor) => {
      let i = index.get(t);
      if (i === undefined) {
        i = tensors.length;
        index.set(t, i);
        tensors.push(t);
        parent.push(i);
      }
      return i;
    };
    const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
    const def = new Map<number, number>();
    const last = new Map<number, number>();
    const pinned = new Map<SymbolicTensor, number>();
    for (const p of pins) pinned.set(p.tensor, p.ptr);
    const rootSet = new Set(roots);
    // Lifetimes per tensor first.
    eqns.forEach((e, i) => {
      for (const t of e.inputs) last.set(idOf(t), i);
      for (const t of e.outputs) {
        def.set(idOf(t), i);
        if (!last.has(idOf(t))) last.set(idOf(t), i);
      }
    });
    for (const r of roots) last.set(idOf(r), Infinity);
    const kindOf = (t: SymbolicTensor): Storage => (pinned.has(t) ? 'pin' : t.kind === 'param' ? 'param' : t.kind === 'const' ? 'const' : t.kind === 'input' ? 'input' : 'planned');
    const groupLast = new Map<number, number>();
    const lastOfGroup = (g: number) => groupLast.get(g) ?? last.get(g) ?? -1;
    const join = (into: number, from: number) => {
      const a = find(into), b = find(from);
      if (a === b) return;
      parent[b] = a;
      groupLast.set(a, Math.max(lastOfGroup(a), lastOfGroup(b), last.get(from) ?? -1));
    };
    eqns.forEach((e, i) => {
      const op = e.op as PrimitiveOp;
      const out = e.outputs[0];
      if (!out) return;
      const al = op.alias?.(e, spec.training) ?? -1;
      if (al >= 0) {
        join(idOf(e.inputs[al]), idOf(out));
        return;
      }
      if (op.inPlace === undefined || pinned.has(out) || rootSet.has(out)) return;
      const x = e.inputs[op.inPlace];
      const gx = find(idOf(x));
      const members = tensors.filter((t, j) => find(j) === gx);
      // An input read twice by the op (x * x) is still safe: the kernels are element-wise.
      const movable = members.every((t) => kindOf(t) === 'planned') && lastOfGroup(gx) === i && bytesPerRow(x) === bytesPerRow(out) && x.rows === out.rows;
      if (movable) join(idOf(x), idOf(out));
    });

    // Slots: one per group.
    const groupSlot = new Map<number, number>();
    tensors.forEach((t, i) => {
      const g = find(i);
      let s = groupSlot.get(g);
      if (s === undefined) {
        s = this.members.length;
        groupSlot.set(g, s);
        this.members.push([]);
        this.storage.push('planned');
        this.externalPtr.push(0);
        this.lifetimes.push({ def: Infinity, last: -1 });
      }
      this.slotOf.set(t, s);
      this.members[s].push(t);
      const lt = this.lifetimes[s];
      lt.def = Math.min(lt.def, t.kind === 'value' ? def.get(i) ?? -1 : -1);
      lt.last = Math.max(lt.last, last.get(i) ?? -1);
      const kind = kindOf(t);
      if (kind !== 'planned') {
        const prev = this.storage[s];
        if (prev !== 'planned' && prev !== kind) throw new Error(`wasmnn: internal: tensor ${t.id} joins storage ${prev} and ${kind}`);
        this.storage[s] = kind;
        if (kind === 'param') {
          const p = t.slot!.param;
          if (!p) throw new Error(`wasmnn: the parameter ${t.slot!.label} is not bound to memory (is its layer part of a model?)`);
          this.externalPtr[s] = p.valuePtr;
        } else if (kind === 'pin') this.externalPtr[s] = pinned.get(t)!;
        else if (kind === 'const') {
          const ptr = rt.arena.alloc(t.constant!.length * 4);
          rt.arena.f32(ptr, t.constant!.length).set(t.constant!);
          this.consts.push(ptr);
          this.externalPtr[s] = ptr;
        }
      }
    });
    this.run.ptrs = new Float64Array(this.members.length);
    this.run.scalars = new Float64Array(this.members.length).fill(NaN);
    for (let s = 0; s < this.members.length; s++) if (this.storage[s] !== 'planned' && this.storage[s] !== 'input') this.run.ptrs[s] = this.externalPtr[s];

    const usedSet = new Set<SymbolicTensor>(roots);
    for (const e of eqns) for (const t of e.inputs) usedSet.add(t);
    const ctx: EmitContext = {
      k: rt.kernels,
      run: this.run,
      training: spec.training,
      slot: (t) => {
        const s = this.slotOf.get(t);
        if (s === undefined) throw new Error(`wasmnn: internal: tensor ${t.id} has no slot`);
        return s;
      },
      used: (t) => usedSet.has(t),
    };
    for (const e of eqns) {
      const step = (e.op as PrimitiveOp).emit(e, ctx);
      if (step) this.steps.push(step);
    }
  }

  /** Plans (or replans) memory for batches of up to `rows` rows. */
  plan(rows: number): void {
    const bufs: (Buffer & { slot: number })[] = [];
    this.members.forEach((ts, s) => {
      const kind = this.storage[s];
      if (kind !== 'planned' && kind !== 'input') return;
      const bytes = Math.max(...ts.map((t) => (t.rows === BATCH ? rows : t.rows) * t.cols * 4));
      const lt = this.lifetimes[s];
      bufs.push({ slot: s, def: lt.def, last: lt.last, bytes, offset: 0 });
    });
    const total = assignOffsets(bufs);
    this.unsharedBytes = 0;
    for (const b of bufs) for (const t of this.members[b.slot]) this.unsharedBytes += (t.rows === BATCH ? rows : t.rows) * t.cols * 4;
    const { arena } = this.rt;
    const block = arena.alloc(Math.max(total, 16));
    if (this.block) arena.release(this.block);
    this.block = block;
    for (const b of bufs) this.run.ptrs[b.slot] = this.plannedPtr[b.slot] = block + b.offset;
    this.planBytes = total;
    this.maxRows = rows;
  }

  /** Plans for `rows` unless the plan already covers them. */
  ensure(rows: number): void {
    if (rows > this.maxRows) this.plan(rows);
  }

  /** The address of a tensor's buffer in the current plan. */
  ptr(t: SymbolicTensor): number {
    return this.run.ptrs[this.slot(t)];
  }

  /** Points an input at memory the caller owns for the next runs (a resident data set's rows). */
  bind(t: SymbolicTensor, ptr: number): void {
    this.run.ptrs[this.slot(t)] = ptr;
  }

  /** Points an input back at its planned buffer. */
  unbind(t: SymbolicTensor): void {
    const s = this.slot(t);
    this.run.ptrs[s] = this.plannedPtr[s];
  }

  slot(t: SymbolicTensor): number {
    const s = this.slotOf.get(t);
    if (s === undefined) throw new Error(`wasmnn: internal: tensor ${t.id} is not part of this program`);
    return s;
  }

  has(t: SymbolicTensor): boolean {
    return this.slotOf.has(t);
  }

  /** Runs every step for a batch of `rows` rows (within the plan). */
  exec(rows: number): void {
    const run = this.run;
    this.refreshViews();
    run.rows = rows;
    const steps = this.steps;
    for (let i = 0; i < steps.length; i++) steps[i]();
  }

  /** A [1, 1] result: the f64 its kernel returned where it returns one, else the f32 in memory. */
  scalar(t: SymbolicTensor): number {
    this.scalarInto(t, this.tmp, 0);
    return this.tmp[0];
  }

  /** scalar(t) into out[i]: in a training step, where a returned double would be boxed. */
  scalarInto(t: SymbolicTensor, out: Float64Array, i: number): void {
    const s = this.slot(t);
    this.refreshViews();
    out[i] = writesF64(t) ? this.run.scalars[s] : this.run.heapF[this.run.ptrs[s] / 4];
  }

  private readonly tmp = new Float64Array(1);

  /** The heap views after memory growth (growth detaches the old ones). */
  // Only after the arena grew memory (the one place it grows): reading memory.buffer on every
  // run is a call into the engine that a step need not make.
  private viewGrows = -1;
  private refreshViews(): void {
    const { arena } = this.rt;
    if (this.viewGrows === arena.grows) return;
    const buf = arena.memory.buffer;
    this.run.heapF = new Float32Array(buf);
    this.run.heapI = new Int32Array(buf);
    this.viewGrows = arena.grows;
  }

  /** Frees the plan and the constants. */
  dispose(): void {
    const { arena } = this.rt;
    if (this.block) arena.release(this.block);
    this.block = 0;
    for (const p of this.consts) arena.release(p);
    this.consts.length = 0;
    this.maxRows = 0;
  }
}

// The ops whose kernels return the value in f64 (a loss, a sum or mean of everything).
function writesF64(t: SymbolicTensor): boolean {
  const p = t.producer;
  return !!p && p.outputs[0] === t && (p.op.name === 'loss' || (p.op.name === 'reduce' && p.attrs.axis === undefined));
}

function bytesPerRow(t: SymbolicTensor): number {
  return t.cols * 4;
}
