// Multi-head attention (Keras MultiHeadAttention's names and call, PyTorch nn.MultiheadAttention's
// numerics): on query [batch, tq, wq], value [batch, tk, wv] and key [batch, tk, wk] (key defaults
// to value, value to query: self-attention),
//   Q = query Wq + bq, K = key Wk + bk, V = value Wv + bv    (dense on the last axis)
//   head h: softmax(Q_h K_h^T / sqrt(keyDim) [+ causal]) V_h  (ops.dotProductAttention, fused)
//   y = concat_h(head h) Wo + bo                              [batch, tq, outputShape]
// Q_h is columns h*keyDim .. (h+1)*keyDim of Q (PyTorch's head split), taken by a reshape to
// [batch, t, heads, keyDim] and a transpose to [batch, heads, t, keyDim]. Kernels are [in, out]
// (the transposes of PyTorch's in_proj/out_proj weights); NOTE: 2-D [wq, heads*keyDim] where
// Keras keeps [wq, heads, keyDim] (the same numbers in the same order). Initialisation is
// PyTorch's: xavier-uniform projections (over the stacked in_proj when q, k and v have one width
// and keyDim = valueDim, as PyTorch's single in_proj_weight), Wo U(+-1/sqrt(heads*valueDim)),
// zero biases. dropout (Keras's name, nn.MultiheadAttention's dropout): on the attention weights,
// softmax(...) * Z with Z = 1/(1-p) or 0 per weight, in training only (ops.dotProductAttention's
// dropout, inside the fused kernel). Not in: an attention mask at call time.
import { Layer, type ParamSpec } from './layer.js';
import { SymbolicTensor, BATCH, showShape } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { matmul } from '../graph/ops/matmul.js';
import { binary } from '../graph/ops/elementwise.js';
import { reshape } from '../graph/ops/reshape.js';
import { transpose } from '../graph/ops/transpose.js';
import { dotProductAttention, MAX_HEAD_DIM } from '../graph/ops/attention.js';
import { defaultUniform, glorotUniform, zeros } from '../initializers/index.js';
import { checkOptions, optionKeys } from '../validate/options.js';

export interface MultiHeadAttentionOptions {
  numHeads: number;
  /** Size of each head of the queries and keys. */
  keyDim: number;
  /** Size of each head of the values; default keyDim. */
  valueDim?: number;
  /** Query i attends to keys j <= i. Default false. */
  causal?: boolean;
  /** Dropout rate on the attention weights in training; default 0. */
  dropout?: number;
  useBias?: boolean;
  /** Width of the output; default the query's width. */
  outputShape?: number;
  /** One sample's query shape [t, width], on the first layer of a Sequential model. */
  inputShape?: readonly number[];
  name?: string;
}

const KEYS = optionKeys<MultiHeadAttentionOptions>({ numHeads: true, keyDim: true, valueDim: true, causal: true, dropout: true, useBias: true, outputShape: true, inputShape: true, name: true });
const PARTS = ['query', 'key', 'value', 'attention_output'] as const;

export class MultiHeadAttention extends Layer {
  readonly kind = 'multiHeadAttention';
  readonly options: MultiHeadAttentionOptions;
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly rate: number;
  protected override readonly maxInputs = 3;
  /** One sample's key and value shapes [tk, width], fixed by the first call (the query's for self-attention). */
  private keyShape: number[] | undefined;
  private valueShape: number[] | undefined;

