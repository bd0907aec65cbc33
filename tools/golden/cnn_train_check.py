# Checks test/fixtures/cnn-train.json against an implementation that shares nothing with the generator:
# plain numpy loops over the stored Keras-layout weights (HWIO kernels, [in, out] dense, NHWC flatten,
# TensorFlow 'same' pads worked out here again). Run from the repository root after
# tools/golden/cnn_train.py: /usr/bin/python3 tools/golden/cnn_train_check.py
#  1. logits0 and losses[0] from the stored initial weights;
#  2. the stored grads against central differences of the numpy loss (a sample of every weight array);
#  3. losses[1] after one Adam step done by hand (at t = 1, m_hat = g and v_hat = g^2, so the step is
#     lr * g / (|g| + eps)) from the stored weights and grads;
#  4. every exact tie at the top of a max-pool window is between positions with the same input patch
#     (so which one takes the gradient cannot matter), at the initial and the final weights;
#  5. how far the same training in float32 (PyTorch, from the same weights) drifts from the fixture:
#     a guide to the tolerances a float32 test needs.
import json, math, sys
import numpy as np

sys.path.insert(0, 'tools/golden')
import cnn_train  # noqa: E402  (only for step 5)

doc = json.load(open('test/fixtures/cnn-train.json'))
X = np.array(doc['x']['values'], dtype=np.float64).reshape(doc['x']['shape'])
Y = np.array(doc['labels'])


def arrays(ws):
    out = {}
    for w in ws:
        out[(w['layer'], w['name'])] = np.array(w['values'], dtype=np.float64).reshape(w['shape'])
    return out


