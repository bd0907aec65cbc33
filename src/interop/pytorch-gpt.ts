// A GPT in PyTorch with nanoGPT's module and state_dict names: a Sequential of embedding,
// positionalEmbedding, transformerBlocks, layerNormalization and a linear dense (nanoGPT's GPT:
// wte, wpe, h, ln_f, lm_head) is written as classes CausalSelfAttention, MLP, Block and GPT in
// nanoGPT's model.py shape, and its state_dict as
//   transformer.wte.weight [vocab, E], transformer.wpe.weight [maxLength, E]  (our tables as they are)
//   transformer.h.N.ln_1.weight, .bias ... mlp.c_proj.bias                    (transformer-block.ts's table)
//   transformer.ln_f.weight, .bias, lm_head.weight [units, E] (and .bias if the dense has one)
// every Linear weight [out, in] (ours transposed). Differences from nanoGPT's own model.py, where a
// checkpoint is to move between them: no weight tying (lm_head is its own Linear), no dropout
// after the embeddings, the causal mask is made in forward (nanoGPT under PyTorch < 2 keeps it as
// the buffer attn.bias, which its from_pretrained drops from the keys), forward gives the logits
// of every position, and a block's heads may be of any size (head_dim) and non-causal.
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { Embedding } from '../layers/embedding.js';
import type { PositionalEmbedding } from '../layers/positional-embedding.js';
import type { LayerNormalization } from '../layers/layer-normalization.js';
import { BLOCK_PARAMS, type TransformerBlock } from '../layers/transformer-block.js';
import type { Parameter } from '../optimizers/parameter.js';
import { py, type StateEntry } from './torch-state.js';

export interface GptParts {
  wte: Embedding;
  wpe: PositionalEmbedding;
  blocks: TransformerBlock[];
  lnF: LayerNormalization;
  head: Dense;
}

const SEQUENCE_KINDS = new Set(['embedding', 'positionalEmbedding', 'transformerBlock', 'layerNormalization', 'multiHeadAttention']);

/**
 * The GPT a chain of layers is, or undefined when it has no sequence layer (an nn.Sequential's
 * business); a chain with sequence layers in another arrangement is refused saying what is written.
 */
export function gptOf(layers: readonly Layer[]): GptParts | undefined {
  if (!layers.some((l) => SEQUENCE_KINDS.has(l.kind))) return undefined;
  const kinds = layers.map((l) => l.kind);
  const n = kinds.length;
  const isGpt = n >= 4 && kinds[0] === 'embedding' && kinds[1] === 'positionalEmbedding' && kinds[n - 2] === 'layerNormalization' && kinds[n - 1] === 'dense'
    && kinds.slice(2, n - 2).every((k) => k === 'transformerBlock');
  if (!isGpt) {
    throw new RangeError(`wasmnn: a model of sequence layers [${kinds.join(', ')}] has no PyTorch equivalent here: the one written is nanoGPT's GPT, `
      + 'embedding, positionalEmbedding, transformerBlocks, layerNormalization, dense (use safetensors\' layout \'wasmnn\' or ONNX for others)');
  }
  const head = layers[n - 1] as Dense;
  if (head.activation.name !== 'linear') throw new RangeError(`wasmnn: layer ${n - 1} (${head.name}): the GPT's lm_head is a Linear; its activation '${head.activation.name}' has no place in nanoGPT's GPT (add it outside)`);
  return { wte: layers[0] as Embedding, wpe: layers[1] as PositionalEmbedding, blocks: layers.slice(2, n - 2) as TransformerBlock[], lnF: layers[n - 2] as LayerNormalization, head };
}

const f32 = (name: string, param: Parameter, transpose = false): StateEntry => ({
  name, dtype: 'F32', shape: transpose ? [param.shape[1], param.shape[0]] : [...param.shape], source: { param, transpose },
});

