# Makes test/fixtures/torch_gpt.onnx, torch_gpt_dynamic.onnx and torch_gpt.json (see
# test/fixtures/README.md): nanoGPT's GPT (tools/golden/tiny_gpt.py's modules: vocab 12, block 8,
# n_embd 16, 2 heads, 2 layers, bias, exact GELU, no weight tying) with PyTorch's default init and
# random LayerNorm gamma/beta, rounded to float32, exported by torch.onnx.export at opset 17 from
# float32 (torch_gpt.onnx: a fixed batch of 3, so the exporter folds the shapes into constants;
# torch_gpt_dynamic.onnx: a dynamic batch, whose shape arithmetic, Shape, Range and the like, the
# import refuses), and its logits in float64 on 3 seeded windows of 8 ids.
# Run from the repository root with Debian's python3-torch:  /usr/bin/python3 tools/golden/torch_gpt.py
import io, json, math, torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1713)
V, T, E, H, L, B = 12, 8, 16, 2, 2, 3


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
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(c // H))
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


model = GPT().eval()
with torch.no_grad():
    for name, p in model.named_parameters():
        if 'ln' in name:
            p.copy_((1.0 if name.endswith('weight') else 0.0) + 0.3 * torch.randn(p.shape))
x = torch.randint(0, V, (B, T))


def exported(**kw):
    f = io.BytesIO()
    torch.onnx.export(model, x, f, opset_version=17, input_names=['idx'], output_names=['logits'], **kw)
    return f.getvalue()


with open('test/fixtures/torch_gpt.onnx', 'wb') as f:
    f.write(exported())
with open('test/fixtures/torch_gpt_dynamic.onnx', 'wb') as f:
    f.write(exported(dynamic_axes={'idx': {0: 'batch'}, 'logits': {0: 'batch'}}))
with torch.no_grad():
    logits = model.double()(x)
with open('test/fixtures/torch_gpt.json', 'w') as f:
    json.dump({'torch': torch.__version__, 'opset': 17, 'x': {'shape': list(x.shape), 'data': x.reshape(-1).tolist()},
               'logits': {'shape': list(logits.shape), 'data': logits.reshape(-1).tolist()}}, f, separators=(',', ':'))
    f.write('\n')
