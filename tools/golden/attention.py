# Makes test/fixtures/attention.json (see test/fixtures/README.md): PyTorch float64 values and
# gradients of scaled dot-product attention and of nn.MultiheadAttention, for ops.dotProductAttention
# and layers.multiHeadAttention. Run from the repository root with Debian's python3-torch:
#   /usr/bin/python3 tools/golden/attention.py
#
# PyTorch 1.13 has no F.scaled_dot_product_attention, so the op cases write its formula:
#   s = scale * q @ k^T + mask (causal: s = -inf where key j > query i, the top-left diagonal),
#   out = softmax(s, -1) @ v;  q [b, h, tq, d], k [b, h, tk, d], v [b, h, tk, dv] (its layout).
# A boolean mask is SDPA's convention (True: take part), stored as booleans. Each case holds the
# inputs, a random upstream dy, out and the gradients of L = sum(out * dy).
# The layer cases run nn.MultiheadAttention(batch_first=True) with random weights (biases nonzero)
# and check it against the same formula on wasmnn's layout first: kernels [in, out] (the transposes
# of PyTorch's weights), heads the consecutive column blocks of a projection, scale 1/sqrt(keyDim).
# MultiheadAttention's boolean attn_mask is the opposite convention (True: masked).
# All arrays are {shape, data} with data flat, row-major.
import json, math, torch
import torch.nn.functional as F

torch.manual_seed(22)
D = torch.float64


def rnd(*shape):
    """Gaussian numbers rounded to 3 decimals (short in JSON; exact float64 either way)."""
    return torch.round(torch.randn(*shape, dtype=D) * 1000) / 1000


