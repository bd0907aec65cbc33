# Makes test/fixtures/conv.json (see test/fixtures/README.md): PyTorch float64 values and gradients
# of conv2d, conv1d, max/avg pooling and global average pooling, channels-last as tfjs/Keras.
# Run from the repository root with Debian's python3-torch: /usr/bin/python3 tools/golden/conv.py
#
# Every case holds its inputs, a random upstream gradient dy, the output, and the gradients of
# L = sum(out * dy). Layouts: x [n, h, w, c] (conv1d [n, w, c]), filters HWIO [kh, kw, cin/groups,
# cout] (conv1d [k, cin/groups, cout]); all arrays are {shape, data} with data flat, row-major.
# PyTorch runs on NCHW / OIHW transposes of them. 'same' pads are TensorFlow's and are recorded as
# 'pads'; they are applied with F.pad, so the convolution and pooling calls themselves get no
# padding, except the cases marked 'torch padding' that use PyTorch's own symmetric padding.
import json, math, torch
import torch.nn.functional as F

torch.manual_seed(0)
D = torch.float64


def rnd(*shape):
    """Gaussian numbers rounded to 3 decimals (short in JSON; exact float64 either way)."""
    return torch.round(torch.randn(*shape, dtype=D) * 1000) / 1000


def distinct(*shape):
    """Distinct values 0.01 apart in random order: no ties anywhere, so no max-pool kinks near them."""
    n = math.prod(shape)
    return ((torch.randperm(n).to(D) - n / 2) / 100).reshape(shape)


def same_pads(size, k, s, d=1):
    total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
    return [total // 2, total - total // 2]


def arr(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def pads2d(padding, hw, k, s, d=(1, 1)):
    if padding == 'valid':
        return [[0, 0], [0, 0]]
    if padding == 'same':
        return [same_pads(hw[0], k[0], s[0], d[0]), same_pads(hw[1], k[1], s[1], d[1])]
    return padding


def conv2d_case(name, x_shape, w_shape, strides=(1, 1), dilations=(1, 1), padding='valid', groups=1, bias=True):
    x, w = rnd(*x_shape).requires_grad_(), rnd(*w_shape).requires_grad_()
    b = rnd(w_shape[3]).requires_grad_() if bias else None
    (pt, pb), (pl, pr) = pads = pads2d(padding, x_shape[1:3], w_shape[:2], strides, dilations)
    xt = F.pad(x.permute(0, 3, 1, 2), (pl, pr, pt, pb))
    out = F.conv2d(xt, w.permute(3, 2, 0, 1), b, stride=strides, dilation=dilations, groups=groups).permute(0, 2, 3, 1)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'x': arr(x), 'w': arr(w), 'bias': b.tolist() if bias else None, 'strides': list(strides),
            'dilations': list(dilations), 'padding': padding, 'pads': pads, 'groups': groups, 'dy': arr(dy),
            'out': arr(out), 'dx': arr(x.grad), 'dw': arr(w.grad), 'db': b.grad.tolist() if bias else None}


def conv1d_case(name, x_shape, w_shape, stride=1, dilation=1, padding='valid', groups=1, bias=True):
    x, w = rnd(*x_shape).requires_grad_(), rnd(*w_shape).requires_grad_()
    b = rnd(w_shape[2]).requires_grad_() if bias else None
    pads = same_pads(x_shape[1], w_shape[0], stride, dilation) if padding == 'same' else [0, 0] if padding == 'valid' else padding
    xt = F.pad(x.permute(0, 2, 1), tuple(pads))
    out = F.conv1d(xt, w.permute(2, 1, 0), b, stride=stride, dilation=dilation, groups=groups).permute(0, 2, 1)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'x': arr(x), 'w': arr(w), 'bias': b.tolist() if bias else None, 'stride': stride,
            'dilation': dilation, 'padding': padding, 'pads': pads, 'groups': groups, 'dy': arr(dy),
            'out': arr(out), 'dx': arr(x.grad), 'dw': arr(w.grad), 'db': b.grad.tolist() if bias else None}


