# Makes test/fixtures/cnn-train.json (see test/fixtures/README.md): the loss curves of three small
# CNNs trained full-batch with Adam on the first 64 digits, in PyTorch float64, with everything a test
# needs to replay them: the inputs, the labels, the float32-rounded initial weights, the gradients at
# those weights, the logits of 4 samples, the 31 losses and the weights after the last step.
# Run from the repository root with Debian's python3-torch: /usr/bin/python3 tools/golden/cnn_train.py
#
# Layouts are wasmnn's (Keras/tfjs): x [n, h, w, c]; conv kernels HWIO [kh, kw, cin/groups, cout];
# dense kernels [in, out]; flatten in NHWC order. The parameters are kept in those layouts as the leaf
# tensors and transposed inside the forward pass (HWIO -> OIHW for F.conv2d, [in, out] -> x @ W), so
# their .grad is already in wasmnn's layout. 'same' pads are TensorFlow's, applied with F.pad.
# Adam is torch.optim.Adam with its defaults but lr (betas (0.9, 0.999), eps 1e-8, no weight decay):
#   m <- b1*m + (1-b1)*g; v <- b2*v + (1-b2)*g^2; w <- w - lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)
# losses[t] is the mean cross-entropy at the weights after t updates (t = 0..30).
import copy, csv, json, math, torch
import torch.nn.functional as F

D = torch.float64
SEED = 20240
STEPS = 30
N = 64


def load_digits(path='data/digits_8x8.csv', n=N):
    with open(path) as f:
        rows = csv.reader(f)
        header = next(rows)
        assert header == [f'p{i}' for i in range(64)] + ['label'], header
        data = [next(rows) for _ in range(n)]
    pixels = torch.tensor([[float(v) for v in r[:64]] for r in data], dtype=D)
    labels = torch.tensor([int(r[64]) for r in data], dtype=torch.long)
    assert pixels.min() >= 0 and pixels.max() <= 16 and labels.min() >= 0 and labels.max() <= 9
    x = (pixels / 16).to(torch.float32).to(D).reshape(n, 8, 8, 1)  # pixels/16 is exact in float32
    assert torch.equal(x.reshape(n, 64), pixels / 16)
    return x, labels


