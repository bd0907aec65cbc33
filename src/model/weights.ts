// A model's state in wasm memory: its parameters and their gradients (one flat region each, in
// the order layers are first applied, so an optimizer step is one kernel call over all of them),
// its three random streams (init, shuffle, dropout) and the row order shuffling has reached.
// What it holds is listed in Holdings, which dispose() or the garbage collector releases.
import type { Runtime } from '../wasm/init.js';
import type { Layer } from '../layers/layer.js';
import { Parameter } from '../optimizers/parameter.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Program } from '../graph/program.js';
import type { Arena } from '../memory/arena.js';
import { whenCollected } from '../memory/finalize.js';

export const STREAM_INIT = 1;
export const STREAM_SHUFFLE = 2;
export const STREAM_DROPOUT = 3;

export class Weights {
  readonly params: Parameter[] = [];
  /** Parameters with a weight penalty, and the penalty. */
  readonly penalties: { p: Parameter; r: Regularizer }[] = [];
  readonly paramRegion: number;
  readonly gradRegion: number;
  readonly paramCount: number;
  /** Three PRNG states of 16 bytes: init, shuffle, dropout. */
  readonly rngStates: number;
  /** Who owns a layer or an optimizer: a token, not the model, so that holding a layer or an
   *  optimizer does not keep a forgotten model (and its memory) alive. */
  readonly identity: { readonly name: string };
  /** What the model holds in wasm memory, released by dispose() or when the model is collected. */
  readonly held: Holdings;
  /** The row order the last shuffled fit left: the next fit on as many rows shuffles it on. */
  order: Int32Array | undefined;
  disposed = false;

  /** Allocates and initialises the layers' parameters from the seed; `owner` is the model, whose collection releases them. */
  constructor(private readonly rt: Runtime, layers: readonly Layer[], seed: number, name: string, owner: object) {
    const { arena, kernels: k } = rt;
    this.held = new Holdings(arena);
    this.identity = { name };
    const specs = layers.map((l) => l.paramSpecs());
    this.paramCount = specs.flat().reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    this.paramRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.gradRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.rngStates = arena.alloc(48, 16);
    for (const stream of [STREAM_INIT, STREAM_SHUFFLE, STREAM_DROPOUT]) {
      k.rng_seed(this.rngStates + 16 * (stream - 1), seed >>> 0, (Math.floor(seed / 2 ** 32) + stream * 0x9e3779b9) >>> 0);
    }
    let offset = 0;
    specs.forEach((layerSpecs, i) => {
      const ps = layerSpecs.map((s) => {
        const p = new Parameter(rt, s.name, s.shape, this.paramRegion + offset, this.gradRegion + offset, false, s.role);
        offset += p.size * 4;
        s.initializer.fill(p.valuePtr, p.size, { k, state: this.rngStates, fanIn: s.fanIn, fanOut: s.fanOut });
        if (s.regularizer) this.penalties.push({ p, r: s.regularizer });
        this.params.push(p);
        return p;
      });
      layers[i].bindParams(ps);
      layers[i].owner = this.identity;
    });
    k.fill_f32(this.gradRegion, this.paramCount, 0);
    this.held.blocks.push(this.paramRegion, this.gradRegion, this.rngStates, ...layers.flatMap((l) => l.heldBlocks().map((b) => b.ptr)));
    // A model nobody disposes gives its memory back when it is garbage-collected.
    whenCollected(owner, this.held.releaser());
  }

  alive(): void {
    if (this.disposed) throw new Error(`wasmnn: the model '${this.identity.name}' was disposed`);
  }

  /** The dropout stream's state (16 bytes), which the training programs draw masks from. */
  get dropoutState(): number {
    return this.rngStates + 32;
  }

  /** The three PRNG states (init, shuffle, dropout) as 12 unsigned 32-bit words, for save(). */
  exportRng(): number[] {
    return Array.from(this.rt.arena.u32(this.rngStates, 12));
  }

