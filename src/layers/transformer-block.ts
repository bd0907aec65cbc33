// A pre-norm GPT block (nanoGPT's Block) on x [batch, t, width]:
//   x = x + drop(attn(ln_1(x)))      attn: qkv = h c_attn + b, heads, softmax(q k^T / sqrt(keyDim) [+ causal]) v, c_proj
//   x = x + drop(mlp(ln_2(x)))       mlp: gelu(h c_fc + b) c_proj + b, c_fc width mlpRatio * width
// One layer whose weights carry nanoGPT's module names, so a PyTorch port loads them by a
// transpose of each kernel (ours [in, out], nn.Linear's weight [out, in]):
//   {name}/ln_1/gamma, beta              h.N.ln_1.weight, .bias
//   {name}/attn/c_attn/kernel [w, 3hk]   h.N.attn.c_attn.weight^T (q, k, v column blocks, each head keyDim consecutive columns)
//   {name}/attn/c_attn/bias              h.N.attn.c_attn.bias
//   {name}/attn/c_proj/kernel [hk, w]    h.N.attn.c_proj.weight^T, and its bias
//   {name}/ln_2/gamma, beta              h.N.ln_2.weight, .bias
//   {name}/mlp/c_fc/kernel [w, r w]      h.N.mlp.c_fc.weight^T, and its bias
//   {name}/mlp/c_proj/kernel [r w, w]    h.N.mlp.c_proj.weight^T, and its bias
// GELU is the exact one (nn.GELU(), as nanoGPT). Initialisation is PyTorch's nn.Linear and
// nn.LayerNorm defaults (kernels and biases U(+-1/sqrt(fan_in)), gamma 1, beta 0).
// dropout (training only) is nanoGPT's config.dropout, used at its three places: the attention
// weights (attn_dropout, inside the fused kernel: ops.dotProductAttention's dropout) and the two
// residual branches (resid_dropout and the MLP's dropout).
import { Layer, type ParamSpec } from './layer.js';
import { BATCH, showShape, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { matmul } from '../graph/ops/matmul.js';
import { binary } from '../graph/ops/elementwise.js';
import { reshape } from '../graph/ops/reshape.js';
import { transpose } from '../graph/ops/transpose.js';
import { cropBox } from '../graph/ops/pad.js';
import { layerNorm } from '../graph/ops/layer-norm.js';
import { activation } from '../graph/ops/activation.js';
import { dropout } from '../graph/ops/dropout.js';
import { dotProductAttention, MAX_HEAD_DIM } from '../graph/ops/attention.js';
import { defaultUniform, ones, zeros } from '../initializers/index.js';
import { checkOptions, optionKeys } from '../validate/options.js';

export interface TransformerBlockOptions {
  numHeads: number;
  /** Size of each head; default width / numHeads (which must then divide the width). */
  keyDim?: number;
  /** The MLP's hidden width over the block's width; default 4. */
  mlpRatio?: number;
  /** Dropout rate on the attention weights and the residual branches in training (nanoGPT's); default 0. */
  dropout?: number;
  /** Query i attends to keys j <= i; default true (a GPT). */
  causal?: boolean;
  /** The layer norms' epsilon; default 1e-5 (PyTorch). */
  epsilon?: number;
  /** One sample's shape [t, width], on the first layer of a Sequential model. */
  inputShape?: readonly number[];
  name?: string;
}

const KEYS = optionKeys<TransformerBlockOptions>({ numHeads: true, keyDim: true, mlpRatio: true, dropout: true, causal: true, epsilon: true, inputShape: true, name: true });

/** The block's weights in paramSpecs() order: [sub-module path, 'gamma' | 'beta' | 'kernel' | 'bias']. */
export const BLOCK_PARAMS = [
  ['ln_1', 'gamma'], ['ln_1', 'beta'], ['attn/c_attn', 'kernel'], ['attn/c_attn', 'bias'], ['attn/c_proj', 'kernel'], ['attn/c_proj', 'bias'],
  ['ln_2', 'gamma'], ['ln_2', 'beta'], ['mlp/c_fc', 'kernel'], ['mlp/c_fc', 'bias'], ['mlp/c_proj', 'kernel'], ['mlp/c_proj', 'bias'],
] as const;

export class TransformerBlock extends Layer {
  readonly kind = 'transformerBlock';
  readonly options: TransformerBlockOptions;
  readonly numHeads: number;
  readonly mlpRatio: number;
  readonly rate: number;
  readonly causal: boolean;
  readonly epsilon: number;
  /** Size of each head, fixed by the options or by the first call (width / numHeads). */
  keyDim = 0;

  constructor(options: TransformerBlockOptions) {
    checkOptions('layers.transformerBlock', options, KEYS, { nHead: { use: 'numHeads' }, n_head: { use: 'numHeads' }, num_heads: { use: 'numHeads' }, headSize: { use: 'keyDim' }, eps: { use: 'epsilon' }, rate: { use: 'dropout' } });
    const fail = (what: string, v: unknown) => new RangeError(`wasmnn: transformerBlock: ${what}, got ${String(v)}`);
    if (!options || !Number.isInteger(options.numHeads) || options.numHeads <= 0) throw fail('numHeads must be a positive integer', options?.numHeads);
    const { keyDim, mlpRatio = 4, dropout: rate = 0, causal = true, epsilon = 1e-5 } = options;
    if (keyDim !== undefined && (!Number.isInteger(keyDim) || keyDim <= 0 || keyDim > MAX_HEAD_DIM)) throw fail(`keyDim must be an integer in [1, ${MAX_HEAD_DIM}]`, keyDim);
    if (typeof mlpRatio !== 'number' || !(mlpRatio > 0) || !Number.isFinite(mlpRatio)) throw fail('mlpRatio must be a finite number > 0', mlpRatio);
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw fail('dropout must be in [0, 1)', rate);
    if (typeof causal !== 'boolean') throw fail('causal must be true or false', causal);
    if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) throw fail('epsilon must be a finite number > 0', epsilon);
    super(options.name, 'transformer_block');
    this.options = options;
    this.numHeads = options.numHeads;
    this.mlpRatio = mlpRatio;
    this.rate = rate;
    this.causal = causal;
    this.epsilon = epsilon;
    if (keyDim !== undefined) this.keyDim = keyDim;
  }

  protected override get prefix(): string {
    return 'transformer_block';
  }

  protected override configureShape(shape: number[], index: number): number[] {
    this.checkDeclared(shape, index);
    if (shape.length !== 2) throw new ShapeError(`wasmnn: ${this.where(index)} takes [batch, positions, width], got ${showShape([BATCH, ...shape])}`);
    const width = shape[1], h = this.numHeads;
    if (this.options.keyDim === undefined) {
      if (width % h !== 0) throw new ShapeError(`wasmnn: ${this.where(index)}: numHeads ${h} does not divide the width ${width} (give keyDim, or a head count that divides ${width})`);
      if (width / h > MAX_HEAD_DIM) throw new ShapeError(`wasmnn: ${this.where(index)}: heads of width ${width} / ${h} = ${width / h} are over the attention kernels' ${MAX_HEAD_DIM}`);
      this.keyDim = width / h;
    }
    const hidden = this.mlpRatio * width;
    if (!Number.isInteger(hidden)) throw new ShapeError(`wasmnn: ${this.where(index)}: mlpRatio ${this.mlpRatio} x width ${width} = ${hidden} is not a whole number of units`);
    return [...shape];
  }

  /** [width, heads x keyDim, MLP width]. */
  private dims(): [number, number, number] {
    const w = this.inputUnits;
    return [w, this.numHeads * this.keyDim, this.mlpRatio * w];
  }

  paramSpecs(): ParamSpec[] {
    const [w, hk, m] = this.dims();
    const shapes: Record<string, [number, number]> = { ln_1: [w, w], 'attn/c_attn': [w, 3 * hk], 'attn/c_proj': [hk, w], ln_2: [w, w], 'mlp/c_fc': [w, m], 'mlp/c_proj': [m, w] };
    return BLOCK_PARAMS.map(([part, kind]) => {
      const [fanIn, fanOut] = shapes[part];
      const shape = kind === 'kernel' ? [fanIn, fanOut] : [fanOut];
      const initializer = kind === 'gamma' ? ones() : kind === 'beta' ? zeros() : defaultUniform();
      const role = kind === 'gamma' || kind === 'beta' ? 'norm' : kind === 'bias' ? 'bias' : 'weight';
      return { name: `${this.name}/${part}/${kind}`, shape, initializer, fanIn, fanOut, role };
    });
  }

  // h W_i + b_i for the linear whose kernel is weight i.
  private linear(h: SymbolicTensor, i: number): SymbolicTensor {
    return binary('add', matmul(h, this.weight(i)), this.weight(i + 1));
  }

  lower(x: SymbolicTensor): SymbolicTensor {
    const b = x.shape[0], t = x.shape[1], heads = this.numHeads, d = this.keyDim, hk = heads * d;
    const ln = (h: SymbolicTensor, i: number) => layerNorm(h, this.weight(i), this.weight(i + 1), { epsilon: this.epsilon }, this.name);
    // [batch, t, 3, heads, d] -> [batch, 3, heads, t, d]: q, k and v are its three [batch, heads, t, d] boxes.
    const qkv = transpose(reshape(this.linear(ln(x, 0), 2), [b, t, 3, heads, d]), [0, 2, 3, 1, 4]);
    const [q, k, v] = [0, 1, 2].map((i) => reshape(cropBox(qkv, [0, i, 0, 0, 0], [b, 1, heads, t, d]), [b, heads, t, d]));
    const att = dotProductAttention(q, k, v, { causal: this.causal, scale: 1 / Math.sqrt(d), dropout: this.rate });
    const joined = reshape(transpose(att, [0, 2, 1, 3]), [b, t, hk]);
    const x1 = binary('add', x, dropout(this.linear(joined, 4), this.rate));
    const hidden = activation(this.linear(ln(x1, 6), 8), 'gelu');
    return binary('add', x1, dropout(this.linear(hidden, 10), this.rate));
  }

  /** Both norms' scale and shift, the four linears, QK^T and PV over every (query, key) pair (causal counted dense). */
  macsPerSample(): number {
    const [w, hk, m] = this.dims(), t = this.inputShape[0];
    return 2 * t * w + t * w * 3 * hk + 2 * t * t * hk + t * hk * w + 2 * t * w * m;
  }

  getConfig(): Record<string, unknown> {
    return {
      kind: this.kind, name: this.name, numHeads: this.numHeads, keyDim: this.keyDim, mlpRatio: this.mlpRatio, dropout: this.rate,
      causal: this.causal, epsilon: this.epsilon, inputShape: this.inputShape,
    };
  }
}