def pool_case(kind, name, x_shape, pool, strides, padding='valid', torch_padding=False, ties=None):
    x = (distinct(*x_shape) if ties is None else ties).requires_grad_()
    (pt, pb), (pl, pr) = pads = pads2d(padding, x_shape[1:3], pool, strides)
    xt = x.permute(0, 3, 1, 2)
    if torch_padding:  # PyTorch's own padding, which must be symmetric
        assert pt == pb and pl == pr, pads
        if kind == 'max':
            out = F.max_pool2d(xt, pool, strides, padding=(pt, pl))
        else:
            out = F.avg_pool2d(xt, pool, strides, padding=(pt, pl), count_include_pad=False)
    elif kind == 'max':
        out = F.max_pool2d(F.pad(xt, (pl, pr, pt, pb), value=-math.inf), pool, strides)
    else:  # sum over the window / number of input elements in it, padding excluded from both
        window_sum = lambda t: F.avg_pool2d(F.pad(t, (pl, pr, pt, pb)), pool, strides, divisor_override=1)
        out = window_sum(xt) / window_sum(torch.ones_like(xt))
    if kind == 'max' and ties is None:  # in every window the largest value beats the next by >= 0.01
        padded = F.pad(xt.detach(), (pl, pr, pt, pb), value=-math.inf)
        windows = F.unfold(padded.reshape(-1, 1, *padded.shape[2:]), pool, stride=strides)
        top2 = windows.topk(2, dim=1).values
        assert bool((top2[:, 0] - top2[:, 1] >= 0.01 - 1e-9).all()), name
    out = out.permute(0, 2, 3, 1)
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'x': arr(x), 'pool_size': list(pool), 'strides': list(strides), 'padding': padding,
            'pads': pads, 'torch_padding': torch_padding, 'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


def global_case(name, x_shape):
    x = rnd(*x_shape).requires_grad_()
    out = x.mean(dim=(1, 2))
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {'name': name, 'x': arr(x), 'dy': arr(dy), 'out': arr(out), 'dx': arr(x.grad)}


