# Makes test/fixtures/tiny-gpt.json (see test/fixtures/README.md): nanoGPT's GPT in PyTorch 1.13
# float64 at a tiny size, and 30 AdamW steps of it, for test/model/tiny-gpt.test.ts. Run from the
# repository root with Debian's python3-torch:  /usr/bin/python3 tools/golden/tiny_gpt.py
#
# The modules are nanoGPT's (model.py: CausalSelfAttention, MLP, Block, GPT with wte, wpe, h, ln_f,
# lm_head), written out at vocab 12, block 8, n_embd 16, 2 heads, 2 layers, bias=True, dropout 0,
# exact GELU, and NO weight tying (wasmnn has none: lm_head is its own bias-free Linear). nanoGPT's
# attention without flash (1.13 has no scaled_dot_product_attention): softmax(q k^T / sqrt(hd),
# causal) v. Weights are PyTorch's module defaults (nn.Embedding N(0, 1), nn.Linear U(+-1/sqrt(in)))
# with LayerNorm gamma/beta made random so they count, rounded to float32, and stored in wasmnn's
# order and layout (kernels [in, out] = nn.Linear.weight^T) with each one's state_dict name.
# Training: torch.optim.AdamW(lr 1e-2, betas (0.9, 0.99), eps 1e-8, weight_decay 0.1) on every
# parameter, full steps over 3 fixed int32 batches [4, 8] taken in turn (windows of a seeded
# 200-token Markov sequence, targets shifted by one), the mean cross-entropy over all positions.
# Arrays are {shape, data}, data flat row-major.
import json, math, torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(2022)
D = torch.float64
V, T, E, H, L, B = 12, 8, 16, 2, 2, 4


class CausalSelfAttention(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_attn = nn.Linear(E, 3 * E)
        self.c_proj = nn.Linear(E, E)
        self.register_buffer('bias', torch.tril(torch.ones(T, T)).view(1, 1, T, T))

    def forward(self, x):
        b, t, c = x.size()
        q, k, v = self.c_attn(x).split(E, dim=2)
        k = k.view(b, t, H, c // H).transpose(1, 2)
        q = q.view(b, t, H, c // H).transpose(1, 2)
        v = v.view(b, t, H, c // H).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float('-inf'))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, c))


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.c_fc, self.gelu, self.c_proj = nn.Linear(E, 4 * E), nn.GELU(), nn.Linear(4 * E, E)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1, self.attn, self.ln_2, self.mlp = nn.LayerNorm(E), CausalSelfAttention(), nn.LayerNorm(E), MLP()

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(wte=nn.Embedding(V, E), wpe=nn.Embedding(T, E), h=nn.ModuleList([Block() for _ in range(L)]), ln_f=nn.LayerNorm(E)))
        self.lm_head = nn.Linear(E, V, bias=False)

    def forward(self, idx):
        t = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        return self.lm_head(self.transformer.ln_f(x))


model = GPT().to(D)
with torch.no_grad():
    for name, p in model.named_parameters():
        if 'ln' in name:
            p.copy_((1.0 if name.endswith('weight') else 0.0) + 0.3 * torch.randn(p.shape, dtype=D))
        p.copy_(p.to(torch.float32).to(D))  # float32 weights: both sides start from the same numbers

# wasmnn's parameters in getWeights() order, each (wasmnn name, state_dict name).
BLOCK = [('ln_1/gamma', 'ln_1.weight'), ('ln_1/beta', 'ln_1.bias'), ('attn/c_attn/kernel', 'attn.c_attn.weight'), ('attn/c_attn/bias', 'attn.c_attn.bias'),
         ('attn/c_proj/kernel', 'attn.c_proj.weight'), ('attn/c_proj/bias', 'attn.c_proj.bias'), ('ln_2/gamma', 'ln_2.weight'), ('ln_2/beta', 'ln_2.bias'),
         ('mlp/c_fc/kernel', 'mlp.c_fc.weight'), ('mlp/c_fc/bias', 'mlp.c_fc.bias'), ('mlp/c_proj/kernel', 'mlp.c_proj.weight'), ('mlp/c_proj/bias', 'mlp.c_proj.bias')]
NAMES = [('embedding_0/embeddings', 'transformer.wte.weight'), ('positional_embedding_1/embeddings', 'transformer.wpe.weight')]
for i in range(L):
    NAMES += [(f'transformer_block_{2 + i}/{a}', f'transformer.h.{i}.{b}') for a, b in BLOCK]
NAMES += [(f'layer_normalization_{2 + L}/gamma', 'transformer.ln_f.weight'), (f'layer_normalization_{2 + L}/beta', 'transformer.ln_f.bias'), (f'dense_{3 + L}/kernel', 'lm_head.weight')]
params = dict(model.named_parameters())
assert sorted(t for _, t in NAMES) == sorted(params), 'every parameter named once'


def ours(torch_name, t):
    """A tensor in wasmnn's layout: Linear weights transposed to [in, out]."""
    return t.t() if torch_name.endswith('weight') and t.dim() == 2 and 'wte' not in torch_name and 'wpe' not in torch_name else t


def weights():
    return [{'name': n, 'torch': tn, 'shape': list(ours(tn, params[tn]).shape), 'data': ours(tn, params[tn]).detach().reshape(-1).tolist()} for n, tn in NAMES]


# A seeded Markov sequence over V tokens (each token has 3 likely successors), cut into 3 fixed batches.
succ = torch.randint(0, V, (V, 3))
seq = [0]
for _ in range(199):
    seq.append(int(succ[seq[-1], torch.randint(0, 3, (1,))]))
seq = torch.tensor(seq)
batches = []
for _ in range(3):
    starts = torch.randint(0, len(seq) - T, (B,))
    batches.append((torch.stack([seq[s:s + T] for s in starts]), torch.stack([seq[s + 1:s + T + 1] for s in starts])))


def loss_of(x, y):
    logits = model(x)
    return F.cross_entropy(logits.view(-1, V), y.reshape(-1)), logits


start = weights()
loss, logits = loss_of(*batches[0])
loss.backward()
grads = [{'name': n, 'shape': list(ours(tn, params[tn]).shape), 'data': ours(tn, params[tn].grad).reshape(-1).tolist()} for n, tn in NAMES]
model.zero_grad()

opt = torch.optim.AdamW(model.parameters(), lr=1e-2, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
losses = []
for step in range(30):
    opt.zero_grad()
    loss, _ = loss_of(*batches[step % 3])
    losses.append(loss.item())
    loss.backward()
    opt.step()
assert losses[-1] < 0.6 * losses[0], losses

out = {
    'torch': torch.__version__, 'vocab': V, 'block': T, 'width': E, 'heads': H, 'layers': L,
    'adamw': {'lr': 1e-2, 'beta1': 0.9, 'beta2': 0.99, 'eps': 1e-8, 'weightDecay': 0.1},
    'batches': [{'x': {'shape': list(x.shape), 'data': x.reshape(-1).tolist()}, 'y': {'shape': list(y.shape), 'data': y.reshape(-1).tolist()}} for x, y in batches],
    'logits0': {'shape': list(logits.shape), 'data': logits.detach().reshape(-1).tolist()},
    'weights': start, 'grads': grads, 'losses': losses, 'finalWeights': weights(),
}
with open('test/fixtures/tiny-gpt.json', 'w') as f:
    json.dump(out, f, separators=(',', ':'))
    f.write('\n')