/** The GPT's state_dict entries in nanoGPT's names; `ps`: each layer's parameters. */
export function gptStateEntries(parts: GptParts, ps: Parameter[][]): StateEntry[] {
  const n = ps.length;
  const entries = [f32('transformer.wte.weight', ps[0][0]), f32('transformer.wpe.weight', ps[1][0])];
  parts.blocks.forEach((_, i) => BLOCK_PARAMS.forEach(([part, kind], j) => {
    const key = kind === 'kernel' || kind === 'gamma' ? 'weight' : 'bias';
    entries.push(f32(`transformer.h.${i}.${part.replace('/', '.')}.${key}`, ps[2 + i][j], kind === 'kernel'));
  }));
  entries.push(f32('transformer.ln_f.weight', ps[n - 2][0]), f32('transformer.ln_f.bias', ps[n - 2][1]), f32('lm_head.weight', ps[n - 1][0], true));
  if (ps[n - 1][1]) entries.push(f32('lm_head.bias', ps[n - 1][1]));
  return entries;
}

const CLASSES = `import math
import torch
from torch import nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    """nanoGPT's attention: one c_attn for q, k and v, n_head heads of head_dim, then c_proj."""
    def __init__(self, n_embd, n_head, head_dim, causal, dropout):
        super().__init__()
        self.n_head, self.head_dim, self.causal = n_head, head_dim, causal
        self.c_attn = nn.Linear(n_embd, 3 * n_head * head_dim)
        self.c_proj = nn.Linear(n_head * head_dim, n_embd)
        self.resid_dropout = nn.Dropout(dropout)

    def forward(self, x):
        b, t, _ = x.size()
        q, k, v = self.c_attn(x).split(self.n_head * self.head_dim, dim=2)
        q, k, v = (z.view(b, t, self.n_head, self.head_dim).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        if self.causal:
            keep = torch.ones(t, t, dtype=torch.bool, device=x.device).tril()
            att = att.masked_fill(~keep, float('-inf'))
        y = F.softmax(att, dim=-1) @ v
        y = y.transpose(1, 2).contiguous().view(b, t, self.n_head * self.head_dim)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, hidden, dropout):
        super().__init__()
        self.c_fc, self.gelu, self.c_proj, self.dropout = nn.Linear(n_embd, hidden), nn.GELU(), nn.Linear(hidden, n_embd), nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, head_dim, hidden, causal, eps, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd, eps=eps)
        self.attn = CausalSelfAttention(n_embd, n_head, head_dim, causal, dropout)
        self.ln_2 = nn.LayerNorm(n_embd, eps=eps)
        self.mlp = MLP(n_embd, hidden, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))
`;

/**
 * The GPT as Python source: the imports, nanoGPT's classes, class GPT with this model's sizes,
 * and last the expression `GPT()`. Its forward takes int64 ids [b, t] and gives the logits
 * [b, t, units] of every position.
 */
export function gptModuleSource(parts: GptParts): string {
  const { wte, wpe, blocks, lnF, head } = parts;
  const e = wte.options.outputDim;
  const block = (b: TransformerBlock) => `Block(${e}, ${b.numHeads}, ${b.keyDim}, ${b.mlpRatio * e}, ${b.causal ? 'True' : 'False'}, ${py(b.epsilon)}, ${py(b.rate)})`;
  const gpt = `class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(${wte.options.inputDim}, ${e}),
            wpe=nn.Embedding(${wpe.options.maxLength}, ${e}),
            h=nn.ModuleList([${blocks.map((b) => `\n                ${block(b)},`).join('')}${blocks.length ? '\n            ' : ''}]),
            ln_f=nn.LayerNorm(${e}, eps=${py(lnF.epsilon)}),
        ))
        self.lm_head = nn.Linear(${e}, ${head.outputUnits}${head.options.useBias !== false ? '' : ', bias=False'})

    def forward(self, idx):
        pos = torch.arange(idx.size(1), device=idx.device)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))
`;
  return `${CLASSES}\n\n${gpt}\n\nGPT()`;
}