conv2d = [
    conv2d_case('stride 1, valid, bias', (2, 4, 5, 3), (3, 3, 3, 2)),
    conv2d_case('stride 2, same (pads [[1, 1], [0, 1]]), bias', (1, 7, 6, 2), (3, 3, 2, 3), strides=(2, 2), padding='same'),
    conv2d_case('stride 1, same, even kernel 4x2 (pads [[1, 2], [0, 1]]), no bias', (1, 5, 5, 2), (4, 2, 2, 3), padding='same', bias=False),
    conv2d_case('explicit asymmetric pads [[2, 0], [1, 3]], strides [1, 2], bias', (1, 4, 5, 3), (3, 3, 3, 2), strides=(1, 2), padding=[[2, 0], [1, 3]]),
    conv2d_case('dilation 2, valid, bias', (1, 7, 7, 2), (3, 3, 2, 2), dilations=(2, 2)),
    conv2d_case('dilations [2, 1], strides [2, 1], same (pads [[2, 2], [0, 1]]), no bias', (1, 7, 5, 2), (3, 2, 2, 2), strides=(2, 1), dilations=(2, 1), padding='same', bias=False),
    conv2d_case('groups 2, same, bias', (1, 5, 6, 4), (3, 3, 2, 4), padding='same', groups=2),
    conv2d_case('depthwise: groups 3, multiplier 2, stride 2, same, bias', (1, 6, 5, 3), (3, 3, 1, 6), strides=(2, 2), padding='same', groups=3),
    conv2d_case('odd 7x5 input, batch 3, strides [2, 1], explicit pads [[1, 0], [0, 2]], bias', (3, 7, 5, 2), (3, 2, 2, 2), strides=(2, 1), padding=[[1, 0], [0, 2]]),
    conv2d_case('stride 3 past kernel 2 (pixels skipped), valid, bias', (1, 7, 8, 2), (2, 2, 2, 2), strides=(3, 3)),
    conv2d_case('1x1 kernel, bias', (2, 3, 4, 5), (1, 1, 5, 3)),
    conv2d_case('3x3 kernel on a 2x2 input, pads [[1, 1], [1, 1]], bias', (1, 2, 2, 2), (3, 3, 2, 2), padding=[[1, 1], [1, 1]]),
]
conv1d = [
    conv1d_case('stride 2, same (pads [1, 1]), bias', (2, 9, 3), (3, 3, 4), stride=2, padding='same'),
    conv1d_case('dilation 2, groups 2, explicit pads [2, 1], no bias', (1, 8, 4), (3, 2, 4), dilation=2, padding=[2, 1], groups=2, bias=False),
]
max_pool2d = [
    pool_case('max', '2x2 stride 2, valid', (2, 6, 6, 3), (2, 2), (2, 2)),
    pool_case('max', '3x3 stride 2, valid (overlapping windows)', (1, 7, 7, 2), (3, 3), (2, 2)),
    pool_case('max', '3x3 stride 2, same (pads [[0, 1], [1, 1]])', (2, 6, 5, 2), (3, 3), (2, 2), 'same'),
    pool_case('max', '2x3 strides [1, 2], same (pads [[0, 1], [1, 1]])', (1, 5, 7, 2), (2, 3), (1, 2), 'same'),
    pool_case('max', '3x3 stride 1, same (pads [[1, 1], [1, 1]], torch padding)', (1, 4, 5, 2), (3, 3), (1, 1), 'same', torch_padding=True),
]
avg_pool2d = [
    pool_case('avg', '3x3 stride 2, valid (overlapping windows)', (1, 7, 7, 2), (3, 3), (2, 2)),
    pool_case('avg', '3x3 stride 2, same (pads [[0, 1], [1, 1]])', (2, 6, 5, 2), (3, 3), (2, 2), 'same'),
    pool_case('avg', '3x3 stride 1, same (pads [[1, 1], [1, 1]], torch padding, count_include_pad=False)', (1, 5, 4, 3), (3, 3), (1, 1), 'same', torch_padding=True),
    pool_case('avg', '2x2 stride 2, same on 7x5 (pads [[0, 1], [0, 1]])', (1, 7, 5, 2), (2, 2), (2, 2), 'same'),
]
global_avg_pool2d = [
    global_case('batch 3, 3x4, 2 channels', (3, 3, 4, 2)),
    global_case('1x1 input', (2, 1, 1, 4)),
]
# Deliberate ties, to pin PyTorch's rule (the gradient goes to the first maximum in row-major
# window order); kept apart from the cases above, whose inputs have no ties.
tie_x = torch.tensor([[1, 2, 2, 0], [2, 2, 1, 2], [0, 1, 2, 2], [2, 0, 2, 1]], dtype=D).reshape(1, 4, 4, 1)
ties = [
    pool_case('max', 'ties: 2x2 stride 1, valid', (1, 4, 4, 1), (2, 2), (1, 1), ties=tie_x),
    pool_case('max', 'ties: 3x3 stride 2, same (pads [[0, 1], [0, 1]]), all ones', (1, 4, 4, 1), (3, 3), (2, 2), 'same', ties=torch.ones(1, 4, 4, 1, dtype=D)),
]

for case in conv2d + conv1d + max_pool2d + avg_pool2d + ties:  # a name that states its pads states them right
    assert 'pads [' not in case['name'] or f"pads {case['pads']}" in case['name'], (case['name'], case['pads'])

doc = {
    'torch': torch.__version__, 'dtype': 'float64', 'seed': 0,
    'about': 'Values and gradients of L = sum(out * dy); channels-last x, HWIO filters; see tools/golden/conv.py.',
    'conv2d': conv2d, 'conv1d': conv1d, 'max_pool2d': max_pool2d, 'avg_pool2d': avg_pool2d,
    'global_avg_pool2d': global_avg_pool2d, 'max_pool2d_ties': ties,
}
with open('test/fixtures/conv.json', 'w') as f:  # one case a line: small, and diffs stay readable
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
