# Makes test/fixtures/nd-rest.json (see test/fixtures/README.md): PyTorch float64 values and
# gradients of 1-D pooling (channels-last [n, steps, c] as Keras) and of the amax / amin
# reductions. Run from the repository root with Debian's python3-torch:
#   /usr/bin/python3 tools/golden/nd_rest.py
#
# Every case holds x, a random upstream gradient dy, the output and dx of L = sum(out * dy). 1-D
# pooling runs F.max_pool1d / F.avg_pool1d on the NCW transpose, TensorFlow's 'same' pads applied
# with F.pad (-inf for max; avg divides by the window's input elements only, as count_include_pad=
# False); max-pool inputs are distinct values 0.01 apart (no ties). amax/amin take torch.amax /
# torch.amin (PyTorch's rule for ties: the gradient is split evenly among a reduction's maxima),
# on inputs with ties where a case says so.
import json, math, torch
import torch.nn.functional as F

torch.manual_seed(20)
D = torch.float64


def rnd(*shape):
    return torch.round(torch.randn(tuple(shape), dtype=D) * 1000) / 1000


def distinct(*shape):
    n = math.prod(shape)
    return ((torch.randperm(n).to(D) - n / 2) / 100).reshape(shape)


def same_pads(size, k, s):
    total = max((math.ceil(size / s) - 1) * s + k - size, 0)
    return [total // 2, total - total // 2]


def arr(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def pool1d_case(kind, name, x_shape, k, s, padding='valid'):
    x = (distinct(*x_shape) if kind == 'max' else rnd(*x_shape)).requires_grad_()
    pl, pr = pads = same_pads(x_shape[1], k, s) if padding == 'same' else [0, 0]
    xt = x.permute(0, 2, 1)
    if kind == 'max':
        out = F.max_pool1d(F.pad(xt, (pl, pr), value=-math.inf), k, s)
    else:
        window_sum = lambda t: F.avg_pool1d(F.pad(t, (pl, pr)), k, s) * k
        out = window_sum(xt) / window_sum(torch.ones_like(xt))
    out = out.permute(0, 2, 1)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'kind': kind, 'x': arr(x), 'pool_size': k, 'strides': s, 'padding': padding, 'pads': pads,
            'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


def global_case(kind, name, x_shape):
    x = (distinct(*x_shape) if kind == 'max' else rnd(*x_shape)).requires_grad_()
    out = x.amax(dim=1) if kind == 'max' else x.mean(dim=1)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'kind': kind, 'x': arr(x), 'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


def reduce_case(kind, name, x, axis, keep):
    x = x.clone().requires_grad_()
    dims = tuple(range(x.dim())) if axis is None else axis
    out = (torch.amax if kind == 'max' else torch.amin)(x, dim=dims, keepdim=keep)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'kind': kind, 'x': arr(x), 'axis': axis, 'keepDims': keep, 'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


pool1d = [
    pool1d_case('max', 'max 2 stride 2, valid (odd step dropped)', (2, 7, 3), 2, 2),
    pool1d_case('max', 'max 3 stride 2, same (pads [0, 1])', (2, 8, 2), 3, 2, 'same'),
    pool1d_case('max', 'max 3 stride 1, valid (overlapping windows)', (1, 6, 2), 3, 1),
    pool1d_case('avg', 'avg 3 stride 2, same on 9 (pads [1, 1])', (2, 9, 3), 3, 2, 'same'),
    pool1d_case('avg', 'avg 2 stride 1, valid', (1, 5, 2), 2, 1),
    pool1d_case('avg', 'avg 3 stride 3, same on 7 (pads [1, 1])', (3, 7, 2), 3, 3, 'same'),
    pool1d_case('avg', 'avg 4 stride 2, same on 5 (pads [1, 2])', (1, 5, 2), 4, 2, 'same'),
]
global_pool1d = [
    global_case('max', 'global max, batch 3, 5 steps, 2 channels', (3, 5, 2)),
    global_case('avg', 'global average, batch 3, 5 steps, 2 channels', (3, 5, 2)),
]
ties = torch.tensor([[[1, 2, 2, 0], [2, 2, 1, 2], [0, 1, 2, 2]], [[2, 0, 2, 1], [1, 1, 1, 1], [0, 2, 0, 2]]], dtype=D)
reductions = [
    reduce_case('max', 'amax over axis 1 of [2, 3, 4]', rnd(2, 3, 4), [1], False),
    reduce_case('max', 'amax over axes [0, 2] (the batch among them), keepDims', rnd(2, 3, 4), [0, 2], True),
    reduce_case('max', 'amax over axis -1 of [3, 5]', rnd(3, 5), [-1], False),
    reduce_case('max', 'amax over every axis of [2, 3, 4]', rnd(2, 3, 4), None, False),
    reduce_case('max', 'amax over axis 1 with ties (gradient split evenly)', ties, [1], False),
    reduce_case('max', 'amax over axes [1, 2] with ties, keepDims', ties, [1, 2], True),
    reduce_case('min', 'amin over axes [1, 2] of [2, 3, 4]', rnd(2, 3, 4), [1, 2], False),
    reduce_case('min', 'amin over axis 0 of [3, 4] (the batch)', rnd(3, 4), [0], True),
    reduce_case('min', 'amin over axis 2 with ties', ties, [2], False),
]
for case in pool1d:
    assert 'pads [' not in case['name'] or f"pads {case['pads']}" in case['name'], (case['name'], case['pads'])

doc = {
    'torch': torch.__version__, 'dtype': 'float64', 'seed': 20,
    'about': 'Values and gradients of L = sum(out * dy); channels-last sequences; see tools/golden/nd_rest.py.',
    'pool1d': pool1d, 'global_pool1d': global_pool1d, 'reductions': reductions,
}
with open('test/fixtures/nd-rest.json', 'w') as f:  # one case a line
    f.write('{\n')
    items = list(doc.items())
    for k, (key, v) in enumerate(items):
        end = ',\n' if k < len(items) - 1 else '\n'
        if isinstance(v, list):
            f.write(f'  {json.dumps(key)}: [\n' + ',\n'.join('    ' + json.dumps(c, separators=(',', ':')) for c in v) + '\n  ]' + end)
        else:
            f.write(f'  {json.dumps(key)}: {json.dumps(v)}' + end)
    f.write('}\n')
print({k: len(v) for k, v in doc.items() if isinstance(v, list)})