  /** Restores exportRng() output, so a loaded model continues the same random streams. */
  importRng(words: readonly number[]): void {
    if (!Array.isArray(words) || words.length !== 12 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('wasmnn: the PRNG state must be 12 unsigned 32-bit integers');
    }
    this.rt.arena.u32(this.rngStates, 12).set(words);
  }

  /** A copy of the row order shuffling has reached, if fit has shuffled. */
  exportShuffleOrder(): Int32Array | undefined {
    return this.order?.slice();
  }

  /** Restores a shuffle order (a permutation of 0..n-1), or forgets it. */
  importShuffleOrder(order: ArrayLike<number> | undefined): void {
    if (order === undefined) {
      this.order = undefined;
      return;
    }
    const seen = new Uint8Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const v = order[i];
      if (!Number.isInteger(v) || v < 0 || v >= order.length || seen[v]) throw new RangeError(`wasmnn: the shuffle order must be a permutation of 0..${order.length - 1}; entry ${i} is ${v}${seen[v] ? ', a repeat' : ''}`);
      seen[v] = 1;
    }
    this.order = Int32Array.from(order);
  }

  /** Copies of every parameter, kernel then bias per layer (W is [in, out]). */
  getWeights(): Float32Array[] {
    return this.params.map((p) => p.value.slice());
  }

  /** Sets every parameter; W as nested [in][out] arrays or flat, biases as arrays. Validates all before writing any. */
  setWeights(weights: readonly ArrayLike<unknown>[]): void {
    if (!Array.isArray(weights) || weights.length !== this.params.length) {
      throw new RangeError(`wasmnn: setWeights needs ${this.params.length} arrays (${this.params.map((p) => p.name).join(', ')}), got ${weights?.length}`);
    }
    const flat = weights.map((w, i) => {
      const p = this.params[i];
      const f = flatten(w, p.name);
      if (f.length !== p.size) throw new RangeError(`wasmnn: setWeights: ${p.name} has shape [${p.shape}] (${p.size} values), got ${f.length}`);
      for (let j = 0; j < f.length; j++) {
        if (!Number.isFinite(f[j])) throw new RangeError(`wasmnn: setWeights: ${p.name} has ${f[j]} at index ${j}`);
      }
      return f;
    });
    flat.forEach((f, i) => this.params[i].value.set(f));
  }

  /** Marks the model and its parameters disposed and frees its layers for another model (the model then releases `held`). */
  dispose(layers: readonly Layer[]): void {
    this.disposed = true;
    for (const l of layers) l.owner = undefined;
    for (const p of this.params) p.disposed = true;
  }
}

/** Blocks and programs a model holds in wasm memory. Referenced by the model and by its
 *  finalizer, never the other way round, so a forgotten model can still be collected. */
export class Holdings {
  readonly blocks: number[] = [];
  readonly programs = new Set<Program>();
  private released = false;
  constructor(private readonly arena: Arena) {}

  /** release() as a function closing over the holdings alone (for the finalizer). */
  releaser(): () => void {
    return () => this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const p of this.programs) p.dispose();
    this.programs.clear();
    for (const b of this.blocks) this.arena.release(b);
  }
}

function flatten(w: unknown, name: string): ArrayLike<number> {
  if (w instanceof Float32Array || w instanceof Float64Array) return w;
  if (!Array.isArray(w)) throw new TypeError(`wasmnn: setWeights: ${name} must be an array or Float32Array`);
  if (w.length > 0 && Array.isArray(w[0])) {
    const cols = (w[0] as unknown[]).length;
    const out: number[] = [];
    w.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== cols) throw new RangeError(`wasmnn: setWeights: ${name} row ${r} has ${(row as unknown[])?.length} values, row 0 has ${cols}`);
      out.push(...(row as number[]));
    });
    return out;
  }
  return w as number[];
}
