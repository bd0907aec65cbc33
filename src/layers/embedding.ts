// Embedding: int32 ids [batch, ...] looked up in a table [inputDim, outputDim] (Keras' names;
// PyTorch's nn.Embedding(num_embeddings, embedding_dim)): [batch, ..., outputDim]. Lowered to
// ops.gather, whose gradient adds dy's rows into the rows the ids name (no one-hot matrix); an id
// outside [0, inputDim) stops the step with an error naming the layer, the id and inputDim.
// NOTE: the table starts N(0, 1), PyTorch's nn.Embedding init, not Keras' uniform(-0.05, 0.05):
// the project follows PyTorch's numerics (embeddingsInitializer: 'uniform' gives Keras').
import { type Initializer, type InitializerName, normal, resolveInitializer } from '../initializers/index.js';
import { Layer, type ParamSpec } from './layer.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { gather } from '../graph/ops/gather.js';
import { checkOptions } from '../validate/options.js';

export interface EmbeddingOptions {
  /** The vocabulary size: ids are 0 .. inputDim - 1. */
  inputDim: number;
  /** The width of each id's vector. */
  outputDim: number;
  embeddingsInitializer?: InitializerName | Initializer;
  /** One sample's ids (as the first layer of a Sequential model): [8] for 8 tokens. */
  inputShape?: readonly number[];
  name?: string;
}

const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

export class Embedding extends Layer {
  readonly kind = 'embedding';
  override readonly inputDtype = 'int32';
  readonly options: EmbeddingOptions;

  constructor(options: EmbeddingOptions) {
    checkOptions('layers.embedding', options, ['inputDim', 'outputDim', 'embeddingsInitializer', 'inputShape', 'name'], {
      numEmbeddings: { use: 'inputDim' }, num_embeddings: { use: 'inputDim' }, embeddingDim: { use: 'outputDim' }, embedding_dim: { use: 'outputDim' },
      inputLength: { use: 'inputShape', note: 'give [length]' }, input_length: { use: 'inputShape', note: 'give [length]' }, maskZero: { use: 'name', note: 'masks are ops.where on the scores' },
    });
    if (!options || !positive(options.inputDim)) throw new RangeError(`wasmnn: embedding: inputDim (the vocabulary size) must be a positive integer, got ${options?.inputDim}`);
    if (!positive(options.outputDim)) throw new RangeError(`wasmnn: embedding: outputDim must be a positive integer, got ${options.outputDim}`);
    const s = options.inputShape;
    if (s !== undefined && (!Array.isArray(s) || s.length === 0 || !s.every(positive))) throw new RangeError(`wasmnn: embedding: inputShape is one sample's shape of ids, positive integers such as [8]; got ${JSON.stringify(s)}`);
    super(options.name, 'embedding');
    this.options = options;
    this.outputUnits = options.outputDim;
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    return [...shape, this.options.outputDim];
  }

  paramSpecs(): ParamSpec[] {
    const { inputDim, outputDim } = this.options;
    return [{ name: `${this.name}/embeddings`, shape: [inputDim, outputDim], initializer: resolveInitializer(this.options.embeddingsInitializer, normal), fanIn: inputDim, fanOut: outputDim, role: 'embedding' }];
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    return gather(this.weight(0), x, this.name);
  }

  macsPerSample(): number {
    return 0; // a copy of rows
  }

  getConfig(): Record<string, unknown> {
    const init = this.options.embeddingsInitializer;
    return { kind: this.kind, name: this.name, inputDim: this.options.inputDim, outputDim: this.options.outputDim, embeddingsInitializer: typeof init === 'object' ? init.getConfig() : init, inputShape: this.inputShape };
  }
}
