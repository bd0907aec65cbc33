"""PyTorch CPU as the native limit of bench/cnn.js: the tfjs MNIST CNN, float32, NCHW.

conv 16 3x3 relu, maxpool 2, conv 32 3x3 relu, maxpool 2, conv 32 3x3 relu, flatten, dense 64 relu,
dense 10 (logits); cross-entropy over class indices; Adam lr 1e-3; batch 128 of bench/data.js' inputs.

  python3 bench/cnn_torch.py --threads 2 --seconds 3   timed run: one JSON line, samples/s of each
  python3 bench/cnn_torch.py --threads 1 --serve       driven by bench/cnn.js: 'train' or 'forward'
                                                       on stdin runs one call and answers its time
A call reads the loss (.item()) or the logits' first value, as the JS contenders read theirs.
"""
import argparse
import json
import math
import sys
import time

import torch
from torch import nn

BATCH = 128


def rand(n, seed=0):
    # bench/data.js' rand: sin((i + seed) * 12.9898) * 0.5, in float64 then float32
    return torch.tensor([math.sin((i + seed) * 12.9898) * 0.5 for i in range(n)], dtype=torch.float64).float()


def network():
    return nn.Sequential(
        nn.Conv2d(1, 16, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 32, 3), nn.ReLU(),
        nn.Flatten(), nn.Linear(288, 64), nn.ReLU(), nn.Linear(64, 10),
    )


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--serve', action='store_true')
    ap.add_argument('--seconds', type=float, default=3.0)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = network()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    # One channel: NCHW and bench/cnn.js' NHWC hold the same bytes.
    x = rand(BATCH * 784, 1).reshape(BATCH, 1, 28, 28)
    y = torch.arange(BATCH) % 10

    def train():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    def forward():
        with torch.no_grad():
            return model(x)[0, 0].item()

    calls = {'train': train, 'forward': forward}
    for f in (train, forward, train, forward):  # warm-up (oneDNN picks and caches its kernels)
        f()
    info = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    if args.serve:
        print(json.dumps({'ready': True, **info}), flush=True)
        for line in sys.stdin:
            t = time.perf_counter()
            calls[line.strip()]()
            print(json.dumps({'ms': (time.perf_counter() - t) * 1e3}), flush=True)
        return
    out = dict(info)
    for name, f in calls.items():
        ms = []
        end = time.perf_counter() + args.seconds
        while time.perf_counter() < end:
            t = time.perf_counter()
            f()
            ms.append((time.perf_counter() - t) * 1e3)
        ms.sort()
        out[name] = {'samples_per_s': BATCH * 1e3 / ms[len(ms) // 2], 'calls': len(ms), 'ms_min': ms[0], 'ms_max': ms[-1]}
    print(json.dumps(out))


if __name__ == '__main__':
    main()
