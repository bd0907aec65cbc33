// A learned positional embedding (nanoGPT's wpe, keras-hub's PositionEmbedding added to its input):
// x [batch, t, dim] + table[0..t) with table [maxLength, dim], so position p of every sample gets
// row p. A sequence shorter than the table uses its first t rows (a crop, whose gradient pads dy
// back into the table); one longer than it is refused naming the layer and both numbers.
// NOTE: the table starts N(0, 1), PyTorch's nn.Embedding init, as layers.embedding (nanoGPT's own
// _init_weights draws N(0, 0.02): embeddingsInitializer: initializers.normal(0, 0.02)).
import { type Initializer, type InitializerName, normal, resolveInitializer } from '../initializers/index.js';
import { Layer, type ParamSpec } from './layer.js';
import { BATCH, showShape, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { binary } from '../graph/ops/elementwise.js';
import { cropBox } from '../graph/ops/pad.js';
import { checkOptions } from '../validate/options.js';

export interface PositionalEmbeddingOptions {
  /** The longest sequence: the table's rows. */
  maxLength: number;
  /** The width of each position's vector: the input's last dimension. */
  outputDim: number;
  embeddingsInitializer?: InitializerName | Initializer;
  /** One sample's shape [t, outputDim], on the first layer of a Sequential model. */
  inputShape?: readonly number[];
  name?: string;
}

const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

export class PositionalEmbedding extends Layer {
  readonly kind = 'positionalEmbedding';
  readonly options: PositionalEmbeddingOptions;

  constructor(options: PositionalEmbeddingOptions) {
    checkOptions('layers.positionalEmbedding', options, ['maxLength', 'outputDim', 'embeddingsInitializer', 'inputShape', 'name'], {
      sequenceLength: { use: 'maxLength' }, sequence_length: { use: 'maxLength' }, blockSize: { use: 'maxLength' }, block_size: { use: 'maxLength' }, inputDim: { use: 'maxLength' },
    });
    if (!options || !positive(options.maxLength)) throw new RangeError(`wasmnn: positionalEmbedding: maxLength (the longest sequence) must be a positive integer, got ${options?.maxLength}`);
    if (!positive(options.outputDim)) throw new RangeError(`wasmnn: positionalEmbedding: outputDim must be a positive integer, got ${options.outputDim}`);
    super(options.name, 'positional_embedding');
    this.options = options;
  }

  protected override get prefix(): string {
    return 'positional_embedding';
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    const { maxLength, outputDim } = this.options;
    if (shape.length !== 2) throw new ShapeError(`wasmnn: ${this.where(index)} takes [batch, positions, width], got ${showShape([BATCH, ...shape])}`);
    if (shape[0] > maxLength) throw new ShapeError(`wasmnn: ${this.where(index)}: the input has ${shape[0]} positions but maxLength is ${maxLength} (the table has ${maxLength} rows)`);
    if (shape[1] !== outputDim) throw new ShapeError(`wasmnn: ${this.where(index)}: the input's width is ${shape[1]} but outputDim is ${outputDim} (the positions are added to it)`);
    return [...shape];
  }

  paramSpecs(): ParamSpec[] {
    const { maxLength, outputDim } = this.options;
    return [{ name: `${this.name}/embeddings`, shape: [maxLength, outputDim], initializer: resolveInitializer(this.options.embeddingsInitializer, normal), fanIn: maxLength, fanOut: outputDim, role: 'embedding' }];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    const t = x.shape[1], table = this.weight(0);
    return binary('add', x, cropBox(table, [0, 0], [t, this.options.outputDim]));
  }

  macsPerSample(): number {
    return 0; // an add
  }

  getConfig(): Record<string, unknown> {
    return { kind: this.kind, name: this.name, maxLength: this.options.maxLength, outputDim: this.options.outputDim, inputShape: this.inputShape };
  }
}
