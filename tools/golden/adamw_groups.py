# Makes test/fixtures/adamw-groups.json (see test/fixtures/README.md): weight decay applied to some
# parameters and not others, as PyTorch's two param groups (nanoGPT's configure_optimizers: decay
# for the weight matrices, none for biases and norm scales/shifts), on a small model trained
# full-batch for 30 steps, in PyTorch 1.13 float64.
# Run from the repository root with Debian's python3-torch: /usr/bin/python3 tools/golden/adamw_groups.py
#
# Model (wasmnn's layouts: dense kernels [in, out], y = x @ W + b):
#   dense 3 -> 6 tanh, batch norm (training mode: batch mean and biased variance, eps 1e-5), dense 6 -> 4
# Loss: mean softmax cross-entropy of the logits against class indices.
# Parameters in wasmnn's getWeights() order: dense_0/kernel, dense_0/bias, batch_norm_1/gamma,
# batch_norm_1/beta, dense_2/kernel, dense_2/bias. Groups: decay = the two kernels, no decay = the rest.
# Cases (losses[t] is the loss at the weights after t updates, t = 0..30; final = weights after 30):
#   adamw        torch.optim.AdamW(lr 0.02, betas (0.9, 0.999), eps 1e-8), groups weight_decay 0.5 / 0
#   adamw_clip   the same, torch.nn.utils.clip_grad_norm_(all parameters, 0.25) before each step
#                (PyTorch: g *= max_norm / (total_norm + 1e-6) when that is < 1; clipped[t] says if it was)
#   adam_l2      torch.optim.Adam(lr 0.02), groups weight_decay 0.05 / 0 (L2 added to the gradient)
#   adamw_all    AdamW with one group, weight_decay 0.5 on every parameter (what exclude changes)
import json, torch

D = torch.float64
STEPS = 30
g = torch.Generator().manual_seed(20250)


def f32(t):
    return t.to(torch.float32).to(D)


N, IN, HID, OUT = 16, 3, 6, 4
X = f32(torch.randn(N, IN, generator=g, dtype=D))
Y = torch.randint(0, OUT, (N,), generator=g)


def init():
    u = lambda shape, fan_in: f32((torch.rand(shape, generator=g, dtype=D) * 2 - 1) / fan_in ** 0.5)
    return {
        'dense_0/kernel': u((IN, HID), IN), 'dense_0/bias': u((HID,), IN),
        'batch_norm_1/gamma': f32(1 + 0.1 * torch.randn(HID, generator=g, dtype=D)), 'batch_norm_1/beta': f32(0.1 * torch.randn(HID, generator=g, dtype=D)),
        'dense_2/kernel': u((HID, OUT), HID), 'dense_2/bias': u((OUT,), HID),
    }


def loss_of(p):
    h = torch.tanh(X @ p['dense_0/kernel'] + p['dense_0/bias'])
    mean = h.mean(0)
    var = ((h - mean) ** 2).mean(0)
    h = (h - mean) / torch.sqrt(var + 1e-5) * p['batch_norm_1/gamma'] + p['batch_norm_1/beta']
    logits = h @ p['dense_2/kernel'] + p['dense_2/bias']
    return torch.nn.functional.cross_entropy(logits, Y)


DECAY = ['dense_0/kernel', 'dense_2/kernel']
START = init()


def run(kind, wd, grouped, clip=None):
    p = {k: v.clone().requires_grad_(True) for k, v in START.items()}
    decay = [p[k] for k in p if k in DECAY or not grouped]
    rest = [p[k] for k in p if grouped and k not in DECAY]
    groups = [{'params': decay, 'weight_decay': wd}] + ([{'params': rest, 'weight_decay': 0.0}] if rest else [])
    opt = (torch.optim.AdamW if kind == 'adamw' else torch.optim.Adam)(groups, lr=0.02, betas=(0.9, 0.999), eps=1e-8)
    losses, clipped = [], []
    for t in range(STEPS + 1):
        opt.zero_grad()
        loss = loss_of(p)
        losses.append(loss.item())
        if t == STEPS:
            break
        loss.backward()
        if clip is not None:
            norm = torch.nn.utils.clip_grad_norm_(list(p.values()), clip)
            clipped.append(bool(norm.item() > clip))
        opt.step()
    out = {'losses': losses, 'final': {k: v.detach().reshape(-1).tolist() for k, v in p.items()}}
    if clip is not None:
        out['clipped'] = clipped
    return out


cases = [
    {'name': 'adamw', 'optimizer': 'adamw', 'weightDecay': 0.5, 'grouped': True, **run('adamw', 0.5, True)},
    {'name': 'adamw_clip', 'optimizer': 'adamw', 'weightDecay': 0.5, 'grouped': True, 'globalClipNorm': 0.25, **run('adamw', 0.5, True, 0.25)},
    {'name': 'adam_l2', 'optimizer': 'adam', 'weightDecay': 0.05, 'grouped': True, **run('adam', 0.05, True)},
    {'name': 'adamw_all', 'optimizer': 'adamw', 'weightDecay': 0.5, 'grouped': False, **run('adamw', 0.5, False)},
]
assert any(cases[1]['clipped']) and not all(cases[1]['clipped']), cases[1]['clipped']
fixture = {
    'torch': torch.__version__, 'lr': 0.02, 'steps': STEPS, 'decay': DECAY,
    'x': X.reshape(-1).tolist(), 'xShape': [N, IN], 'y': Y.tolist(),
    'weights': {k: v.reshape(-1).tolist() for k, v in START.items()}, 'shapes': {k: list(v.shape) for k, v in START.items()},
    'cases': cases,
}
with open('test/fixtures/adamw-groups.json', 'w') as f:
    f.write(json.dumps(fixture, separators=(',', ':'), allow_nan=False) + '\n')
print({c['name']: (round(c['losses'][0], 4), round(c['losses'][-1], 4)) for c in cases}, 'clipped', sum(cases[1]['clipped']), 'of', STEPS)