def same_pads(size, k, s, d=1):
    total = max((math.ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0)
    return [total // 2, total - total // 2]  # TensorFlow: the odd pixel goes after


# Layers. Each is a dict with its Keras-style config; conv and dense own parameters (kernel, bias).
def conv2d(filters, k, strides=1, padding='valid', use_bias=True, groups=1, activation=None, depthwise=False):
    return {'type': 'depthwiseConv2d' if depthwise else 'conv2d', 'filters': filters, 'kernelSize': [k, k],
            'strides': [strides, strides], 'padding': padding, 'useBias': use_bias, 'groups': groups,
            'activation': activation or 'linear'}


def max_pool(p, s, padding='valid'):
    return {'type': 'maxPooling2d', 'poolSize': [p, p], 'strides': [s, s], 'padding': padding}


def avg_pool(p, s, padding='valid'):
    return {'type': 'averagePooling2d', 'poolSize': [p, p], 'strides': [s, s], 'padding': padding}


def dense(units, activation=None):
    return {'type': 'dense', 'units': units, 'useBias': True, 'activation': activation or 'linear'}


FLATTEN = {'type': 'flatten'}
GAP = {'type': 'globalAveragePooling2d'}


def build(layers, in_shape, gen):
    """Fills in each layer's input/output shapes and pads; returns the parameters in layer order,
    drawn as PyTorch's default init does: uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)) for kernel and bias,
    in the Keras layout, then rounded to float32."""
    shape, params = list(in_shape), []  # shape without the batch: [h, w, c] or [features]
    for i, L in enumerate(layers):
        L['inputShape'] = list(shape)
        if L['type'] in ('conv2d', 'depthwiseConv2d', 'maxPooling2d', 'averagePooling2d'):
            h, w, c = shape
            k = L['kernelSize'] if 'kernelSize' in L else L['poolSize']
            s = L['strides']
            if L['padding'] == 'same':
                pads = [same_pads(h, k[0], s[0]), same_pads(w, k[1], s[1])]
            else:
                pads = [[0, 0], [0, 0]]
            L['pads'] = pads
            oh = (h + sum(pads[0]) - k[0]) // s[0] + 1
            ow = (w + sum(pads[1]) - k[1]) // s[1] + 1
            assert oh >= 1 and ow >= 1, (i, L)
            if L['type'] in ('conv2d', 'depthwiseConv2d'):
                g, cout = L['groups'], L['filters']
                assert c % g == 0 and cout % g == 0
                if L['type'] == 'depthwiseConv2d':
                    assert g == c
                    L['depthMultiplier'] = cout // c
                fan_in = (c // g) * k[0] * k[1]
                params.append({'layer': i, 'name': 'kernel', 'shape': [k[0], k[1], c // g, cout], 'fan_in': fan_in})
                if L['useBias']:
                    params.append({'layer': i, 'name': 'bias', 'shape': [cout], 'fan_in': fan_in})
                shape = [oh, ow, cout]
            else:
                shape = [oh, ow, c]
        elif L['type'] == 'flatten':
            shape = [math.prod(shape)]
        elif L['type'] == 'globalAveragePooling2d':
            shape = [shape[2]]
        elif L['type'] == 'dense':
            (fan_in,) = shape
            params.append({'layer': i, 'name': 'kernel', 'shape': [fan_in, L['units']], 'fan_in': fan_in})
            params.append({'layer': i, 'name': 'bias', 'shape': [L['units']], 'fan_in': fan_in})
            shape = [L['units']]
        else:
            raise ValueError(L['type'])
        L['outputShape'] = list(shape)
    for p in params:
        bound = 1 / math.sqrt(p.pop('fan_in'))
        u = torch.rand(*p['shape'], generator=gen, dtype=D) * (2 * bound) - bound
        p['tensor'] = u.to(torch.float32).to(D).requires_grad_()
    return params


def forward(layers, params, x, trace=None):
    """x [n, h, w, c] -> logits [n, units]; the activations stay NHWC between layers. With a trace
    list, appends ('relu', z) for every relu input z and ('max', windows) for every max-pool."""
    by_layer = {}
    for p in params:
        by_layer.setdefault(p['layer'], {})[p['name']] = p['tensor']
    y = x
    for i, L in enumerate(layers):
        t = L['type']
        if t in ('conv2d', 'depthwiseConv2d'):
            (pt, pb), (pl, pr) = L['pads']
            k = by_layer[i]['kernel'].permute(3, 2, 0, 1)  # HWIO -> OIHW
            b = by_layer[i].get('bias')
            y = F.conv2d(F.pad(y.permute(0, 3, 1, 2), (pl, pr, pt, pb)), k, b, stride=L['strides'], groups=L['groups'])
            y = y.permute(0, 2, 3, 1)
        elif t == 'maxPooling2d':
            assert L['padding'] == 'valid'
            yt = y.permute(0, 3, 1, 2)
            if trace is not None:
                n, c, h, w = yt.shape
                trace.append(('max', F.unfold(yt.detach().reshape(n * c, 1, h, w), L['poolSize'], stride=L['strides'])))
            y = F.max_pool2d(yt, L['poolSize'], L['strides']).permute(0, 2, 3, 1)
        elif t == 'averagePooling2d':
            assert L['padding'] == 'valid'  # no padding, so no question of what to divide by
            y = F.avg_pool2d(y.permute(0, 3, 1, 2), L['poolSize'], L['strides']).permute(0, 2, 3, 1)
        elif t == 'globalAveragePooling2d':
            y = y.mean(dim=(1, 2))
        elif t == 'flatten':
            y = y.reshape(y.shape[0], -1)  # y is NHWC here, so this is Keras's channels-last flatten
        elif t == 'dense':
            y = y @ by_layer[i]['kernel'] + by_layer[i]['bias']
        else:
            raise ValueError(t)
        if L.get('activation') == 'relu':
            if trace is not None:
                trace.append(('relu', y.detach()))
            y = torch.relu(y)
        else:
            assert L.get('activation', 'linear') == 'linear'
    return y


def margins(trace):
    """How far this step is from a branch a float32 run could take the other way: the smallest gap
    between the largest and second-largest value of a max-pool window that is not an exact tie, and
    the smallest nonzero |relu input|. Exact ties and exact zeros come from all-zero input patches
    (conv output = bias, or 0 without one); they are exact in float32 too, a relu passes no gradient
    at 0 (in PyTorch and wasmnn), and every position tied that way has the same all-zero patch, so
    which one takes a max-pool's gradient changes no weight gradient."""
    gap, pre = math.inf, math.inf
    for kind, v in trace:
        if kind == 'max':
            top2 = v.topk(2, dim=1).values
            d = top2[:, 0] - top2[:, 1]
            if bool((d > 0).any()):
                gap = min(gap, float(d[d > 0].min()))
        else:
            nz = v.abs()[v != 0]
            if nz.numel():
                pre = min(pre, float(nz.min()))
    return gap, pre


def dump(v):
    return json.dumps(v, separators=(',', ':'), allow_nan=False)  # JSON.parse knows no Infinity/NaN


def weights_json(params):
    return [{'layer': p['layer'], 'name': p['name'], 'shape': p['shape'],
             'values': p['tensor'].detach().reshape(-1).tolist()} for p in params]


def run(name, description, layers, lr, x, labels, seed, dtype=D, quiet=False):
    """Trains one case. dtype=torch.float32 replays it from the same float32 weights in float32 (for
    tools/golden/cnn_train_check.py, to see how far a float32 run drifts); the fixture is float64."""
    layers, gen = copy.deepcopy(layers), torch.Generator().manual_seed(seed)
    params = build(layers, x.shape[1:], gen)
    initial = weights_json(params)
    if dtype != D:
        x = x.to(dtype)
        for p in params:
            p['tensor'] = p['tensor'].detach().to(dtype).requires_grad_()
    tensors = [p['tensor'] for p in params]
    logits0 = forward(layers, params, x[:4]).detach()
    opt = torch.optim.Adam(tensors, lr=lr)
    losses, grads, gap, pre = [], None, math.inf, math.inf
    for t in range(STEPS + 1):
        opt.zero_grad()
        trace = []
        loss = F.cross_entropy(forward(layers, params, x, trace), labels)
        g, m = margins(trace)
        gap, pre = min(gap, g), min(pre, m)
        losses.append(loss.item())
        if t == STEPS:
            break
        loss.backward()
        if t == 0:
            grads = [{'layer': p['layer'], 'name': p['name'], 'shape': p['shape'],
                      'values': p['tensor'].grad.reshape(-1).tolist()} for p in params]
        opt.step()
    quiet or print(f'{name}: loss {losses[0]:.6f} -> {losses[-1]:.6f}; {sum(math.prod(p["shape"]) for p in params)} parameters;'
          f' smallest non-tied max-pool gap {gap:.3g}, smallest nonzero |relu input| {pre:.3g}')
    return {
        'name': name, 'description': description, 'lr': lr, 'steps': STEPS, 'seed': seed,
        'optimizer': {'type': 'adam', 'lr': lr, 'beta1': 0.9, 'beta2': 0.999, 'eps': 1e-8, 'weightDecay': 0},
        'loss': 'softmax cross-entropy on class indices, mean over the batch',
        'xShape': list(x.shape), 'layers': layers,
        'weights': initial, 'grads': grads,
        'logits0': {'shape': list(logits0.shape), 'values': logits0.reshape(-1).tolist()},
        'losses': losses, 'finalWeights': weights_json(params),
        'margins': {'maxPoolGap': gap if gap < math.inf else None, 'reluInput': pre if pre < math.inf else None},
    }


CASES = [  # name, description, layers, lr, seed
    ('A', "conv2d 8 3x3 valid + bias, relu -> maxPooling2d 2x2/2 -> conv2d 16 3x3 same (pads 1 each side) + bias, "
        "relu -> flatten (NHWC order) -> dense 10 (+ bias), logits. Shapes 8x8x1 -> 6x6x8 -> 3x3x8 -> 3x3x16 -> 144 -> 10.",
        [conv2d(8, 3, activation='relu'), max_pool(2, 2), conv2d(16, 3, padding='same', activation='relu'), FLATTEN, dense(10)],
        1e-2, SEED + 1),
    ('B', "conv2d 6 3x3 stride 2 same (pads [0, 1] on each axis: the odd pixel after) + bias, relu -> conv2d 12 2x2 "
        "valid + bias, relu -> averagePooling2d 2x2 stride 1 valid -> globalAveragePooling2d -> dense 10 (+ bias), logits. "
        "Shapes 8x8x1 -> 4x4x6 -> 3x3x12 -> 2x2x12 -> 12 -> 10.",
        [conv2d(6, 3, strides=2, padding='same', activation='relu'), conv2d(12, 2, activation='relu'), avg_pool(2, 1), GAP, dense(10)],
        1e-2, SEED + 2),
    ('C', "A with both conv2d layers bias-free and a depthwise conv between the max-pool and the second conv: "
        "conv2d 8 3x3 valid, no bias, relu -> maxPooling2d 2x2/2 -> depthwiseConv2d 3x3 same (pads 1 each side), "
        "depth multiplier 1 (groups 8, kernel [3, 3, 1, 8]) + bias, linear (no activation) -> conv2d 16 3x3 same, no bias, "
        "relu -> flatten (NHWC order) -> dense 10 (+ bias), logits. Shapes 8x8x1 -> 6x6x8 -> 3x3x8 -> 3x3x8 -> 3x3x16 -> 144 -> 10.",
        [conv2d(8, 3, use_bias=False, activation='relu'), max_pool(2, 2),
         conv2d(8, 3, padding='same', groups=8, depthwise=True),
         conv2d(16, 3, padding='same', use_bias=False, activation='relu'), FLATTEN, dense(10)],
        3e-3, SEED + 3),
]


def main():
    x, labels = load_digits()
    cases = [run(name, desc, layers, lr, x, labels, seed) for name, desc, layers, lr, seed in CASES]
    for c in cases:  # every case learns: its loss falls at every step
        assert all(b < a for a, b in zip(c['losses'], c['losses'][1:])), (c['name'], c['losses'])

    doc = {
        'torch': torch.__version__, 'dtype': 'float64', 'about': (
            'Full-batch Adam on the first 64 rows of data/digits_8x8.csv (x = pixels / 16, NHWC [64, 8, 8, 1]); '
            'losses[t] is the mean softmax cross-entropy after t updates (t = 0..30); weights are the float32-rounded '
            'initial weights (conv kernels HWIO [kh, kw, cin/groups, cout], dense [in, out], flattened row-major), '
            'grads the float64 gradient of the mean loss at them, logits0 the logits of samples 0..3 at them, '
            'finalWeights the weights after the last update; see tools/golden/cnn_train.py.'),
        'x': {'shape': list(x.shape), 'values': x.reshape(-1).tolist()}, 'labels': labels.tolist(),
    }
    with open('test/fixtures/cnn-train.json', 'w') as f:  # one weight array a line: diffs stay readable
        f.write('{\n' + ''.join(f'  {json.dumps(k)}: {dump(v)},\n' for k, v in doc.items()) + '  "cases": [\n')
        for j, c in enumerate(cases):
            lines = []
            for k, v in c.items():
                if k in ('weights', 'grads', 'finalWeights', 'layers'):
                    lines.append(f'      {json.dumps(k)}: [\n' + ',\n'.join('        ' + dump(w) for w in v) + '\n      ]')
                else:
                    lines.append(f'      {json.dumps(k)}: {dump(v)}')
            f.write('    {\n' + ',\n'.join(lines) + '\n    }' + (',\n' if j < len(cases) - 1 else '\n'))
        f.write('  ]\n}\n')


if __name__ == '__main__':
    main()
