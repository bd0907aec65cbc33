"""PyTorch CPU as the native limit of bench/gpt.js: nanoGPT's GPT at its small CPU configuration.

nanoGPT's model.py modules (CausalSelfAttention, MLP, Block, GPT: wte, wpe, h, ln_f, lm_head), float32,
4 layers, 4 heads, n_embd 128, block 64, bias=True, dropout 0, exact GELU, and NO weight tying
(wasmnn's lm_head is its own bias-free dense layer). Attention as nanoGPT without flash (1.13 has no
scaled_dot_product_attention): softmax(q k^T / sqrt(hd), causal) v. A training step is nanoGPT's:
zero_grad, cross-entropy over every position, backward, clip_grad_norm_(1.0), AdamW (betas 0.9/0.99,
weight decay 0.1 on the matrices and tables, none on biases and layer norms: configure_optimizers'
two groups). Batch 12 of bench/gpt.js' tokens: token (b * 64 + t) * 7 % 65 at window b, place t.

  python3 bench/gpt_torch.py --threads 2 --seconds 3   timed run: one JSON line, tokens/s
  python3 bench/gpt_torch.py --threads 1 --serve       driven by bench/gpt.js: 'train' on stdin runs
                                                       one step and answers its time
tools/gpt_val_torch.py trains the same modules on text for the validation-loss comparison.
"""
import argparse
import json
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

SMALL = dict(vocab=65, block=64, n_embd=128, n_head=4, n_layer=4)
BATCH = 12


class CausalSelfAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.n_embd = c['n_head'], c['n_embd']
        self.c_attn = nn.Linear(self.n_embd, 3 * self.n_embd)
        self.c_proj = nn.Linear(self.n_embd, self.n_embd)
        t = c['block']
        self.register_buffer('bias', torch.tril(torch.ones(t, t)).view(1, 1, t, t))

    def forward(self, x):
        b, t, e = x.size()
        h = self.n_head
        q, k, v = self.c_attn(x).split(e, dim=2)
        k = k.view(b, t, h, e // h).transpose(1, 2)
        q = q.view(b, t, h, e // h).transpose(1, 2)
        v = v.view(b, t, h, e // h).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :t, :t] == 0, float('-inf'))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(b, t, e))


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c['n_embd']
        self.c_fc, self.gelu, self.c_proj = nn.Linear(e, 4 * e), nn.GELU(), nn.Linear(4 * e, e)

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c['n_embd']
        self.ln_1, self.attn, self.ln_2, self.mlp = nn.LayerNorm(e), CausalSelfAttention(c), nn.LayerNorm(e), MLP(c)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, c):
        super().__init__()
        e = c['n_embd']
        self.vocab = c['vocab']
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c['vocab'], e), wpe=nn.Embedding(c['block'], e),
            h=nn.ModuleList([Block(c) for _ in range(c['n_layer'])]), ln_f=nn.LayerNorm(e)))
        self.lm_head = nn.Linear(e, c['vocab'], bias=False)

    def nanogpt_init(self, n_layer):
        """nanoGPT's _init_weights: N(0, 0.02) for Linear and Embedding weights, zero biases, and
        N(0, 0.02 / sqrt(2 n_layer)) for every c_proj weight (layer norms keep gamma 1, beta 0)."""
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if getattr(m, 'bias', None) is not None:
                    nn.init.zeros_(m.bias)
        for name, p in self.named_parameters():
            if name.endswith('c_proj.weight'):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * n_layer))

    def forward(self, idx, targets):
        t = idx.size(1)
        x = self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, self.vocab), targets.reshape(-1))


def adamw(model, lr):
    """configure_optimizers: weight decay 0.1 on parameters of 2 or more dimensions, none on the rest."""
    decay = [p for p in model.parameters() if p.dim() >= 2]
    rest = [p for p in model.parameters() if p.dim() < 2]
    return torch.optim.AdamW([{'params': decay, 'weight_decay': 0.1}, {'params': rest, 'weight_decay': 0.0}], lr=lr, betas=(0.9, 0.99), eps=1e-8)


def train_step(model, opt, x, y):
    opt.zero_grad(set_to_none=True)
    loss = model(x, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    return loss.item()


def blas():
    """The BLAS library this process loaded (Debian's torch is built against the generic libblas.so.3,
    whose reference build is slow; bench/gpt.js can point LD_LIBRARY_PATH at OpenBLAS' instead)."""
    try:
        with open('/proc/self/maps') as f:
            libs = {line.split()[-1] for line in f if 'blas' in line.split()[-1]}
        return ', '.join(sorted(libs)) or 'none'
    except OSError:
        return 'unknown'


def bench_tokens(c, batch):
    """bench/gpt.js' tokens: x[b, t] = (b * block + t) * 7 % vocab, y the next one."""
    n, t = batch, c['block']
    ids = (torch.arange(n * t + 1) * 7) % c['vocab']
    return ids[:-1].reshape(n, t).clone(), ids[1:].reshape(n, t).clone()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--serve', action='store_true')
    ap.add_argument('--seconds', type=float, default=3.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = GPT(SMALL)
    opt = adamw(model, 1e-3)
    x, y = bench_tokens(SMALL, BATCH)
    tokens = BATCH * SMALL['block']
    for _ in range(3):  # warm-up
        train_step(model, opt, x, y)
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads(), 'params': sum(p.numel() for p in model.parameters()), 'blas': blas()}
    if args.serve:
        print(json.dumps({'ready': True, **info}), flush=True)
        for line in sys.stdin:
            t = time.perf_counter()
            train_step(model, opt, x, y)
            print(json.dumps({'ms': (time.perf_counter() - t) * 1e3}), flush=True)
        return
    ms = []
    end = time.perf_counter() + args.seconds
    while time.perf_counter() < end:
        t = time.perf_counter()
        train_step(model, opt, x, y)
        ms.append((time.perf_counter() - t) * 1e3)
    ms.sort()
    print(json.dumps({**info, 'train': {'tokens_per_s': tokens * 1e3 / ms[len(ms) // 2], 'calls': len(ms), 'ms_min': ms[0], 'ms_max': ms[-1]}}))


if __name__ == '__main__':
    main()
