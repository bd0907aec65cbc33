// Spatial dropout (Keras' SpatialDropout2D; PyTorch's nn.Dropout2d on NCHW): in training each
// channel of each sample is zeroed with probability `rate` and the rest scaled by 1/(1-rate), the
// same factor at every pixel of the channel; in evaluation it is the identity
// (graph/ops/spatial-dropout.ts). The masks come from the model's dropout stream, or, with
// `seed`, from a stream of the layer's own seeded from it (as Keras' seed): the masks then do not
// depend on the model's seed. save() stores that stream's state, so a loaded model draws on.
import { Layer, type ParamSpec } from './layer.js';
import type { Parameter } from '../optimizers/parameter.js';
import { ShapeError } from '../graph/op.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { spatialDropout } from '../graph/ops/spatial-dropout.js';
import { runtime, type Runtime } from '../wasm/init.js';
import { checkOptions } from '../validate/options.js';

export interface SpatialDropout2dOptions {
  /** Probability of dropping a channel of a sample, in [0, 1). */
  rate: number;
  /** A stream of the layer's own (a non-negative safe integer); default: the model's dropout stream. */
  seed?: number;
  inputShape?: readonly number[];
  name?: string;
}

export class SpatialDropout2D extends Layer {
  readonly kind = 'spatialDropout2d';
  readonly options: SpatialDropout2dOptions;
  readonly rate: number;
  /** The layer's own PRNG state (16 bytes) when seeded, once bound; 0 otherwise. */
  private state = 0;
  private rt: Runtime | undefined;
  /** A saved stream's state, set when bound. */
  private resume: readonly number[] | undefined;

  constructor(options: SpatialDropout2dOptions) {
    checkOptions('layers.spatialDropout2d', options, ['rate', 'seed', 'inputShape', 'name'], { p: { use: 'rate' }, dataFormat: { use: 'name', note: 'wasmnn is channels-last only' } });
    const rate = options?.rate;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`wasmnn: spatialDropout2d rate must be in [0, 1), got ${rate}`);
    if (options.seed !== undefined && !(Number.isSafeInteger(options.seed) && options.seed >= 0)) throw new RangeError(`wasmnn: spatialDropout2d seed must be a non-negative integer, got ${options.seed}`);
    super(options.name, 'spatial_dropout2d');
    this.options = options;
    this.rate = rate;
  }

  protected override get prefix(): string {
    return 'spatialDropout2d';
  }

  protected override configureShape(shape: number[], index: number): number[] {
    if (shape.length !== 3) throw new ShapeError(`wasmnn: ${this.where(index)} takes images [batch, height, width, channels], got [batch, ${shape.join(', ')}]`);
    this.checkDeclared(shape, index);
    return shape;
  }

  paramSpecs(): ParamSpec[] {
    return [];
  }

  override bindParams(params: Parameter[]): void {
    super.bindParams(params);
    const seed = this.options.seed;
    if (seed === undefined || this.state) return;
    this.rt = runtime();
    this.state = this.rt.arena.alloc(16, 16);
    this.rt.kernels.rng_seed(this.state, seed >>> 0, (Math.floor(seed / 2 ** 32) + 3 * 0x9e3779b9) >>> 0);
    if (this.resume) this.rt.arena.u32(this.state, 4).set(this.resume);
  }

  /** Continues a saved stream (getConfig()'s rngState) once the layer is bound. */
  resumeStream(words: readonly number[]): void {
    if (!Array.isArray(words) || words.length !== 4 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) throw new RangeError('wasmnn: spatialDropout2d: rngState must be 4 unsigned 32-bit integers');
    this.resume = [...words];
    if (this.state) this.rt!.arena.u32(this.state, 4).set(words);
  }

  override heldBlocks(): { ptr: number; length: number }[] {
    return this.state ? [{ ptr: this.state, length: 4 }] : [];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return spatialDropout(x, this.rate, this.state, this.name);
  }

  macsPerSample(): number {
    return 0;
  }

  getConfig(): Record<string, unknown> {
    const own = this.state ? { seed: this.options.seed, rngState: Array.from(this.rt!.arena.u32(this.state, 4)) } : this.options.seed !== undefined ? { seed: this.options.seed } : {};
    return { kind: this.kind, name: this.name, rate: this.rate, ...own, inputShape: this.inputShape };
  }
}
