// Next-token training data (nanoGPT's get_batch): a batch is batchSize windows of blockSize ids
// at random starts i in [0, n - blockSize), x = ids[i .. i+T) and y = ids[i+1 .. i+T+1), the targets
// one step ahead. The starts come from a seeded xoshiro128** stream the batcher owns (no global
// RNG; exportRng/importRng carry it), and next() writes into two Int32Arrays made once, so a
// training loop allocates nothing per batch. splitSequence is nanoGPT's split: the first 90% of
// the ids for training, the rest for validation, as views (no copy).
import { Xoshiro128 } from '../reference/rng.js';
import { checkOptions } from '../validate/options.js';
import { describe } from '../validate/describe.js';

export interface SequenceBatchesOptions {
  /** Tokens per window, T (nanoGPT's block_size). */
  blockSize: number;
  /** Windows per batch. */
  batchSize: number;
  /** Seed of the window starts (an integer in [0, 2^32)). Default 0. */
  seed?: number;
}

/** An int32 batch of ids, read in place by trainOnBatch and valueAndGrad: `{ data, shape: [batchSize, blockSize] }`. */
export interface IdBatch {
  readonly data: Int32Array;
  readonly shape: readonly [number, number];
}

export class SequenceBatches {
  /** The inputs of the last batch: `[batchSize, blockSize]` ids. */
  readonly x: IdBatch;
  /** Their next tokens, the targets: `y[b, t] = x[b, t + 1]`, and the token after the window at t = T - 1. */
  readonly y: IdBatch;
  /** The window starts of the last batch. */
  readonly starts: Int32Array;
  readonly blockSize: number;
  readonly batchSize: number;
  /** How many windows there are to draw from: ids.length - blockSize. */
  readonly windows: number;
  private readonly ids: Int32Array;
  private readonly rng: Xoshiro128;
  /** The draw mask: the smallest 2^k - 1 covering windows - 1 (a draw above windows - 1 is drawn again). */
  private readonly mask: number;

  constructor(ids: ArrayLike<number>, options: SequenceBatchesOptions) {
    checkOptions('data.sequenceBatches', options, ['blockSize', 'batchSize', 'seed']);
    const { blockSize, batchSize, seed = 0 } = options ?? ({} as SequenceBatchesOptions);
    this.ids = idsOf(ids, 'data.sequenceBatches');
    const count = (name: string, v: unknown) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`wasmnn: data.sequenceBatches: ${name} must be an integer >= 1, got ${describe(v)}`);
      return v;
    };
    this.blockSize = count('blockSize', blockSize);
    this.batchSize = count('batchSize', batchSize);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw new RangeError(`wasmnn: data.sequenceBatches: seed must be an integer in [0, 2^32), got ${describe(seed)}`);
    const n = this.ids.length;
    if (n <= blockSize) throw new RangeError(`wasmnn: data.sequenceBatches: blockSize ${blockSize} needs at least ${blockSize + 1} ids (a window and the token after it), the sequence has ${n}`);
    this.windows = n - blockSize;
    let mask = 0;
    while (mask < this.windows - 1) mask = mask * 2 + 1;
    this.mask = mask;
    this.rng = new Xoshiro128(seed, 0x73657173); // 'seqs': a stream apart from trainTestSplit's
    this.x = { data: new Int32Array(batchSize * blockSize), shape: [batchSize, blockSize] };
    this.y = { data: new Int32Array(batchSize * blockSize), shape: [batchSize, blockSize] };
    this.starts = new Int32Array(batchSize);
  }

  /** Draws the next batch into x, y and starts (the same arrays every time) and returns this. */
  next(): this {
    const T = this.blockSize, ids = this.ids, x = this.x.data, y = this.y.data;
    for (let b = 0; b < this.batchSize; b++) {
      const i = this.draw();
      this.starts[b] = i;
      // A loop, not set(ids.subarray(...)): a subarray is a new object per window.
      for (let t = 0, o = b * T; t < T; t++) {
        x[o + t] = ids[i + t];
        y[o + t] = ids[i + t + 1];
      }
    }
    return this;
  }

  /** The stream's state (4 unsigned 32-bit words), to resume the same sequence of batches. */
  exportRng(): number[] {
    return Array.from(this.rng.s);
  }

  importRng(words: readonly number[]): void {
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32) || words.every((w) => w === 0)) {
      throw new RangeError(`wasmnn: SequenceBatches.importRng takes the 4 words exportRng() gives (integers in [0, 2^32), not all zero), got ${describe(words)}`);
    }
    this.rng.s.set(words);
  }

  /** A start in [0, windows): the low bits of a draw under the mask, drawn again when too large (unbiased, no division). */
  private draw(): number {
    for (;;) {
      const r = (this.rng.nextU32() & this.mask) >>> 0;
      if (r < this.windows) return r;
    }
  }
}

/**
 * Random next-token batches of a sequence of ids (nanoGPT's get_batch): `next()` fills `x` and `y`,
 * `[batchSize, blockSize]` int32 each, with y one token ahead of x.
 * @example const b = data.sequenceBatches(tok.encode(text), { blockSize: 64, batchSize: 16, seed: 1 });
 *          b.next(); model.trainOnBatch(b.x, b.y);
 */
export function sequenceBatches(ids: ArrayLike<number>, options: SequenceBatchesOptions): SequenceBatches {
  return new SequenceBatches(ids, options);
}

/** The first trainFraction of the ids (default 0.9, nanoGPT's) for training and the rest for validation: views of ids, no copy. */
export function splitSequence(ids: ArrayLike<number>, options: { trainFraction?: number } = {}): { train: Int32Array; validation: Int32Array } {
  checkOptions('data.splitSequence', options, ['trainFraction']);
  const { trainFraction = 0.9 } = options;
  const all = idsOf(ids, 'data.splitSequence');
  if (typeof trainFraction !== 'number' || !(trainFraction > 0 && trainFraction < 1)) throw new RangeError(`wasmnn: data.splitSequence: trainFraction must be in (0, 1), got ${describe(trainFraction)}`);
  const n = Math.floor(trainFraction * all.length); // nanoGPT: n = int(0.9 * len(data))
  if (n === 0 || n === all.length) throw new RangeError(`wasmnn: data.splitSequence: trainFraction ${trainFraction} of ${all.length} ids leaves ${n === 0 ? 'no training' : 'no validation'} ids`);
  return { train: all.subarray(0, n), validation: all.subarray(n) };
}

/** ids as an Int32Array (an Int32Array itself, not copied), every one a whole number >= 0. */
function idsOf(ids: ArrayLike<number>, what: string): Int32Array {
  if (!ids || typeof ids !== 'object' || typeof ids.length !== 'number') throw new TypeError(`wasmnn: ${what} takes ids (an Int32Array, such as charTokenizer's encode gives, or an array of integers), got ${describe(ids)}`);
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new RangeError(`wasmnn: ${what}: id ${describe(v)} at position ${i} is not a whole number in [0, 2^31)`);
  }
  return ids instanceof Int32Array ? ids : Int32Array.from(ids);
}
