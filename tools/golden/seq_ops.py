# Makes test/fixtures/seq-ops.json (see test/fixtures/README.md): PyTorch float64 values and
# gradients of the sequence-model ops (embedding lookup, LayerNorm, RMSNorm, masked where, one-hot,
# GELU on N-d input) and of a tiny sequence model (embedding, LayerNorm, dense, cross-entropy per
# position) with its first Adam steps.
# Run from the repository root with Debian's python3-torch: /usr/bin/python3 tools/golden/seq_ops.py
#
# Every op case holds its inputs, a random upstream gradient dy, the output and the gradients of
# L = sum(out * dy). Arrays are {shape, data} with data flat, row-major; indices are integers.
# PyTorch 1.13 has no RMSNorm module: it is written out, x * rsqrt(mean(x^2, -1) + eps) * gamma.
import json, math, torch
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64


def rnd(*shape, scale=1.0):
    """Gaussian numbers rounded to 3 decimals (short in JSON; exact float64 either way)."""
    return torch.round(torch.randn(*shape, dtype=D) * scale * 1000) / 1000


def arr(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def f32(t):
    """Rounded to float32, kept in float64: the model starts from weights wasmnn can hold exactly."""
    return t.to(torch.float32).to(D)


def gather_case(name, vocab, dim, idx_shape):
    table = rnd(vocab, dim).requires_grad_()
    idx = torch.randint(0, vocab, idx_shape)
    out = F.embedding(idx, table)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'table': arr(table), 'indices': arr(idx), 'dy': arr(dy), 'out': arr(out), 'dtable': arr(table.grad)}


def layer_norm_case(name, x_shape, eps=1e-5, offset=0.0, scale=1.0):
    n = x_shape[-1]
    # float32 inputs (exact in float64): a mean of 100 with a std of 0.01 is then the same data on both sides.
    x = f32(rnd(*x_shape, scale=scale) + offset).requires_grad_()
    gamma, beta = f32(1 + rnd(n, scale=0.3)).requires_grad_(), f32(rnd(n, scale=0.3)).requires_grad_()
    out = F.layer_norm(x, (n,), gamma, beta, eps)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'epsilon': eps, 'x': arr(x), 'gamma': arr(gamma), 'beta': arr(beta), 'dy': arr(dy), 'out': arr(out),
            'dx': arr(x.grad), 'dgamma': arr(gamma.grad), 'dbeta': arr(beta.grad)}


def rms_norm_case(name, x_shape, eps=1e-5, scale=1.0):
    n = x_shape[-1]
    x = f32(rnd(*x_shape, scale=scale)).requires_grad_()
    gamma = f32(1 + rnd(n, scale=0.3)).requires_grad_()
    out = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * gamma
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'epsilon': eps, 'x': arr(x), 'gamma': arr(gamma), 'dy': arr(dy), 'out': arr(out),
            'dx': arr(x.grad), 'dgamma': arr(gamma.grad)}


def where_case(name, shape, cond, b_scalar=None):
    a = rnd(*shape).requires_grad_()
    b = torch.tensor(b_scalar, dtype=D) if b_scalar is not None else rnd(*shape).requires_grad_()
    out = torch.where(cond.bool(), a, b)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    case = {'name': name, 'cond': arr(cond.to(D)), 'a': arr(a), 'dy': arr(dy), 'out': arr(out), 'da': arr(a.grad)}
    if b_scalar is None:
        case.update({'b': arr(b), 'db': arr(b.grad)})
    else:
        case['bScalar'] = b_scalar
    return case


def gelu_case(name, shape, approximate):
    x = rnd(*shape, scale=2.0).requires_grad_()
    out = F.gelu(x, approximate=approximate)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'approximate': approximate, 'x': arr(x), 'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