def tf_same(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def conv(x, k, b, strides, padding, groups):
    """x [h, w, c], k HWIO [kh, kw, c/groups, cout]: out[i, j, o] = b[o] + sum over the window."""
    h, w, c = x.shape
    kh, kw, cig, cout = k.shape
    sh, sw = strides
    (pt, pb), (pl, pr) = (tf_same(h, kh, sh), tf_same(w, kw, sw)) if padding == 'same' else ((0, 0), (0, 0))
    xp = np.zeros((h + pt + pb, w + pl + pr, c))
    xp[pt:pt + h, pl:pl + w] = x
    oh, ow = (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1
    cog = cout // groups
    y = np.zeros((oh, ow, cout))
    for i in range(oh):
        for j in range(ow):
            for o in range(cout):
                g = o // cog
                acc = 0.0 if b is None else b[o]
                for di in range(kh):
                    for dj in range(kw):
                        for ci in range(cig):
                            acc += xp[i * sh + di, j * sw + dj, g * cig + ci] * k[di, dj, ci, o]
                y[i, j, o] = acc
    return y


def pool(x, size, strides, kind, ties=None):
    h, w, c = x.shape
    oh, ow = (h - size[0]) // strides[0] + 1, (w - size[1]) // strides[1] + 1
    y = np.zeros((oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            win = x[i * strides[0]:i * strides[0] + size[0], j * strides[1]:j * strides[1] + size[1]]
            y[i, j] = win.max(axis=(0, 1)) if kind == 'max' else win.mean(axis=(0, 1))
            if ties is not None:
                for ch in range(c):
                    top = np.argwhere(win[:, :, ch] == win[:, :, ch].max())
                    if len(top) > 1 and win[top[0][0], top[0][1], ch] > 0:
                        ties.append([(i * strides[0] + a, j * strides[1] + b_) for a, b_ in top])
    return y


def forward(case, W, x, tie_log=None):
    y, patches = x, None
    for i, L in enumerate(case['layers']):
        t = L['type']
        if t in ('conv2d', 'depthwiseConv2d'):
            prev = y
            y = conv(y, W[(i, 'kernel')], W.get((i, 'bias')), L['strides'], L['padding'], L['groups'])
            patches = (prev, L)
        elif t in ('maxPooling2d', 'averagePooling2d'):
            ties = [] if tie_log is not None and t == 'maxPooling2d' else None
            pre = y
            y = pool(y, L['poolSize'], L['strides'], 'max' if t == 'maxPooling2d' else 'avg', ties)
            if ties:  # the conv before this pool was valid/stride 1 in these cases: patch at (r, s) is prev[r:r+kh, s:s+kw]
                prev, C = patches
                assert C['padding'] == 'valid' and C['strides'] == [1, 1] and case['layers'][i - 1] is C
                kh, kw = C['kernelSize']
                for tied in ties:
                    ref = prev[tied[0][0]:tied[0][0] + kh, tied[0][1]:tied[0][1] + kw]
                    for r, s in tied[1:]:
                        assert np.array_equal(prev[r:r + kh, s:s + kw], ref), (case['name'], tied)
                tie_log.append(len(ties))
        elif t == 'globalAveragePooling2d':
            y = y.mean(axis=(0, 1))
        elif t == 'flatten':
            y = y.reshape(-1)  # y is [h, w, c]: channels-last order
        elif t == 'dense':
            y = y @ W[(i, 'kernel')] + W[(i, 'bias')]
        if L.get('activation') == 'relu':
            y = np.maximum(y, 0)
    return y


def loss(case, W, n=len(X)):
    total = 0.0
    for s in range(n):
        z = forward(case, W, X[s])
        m = z.max()
        total += m + math.log(np.exp(z - m).sum()) - z[Y[s]]
    return total / n


def rel(got, want):
    return float(np.max(np.abs(np.asarray(got) - np.asarray(want)) / (np.abs(np.asarray(want)) + 1e-12)))


rng = np.random.default_rng(0)
for case in doc['cases']:
    W, G = arrays(case['weights']), arrays(case['grads'])
    name, lr = case['name'], case['lr']
    logits = np.array([forward(case, W, X[s]) for s in range(4)])
    e1 = rel(logits.reshape(-1), case['logits0']['values'])
    l0 = loss(case, W)
    e2 = rel(l0, case['losses'][0])
    # 2. central differences on up to 6 entries of every array (relative, floored at 1e-4: roundoff
    # in a float64 loss of ~2 over h = 1e-6 is ~5e-10)
    h, fd_err = 1e-6, 0.0
    for key, g in G.items():
        flat = W[key].reshape(-1)
        for idx in rng.choice(flat.size, size=min(6, flat.size), replace=False):
            old = flat[idx]
            flat[idx] = old + h; lp = loss(case, W)
            flat[idx] = old - h; lm = loss(case, W)
            flat[idx] = old
            fd, an = (lp - lm) / (2 * h), g.reshape(-1)[idx]
            fd_err = max(fd_err, abs(fd - an) / max(abs(an), 1e-4))
    # 3. one Adam step by hand
    W1 = {k: W[k] - lr * G[k] / (np.abs(G[k]) + 1e-8) for k in W}
    e3 = rel(loss(case, W1), case['losses'][1])
    # 4. ties
    tie_counts = []
    for Wt in (W, arrays(case['finalWeights'])):
        for s in range(len(X)):
            forward(case, Wt, X[s], tie_counts)
    print(f'{name}: logits0 rel err {e1:.2e}, losses[0] {e2:.2e}, grads vs central differences {fd_err:.2e}, '
          f'losses[1] after a hand Adam step {e3:.2e}; positive exact max-pool ties, all between equal patches: {sum(tie_counts)}')
    assert e1 < 1e-12 and e2 < 1e-12 and fd_err < 1e-5 and e3 < 1e-10, name

# 5. float32 drift
x, labels = cnn_train.load_digits()
for (name, desc, layers, lr, seed), case in zip(cnn_train.CASES, doc['cases']):
    r = cnn_train.run(name, desc, layers, lr, x, labels, seed, dtype=cnn_train.torch.float32, quiet=True)
    want = np.array(case['losses'])
    rel = np.abs(np.array(r['losses']) - want) / want
    fw = np.concatenate([np.array(w['values']) for w in case['finalWeights']])
    got = np.concatenate([np.array(w['values']) for w in r['finalWeights']])
    g0 = np.concatenate([np.array(w['values']) for w in case['grads']])
    gg = np.concatenate([np.array(w['values']) for w in r['grads']])
    print(f'{name} in float32: losses max rel dev {rel.max():.2e} (at t = {int(rel.argmax())}), '
          f'final weights max abs dev {np.abs(got - fw).max():.2e}, grads max abs dev {np.abs(gg - g0).max():.2e} '
          f'(largest |grad| {np.abs(g0).max():.2e})')
print('ok')
