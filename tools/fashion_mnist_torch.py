"""The tfjs MNIST CNN of examples/fashion-mnist.js in PyTorch 1.13 (CPU, float32), same recipe:
conv 3x3x16 relu, max pool 2, conv 3x3x32 relu, max pool 2, conv 3x3x32 relu, flatten, dense 64
relu, dense 10; Adam 1e-3, batch 128, shuffled, 3 epochs; pixels / 255. Prints the test accuracy
for each seed and initialisation:
  --init torch  PyTorch's defaults (kernels and biases uniform(+-1/sqrt(fan_in)))
  --init keras  Keras' and wasmnn's defaults (glorot_uniform kernels, zero biases)
Run from the repository root: /usr/bin/python3 tools/fashion_mnist_torch.py --init keras --seeds 0 1 2
The IDX files come from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)."""
import argparse, gzip, os, struct, time
import numpy as np
import torch
from torch import nn

p = argparse.ArgumentParser()
p.add_argument('--dir', default='/usr/share/datasets/fashion-mnist')
p.add_argument('--init', choices=['torch', 'keras'], default='torch')
p.add_argument('--seeds', type=int, nargs='+', default=[0])
p.add_argument('--epochs', type=int, default=3)
p.add_argument('--threads', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)

def idx(name):
    path = next(q for q in (os.path.join(a.dir, name + '.gz'), os.path.join(a.dir, name)) if os.path.exists(q))
    raw = (gzip.open if path.endswith('.gz') else open)(path, 'rb').read()
    dims = raw[3]
    shape = struct.unpack('>' + 'I' * dims, raw[4:4 + 4 * dims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)

# NCHW for PyTorch; the flatten order differs from wasmnn's NHWC, which changes no accuracy.
xtr = torch.tensor(idx('train-images-idx3-ubyte'), dtype=torch.float32).div(255).unsqueeze(1)
ytr = torch.tensor(idx('train-labels-idx1-ubyte'), dtype=torch.long)
xte = torch.tensor(idx('t10k-images-idx3-ubyte'), dtype=torch.float32).div(255).unsqueeze(1)
yte = torch.tensor(idx('t10k-labels-idx1-ubyte'), dtype=torch.long)

for seed in a.seeds:
    torch.manual_seed(seed)
    m = nn.Sequential(nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
                      nn.Conv2d(32, 32, 3), nn.ReLU(), nn.Flatten(), nn.Linear(32 * 3 * 3, 64), nn.ReLU(), nn.Linear(64, 10))
    if a.init == 'keras':
        for mod in m:
            if isinstance(mod, (nn.Conv2d, nn.Linear)):
                nn.init.xavier_uniform_(mod.weight)  # fan_in/fan_out as Keras counts them for HWIO and [in, out]
                nn.init.zeros_(mod.bias)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    t0 = time.time()
    for epoch in range(a.epochs):
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            b = perm[i:i + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(m(xtr[b]), ytr[b])
            loss.backward()
            opt.step()
    with torch.no_grad():
        acc = (m(xte).argmax(1) == yte).float().mean().item()
    print(f'init {a.init} seed {seed}: test accuracy {100 * acc:.1f}% ({time.time() - t0:.0f} s)', flush=True)