def tiny_model(steps=20, lr=1e-2):
    """input([8], int32) -> embedding(11, 6) -> LayerNorm(6) -> dense 11, mean cross-entropy over every position."""
    vocab, dim, time, batch = 11, 6, 8, 4
    g = torch.Generator().manual_seed(22)
    x = torch.randint(0, vocab, (batch, time), generator=g)
    y = (x * 3 + torch.arange(time)) % vocab  # a per-position rule the model can learn
    emb = f32(torch.randn(vocab, dim, generator=g, dtype=D))  # nn.Embedding's N(0, 1)
    gamma = f32(1 + 0.2 * torch.randn(dim, generator=g, dtype=D))
    beta = f32(0.2 * torch.randn(dim, generator=g, dtype=D))
    bound = 1 / math.sqrt(dim)
    kernel = f32((torch.rand(dim, vocab, generator=g, dtype=D) * 2 - 1) * bound)  # [in, out]
    bias = f32((torch.rand(vocab, generator=g, dtype=D) * 2 - 1) * bound)
    params = [t.clone().requires_grad_() for t in (emb, gamma, beta, kernel, bias)]
    weights = [arr(p) for p in params]

    def loss_of(ps):
        h = F.layer_norm(F.embedding(x, ps[0]), (dim,), ps[1], ps[2], 1e-5)
        logits = h @ ps[3] + ps[4]
        return F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1)), logits

    loss, logits = loss_of(params)
    loss.backward()
    grads = [arr(p.grad) for p in params]
    logits0 = arr(logits)
    opt = torch.optim.Adam(params, lr=lr)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        l, _ = loss_of(params)
        losses.append(l.item())
        l.backward()
        opt.step()
    losses.append(loss_of(params)[0].item())
    assert all(b < a for a, b in zip(losses, losses[1:])), losses
    return {'vocab': vocab, 'dim': dim, 'time': time, 'x': arr(x), 'y': arr(y), 'lr': lr, 'weights': weights, 'names': ['embeddings', 'gamma', 'beta', 'kernel', 'bias'],
            'logits0': logits0, 'grads': grads, 'losses': losses, 'finalWeights': [arr(p) for p in params]}


causal = torch.tril(torch.ones(4, 4, dtype=D))
out = {
    'gather': [gather_case('embedding [7, 5] at [3, 4]', 7, 5, (3, 4)),
               gather_case('embedding [4, 3] at [2, 3, 5] (repeats)', 4, 3, (2, 3, 5)),
               gather_case('embedding [1, 17] at [2, 6] (one row)', 1, 17, (2, 6))],
    'layerNorm': [layer_norm_case('layerNorm [3, 4, 6]', (3, 4, 6)),
                  layer_norm_case('layerNorm [5, 7], epsilon 1e-3', (5, 7), eps=1e-3),
                  layer_norm_case('layerNorm [2, 3, 17], mean 100, std 0.01', (2, 3, 17), offset=100.0, scale=0.01),
                  layer_norm_case('layerNorm [4, 1] (one feature: y = beta)', (4, 1)),
                  layer_norm_case('layerNorm [2, 2, 2, 33]', (2, 2, 2, 33))],
    'rmsNorm': [rms_norm_case('rmsNorm [3, 4, 6]', (3, 4, 6)),
                rms_norm_case('rmsNorm [5, 7], epsilon 1e-3', (5, 7), eps=1e-3),
                rms_norm_case('rmsNorm [2, 3, 17], std 0.01', (2, 3, 17), scale=0.01)],
    'where': [where_case('causal [4, 4] under [2, 4, 4], b -1e9', (2, 4, 4), causal, b_scalar=-1e9),
              where_case('full mask [3, 5], b a tensor', (3, 5), (torch.rand(3, 5) > 0.5).to(D)),
              where_case('mask [5] under [2, 3, 5], b a tensor', (2, 3, 5), (torch.rand(5) > 0.5).to(D))],
    'oneHot': [{'name': 'oneHot [2, 3] depth 5', 'indices': arr(torch.tensor([[0, 4, 2], [2, 1, 3]])), 'depth': 5,
                'out': arr(F.one_hot(torch.tensor([[0, 4, 2], [2, 1, 3]]), 5).to(D))}],
    'gelu': [gelu_case('gelu [2, 3, 4]', (2, 3, 4), 'none'), gelu_case('geluTanh [2, 3, 4]', (2, 3, 4), 'tanh')],
    'model': tiny_model(),
}
with open('test/fixtures/seq-ops.json', 'w') as f:
    json.dump({'torch': torch.__version__, **out}, f, separators=(',', ':'))
    f.write('\n')