def arr(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def attention(q, k, v, scale, causal, mask):
    s = scale * q @ k.transpose(-1, -2)
    if mask is not None:
        s = s + mask if mask.dtype == D else s.masked_fill(~mask, -math.inf)
    if causal:
        tq, tk = s.shape[-2:]
        s = s.masked_fill(~torch.ones(tq, tk, dtype=torch.bool).tril(), -math.inf)
    return torch.softmax(s, -1) @ v


def op_case(name, b, h, tq, tk, d, dv, causal=False, mask=None, scale=None):
    q, k, v = rnd(b, h, tq, d).requires_grad_(), rnd(b, h, tk, d).requires_grad_(), rnd(b, h, tk, dv).requires_grad_()
    dy = rnd(b, h, tq, dv)
    m = None
    if mask == 'additive':
        m = rnd(tq, tk)
    elif mask == 'boolean':
        m = torch.rand(tq, tk) < 0.7
        m[:, 0] = True  # every query sees a key
    out = attention(q, k, v, 1 / math.sqrt(d) if scale is None else scale, causal, m)
    (out * dy).sum().backward()
    c = {'name': name, 'q': arr(q), 'k': arr(k), 'v': arr(v), 'dy': arr(dy), 'causal': causal, 'out': arr(out),
         'dq': arr(q.grad), 'dk': arr(k.grad), 'dv': arr(v.grad)}
    if scale is not None:
        c['scale'] = scale
    if m is not None:
        c['mask'] = {'shape': [tq, tk], 'data': m.reshape(-1).tolist()}
    return c


def layer_case(name, b, tq, tk, width, heads, kdim=None, vdim=None, causal=False):
    """nn.MultiheadAttention(width, heads) on query [b, tq, width], key [b, tk, kdim], value [b, tk, vdim]."""
    kdim, vdim = kdim or width, vdim or width
    mha = torch.nn.MultiheadAttention(width, heads, kdim=kdim, vdim=vdim, batch_first=True, dtype=D)
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(rnd(*p.shape) * 0.5)
    self_attn = kdim == width and vdim == width and tq == tk
    query = rnd(b, tq, width).requires_grad_()
    key = query if self_attn else rnd(b, tk, kdim).requires_grad_()
    value = query if self_attn else rnd(b, tk, vdim).requires_grad_()
    mask = torch.ones(tq, tk, dtype=torch.bool).triu(1) if causal else None
    out = mha(query, key, value, need_weights=False, attn_mask=mask)[0]
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    # wasmnn's layout: [in, out] kernels.
    if mha._qkv_same_embed_dim:
        wq, wk, wv = (w.T for w in mha.in_proj_weight.chunk(3))
        gq, gk, gv = (g.T for g in mha.in_proj_weight.grad.chunk(3))
    else:
        wq, wk, wv = mha.q_proj_weight.T, mha.k_proj_weight.T, mha.v_proj_weight.T
        gq, gk, gv = mha.q_proj_weight.grad.T, mha.k_proj_weight.grad.T, mha.v_proj_weight.grad.T
    bq, bk, bv = mha.in_proj_bias.chunk(3)
    gbq, gbk, gbv = mha.in_proj_bias.grad.chunk(3)
    wo, bo = mha.out_proj.weight.T, mha.out_proj.bias
    # The formula on that layout must give PyTorch's output.
    split = lambda t, n: t.reshape(b, n, heads, -1).transpose(1, 2)
    hd = width // heads
    att = attention(split(query @ wq + bq, tq), split(key @ wk + bk, tk), split(value @ wv + bv, tk), 1 / math.sqrt(hd), causal, None)
    mine = att.transpose(1, 2).reshape(b, tq, width) @ wo + bo
    assert torch.allclose(mine, out, rtol=1e-12, atol=1e-12), (name, (mine - out).abs().max())
    weights = [('query/kernel', wq, gq), ('query/bias', bq, gbq), ('key/kernel', wk, gk), ('key/bias', bk, gbk),
               ('value/kernel', wv, gv), ('value/bias', bv, gbv), ('attention_output/kernel', wo, mha.out_proj.weight.grad.T),
               ('attention_output/bias', bo, mha.out_proj.bias.grad)]
    c = {'name': name, 'numHeads': heads, 'keyDim': hd, 'causal': causal, 'query': arr(query), 'dy': arr(dy), 'out': arr(out),
         'dquery': arr(query.grad), 'weights': [{'name': n, **arr(w)} for n, w, _ in weights],
         'grads': [{'name': n, **arr(g)} for n, _, g in weights]}
    if not self_attn:
        c.update({'key': arr(key), 'value': arr(value), 'dkey': arr(key.grad), 'dvalue': arr(value.grad)})
    return c


ops = [
    op_case('b2 h3, tq = tk 5, d 4', 2, 3, 5, 5, 4, 4),
    op_case('b2 h3, causal, t 6, d 8', 2, 3, 6, 6, 8, 8, causal=True),
    op_case('b2 h3, tq 4 != tk 7, d 5, dv 3', 2, 3, 4, 7, 5, 3),
    op_case('b2 h3, causal, tq 7 > tk 4 (top-left), d 3, dv 6', 2, 3, 7, 4, 3, 6, causal=True),
    op_case('b2 h3, causal, tq 3 < tk 8 (top-left), d 7', 2, 3, 3, 8, 7, 7, causal=True),
    op_case('b1 h2, odd d 7, t 9', 1, 2, 9, 9, 7, 7),
    op_case('b2 h3, additive mask, tq 5, tk 6', 2, 3, 5, 6, 4, 4, mask='additive'),
    op_case('b2 h1, boolean mask, tq 4, tk 5, d 6, dv 2', 2, 1, 4, 5, 6, 2, mask='boolean'),
    op_case('b2 h2, scale 0.3, causal and additive mask, t 5', 2, 2, 5, 5, 3, 4, causal=True, mask='additive', scale=0.3),
    op_case('b1 h1, causal, t 70 (past one tile of keys, two of queries), d 4, dv 3', 1, 1, 70, 70, 4, 3, causal=True),
]
layer_cases = [
    layer_case('self-attention, width 6, 2 heads, t 5', 2, 5, 5, 6, 2),
    layer_case('causal self-attention, width 8, 4 heads, t 6', 2, 6, 6, 8, 4, causal=True),
    layer_case('cross-attention: query [4, 6], key [7, 5], value [7, 3], 3 heads', 2, 4, 7, 6, 3, kdim=5, vdim=3),
]

with open('test/fixtures/attention.json', 'w') as f:
    f.write('{\n  "torch": ' + json.dumps(torch.__version__) + ',\n')
    f.write('  "ops": [\n' + ',\n'.join('    ' + json.dumps(c, separators=(',', ':')) for c in ops) + '\n  ],\n')
    f.write('  "layers": [\n' + ',\n'.join('    ' + json.dumps(c, separators=(',', ':')) for c in layer_cases) + '\n  ]\n}\n')