  constructor(options: MultiHeadAttentionOptions) {
    checkOptions('layers.multiHeadAttention', options, KEYS, { num_heads: { use: 'numHeads' }, key_dim: { use: 'keyDim' }, value_dim: { use: 'valueDim' }, useCausalMask: { use: 'causal' }, embedDim: { use: 'numHeads and keyDim (embedDim = numHeads * keyDim)' } });
    const positive = (v: unknown, what: string) => {
      if (!Number.isInteger(v) || (v as number) <= 0) throw new RangeError(`wasmnn: multiHeadAttention: ${what} must be a positive integer, got ${String(v)}`);
      return v as number;
    };
    super(options?.name, 'multiHeadAttention');
    this.numHeads = positive(options.numHeads, 'numHeads');
    this.keyDim = positive(options.keyDim, 'keyDim');
    this.valueDim = options.valueDim === undefined ? this.keyDim : positive(options.valueDim, 'valueDim');
    if (options.outputShape !== undefined) positive(options.outputShape, 'outputShape');
    if (this.keyDim > MAX_HEAD_DIM || this.valueDim > MAX_HEAD_DIM) throw new RangeError(`wasmnn: multiHeadAttention: keyDim and valueDim up to ${MAX_HEAD_DIM}, got ${this.keyDim} and ${this.valueDim}`);
    if (options.causal !== undefined && typeof options.causal !== 'boolean') throw new TypeError(`wasmnn: multiHeadAttention: causal must be true or false, got ${String(options.causal)}`);
    const rate = options.dropout ?? 0;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`wasmnn: multiHeadAttention: dropout must be in [0, 1), got ${String(rate)}`);
    this.rate = rate;
    this.options = options;
  }

  /** Self-attention on query alone; cross-attention on (query, value) or (query, value, key), Keras's order. */
  override apply(query: SymbolicTensor, value?: SymbolicTensor, key?: SymbolicTensor): SymbolicTensor {
    if (value === undefined) {
      if (key !== undefined) throw new TypeError(`wasmnn: ${this.name}: a key needs a value (apply(query, value, key))`);
      return super.apply(query);
    }
    const others = [value, ...(key ? [key] : [])];
    for (const t of others) {
      if (!(t instanceof SymbolicTensor)) throw new TypeError(`wasmnn: ${this.name}.apply takes symbolic tensors, got ${typeof t}`);
      if (t.rank !== 3 || t.shape.slice(1).includes(BATCH)) throw new ShapeError(`wasmnn: ${this.name} takes [batch, positions, width] inputs, got ${t}`);
      if (t.shape[0] !== query.shape[0]) throw new ShapeError(`wasmnn: ${this.name}: the query ${query} and ${t} need the same batch`);
    }
    if (key && key.shape[1] !== value.shape[1]) throw new ShapeError(`wasmnn: ${this.name}: the key ${key} and the value ${value} need the same number of positions`);
    const v = value.shape.slice(1), k = (key ?? value).shape.slice(1);
    if (!this.valueShape) [this.valueShape, this.keyShape] = [v, k];
    else if (v.some((d, i) => d !== this.valueShape![i]) || k.some((d, i) => d !== this.keyShape![i])) {
      throw new ShapeError(`wasmnn: ${this.name} was first applied to value [batch, ${this.valueShape}] and key [batch, ${this.keyShape}], now to ${value} and ${showShape([BATCH, ...k])} (its weights fix their widths)`);
    }
    return super.apply(query, ...others);
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    if (shape.length !== 2) throw new ShapeError(`wasmnn: ${this.where(index)} takes [batch, positions, width] queries, got ${showShape([BATCH, ...shape])}`);
    return [shape[0], this.options.outputShape ?? shape[1]];
  }

  // [width, rows of the projection] per part: query, key, value widths, then the heads' concatenation.
  private widths(): [number, number, number] {
    const q = this.inputShape[1];
    return [q, this.keyShape?.[1] ?? q, this.valueShape?.[1] ?? q];
  }

  paramSpecs(): ParamSpec[] {
    const [wq, wk, wv] = this.widths();
    const hk = this.numHeads * this.keyDim, hv = this.numHeads * this.valueDim, out = this.outputUnits;
    const stacked = wq === wk && wq === wv && hk === hv; // PyTorch's one in_proj_weight [3E, E]
    const ins = [wq, wk, wv], outs = [hk, hk, hv];
    const specs: ParamSpec[] = [];
    PARTS.forEach((part, i) => {
      const fanIn = i < 3 ? ins[i] : hv, fanOut = i < 3 ? (stacked ? 3 * hk : outs[i]) : out;
      specs.push({ name: `${this.name}/${part}/kernel`, shape: [fanIn, i < 3 ? outs[i] : out], initializer: i < 3 ? glorotUniform() : defaultUniform(), fanIn, fanOut });
      if (this.options.useBias !== false) specs.push({ name: `${this.name}/${part}/bias`, shape: [i < 3 ? outs[i] : out], initializer: zeros(), fanIn, fanOut });
    });
    return specs;
  }

  // Part i's projection of x [batch, t, width] -> [batch, heads, t, size].
  private project(x: SymbolicTensor, i: number, size: number): SymbolicTensor {
    const bias = this.options.useBias !== false, w = bias ? 2 : 1;
    let z = matmul(x, this.weight(i * w));
    if (bias) z = binary('add', z, this.weight(i * w + 1));
    return transpose(reshape(z, [x.shape[0], x.shape[1], this.numHeads, size]), [0, 2, 1, 3]);
  }

  lower(query: SymbolicTensor, value: SymbolicTensor = query, key: SymbolicTensor = value): SymbolicTensor {
    const q = this.project(query, 0, this.keyDim), k = this.project(key, 1, this.keyDim), v = this.project(value, 2, this.valueDim);
    const heads = dotProductAttention(q, k, v, { causal: this.options.causal === true, scale: 1 / Math.sqrt(this.keyDim), dropout: this.rate });
    const joined = reshape(transpose(heads, [0, 2, 1, 3]), [query.shape[0], query.shape[1], this.numHeads * this.valueDim]);
    const bias = this.options.useBias !== false;
    const y = matmul(joined, this.weight(bias ? 6 : 3));
    return bias ? binary('add', y, this.weight(7)) : y;
  }

  /** The projections, QK^T and PV over every (query, key) pair (causal counted as dense), and the output. */
  macsPerSample(): number {
    const [wq, wk, wv] = this.widths();
    const tq = this.inputShape[0], tk = this.keyShape?.[0] ?? tq, hk = this.numHeads * this.keyDim, hv = this.numHeads * this.valueDim;
    return tq * wq * hk + tk * wk * hk + tk * wv * hv + tq * tk * (hk + hv) + tq * hv * this.outputUnits;
  }

  getConfig(): Record<string, unknown> {
    return {
      kind: this.kind, name: this.name, numHeads: this.numHeads, keyDim: this.keyDim, valueDim: this.valueDim, causal: this.options.causal === true, dropout: this.rate,
      useBias: this.options.useBias !== false, outputShape: this.outputUnits, inputShape: this.inputShape,
    };
  }
}
