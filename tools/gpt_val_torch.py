"""PyTorch's side of bench/gpt-val.js: nanoGPT's modules (bench/gpt_torch.py) trained on the same
batches as wasmnn, float32, with the same schedule, and the validation loss over the same windows.

  /usr/bin/python3 tools/gpt_val_torch.py out/gpt-val [--init wasmnn|nanogpt]

Reads what bench/gpt-val.js wrote: meta.json (config, steps, schedule, wasmnn's parameter names and
sizes), ids.i32 (the tokenized text), train-starts.i32 (every step's window starts), val-starts.i32
(the fixed validation windows), init.f32 (wasmnn's initial weights in getWeights() order, kernels
[in, out]). --init wasmnn loads those weights (nn.Linear weights transposed); --init nanogpt uses
nanoGPT's own _init_weights (N(0, 0.02), c_proj N(0, 0.02 / sqrt(2 n_layer)); torch seed = the seed).
Training: nanoGPT's loop: get_lr(it) (warm-up (it + 1) / (warmup + 1), cosine to min_lr at
lr_decay_iters), zero_grad, loss, backward, clip_grad_norm_(1.0), AdamW step. Prints one JSON line.
"""
import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bench'))
from gpt_torch import GPT, adamw, blas  # noqa: E402

BLOCK = ['ln_1.weight', 'ln_1.bias', 'attn.c_attn.weight', 'attn.c_attn.bias', 'attn.c_proj.weight', 'attn.c_proj.bias',
         'ln_2.weight', 'ln_2.bias', 'mlp.c_fc.weight', 'mlp.c_fc.bias', 'mlp.c_proj.weight', 'mlp.c_proj.bias']


def torch_names(n_layer):
    """The state_dict names in wasmnn's getWeights() order."""
    names = ['transformer.wte.weight', 'transformer.wpe.weight']
    for i in range(n_layer):
        names += [f'transformer.h.{i}.{b}' for b in BLOCK]
    return names + ['transformer.ln_f.weight', 'transformer.ln_f.bias', 'lm_head.weight']


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('dir')
    ap.add_argument('--init', choices=['wasmnn', 'nanogpt'], default='wasmnn')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    read = lambda name, dt: np.fromfile(os.path.join(args.dir, name), dtype=dt)
    with open(os.path.join(args.dir, 'meta.json')) as f:
        meta = json.load(f)
    c = dict(vocab=meta['vocab'], block=meta['block'], n_embd=meta['width'], n_head=meta['heads'], n_layer=meta['layers'])
    B, T = meta['batch'], meta['block']
    ids = torch.from_numpy(read('ids.i32', np.int32).astype(np.int64))
    train = ids[:meta['trainLength']]
    val = ids[meta['trainLength']:]
    starts = torch.from_numpy(read('train-starts.i32', np.int32).astype(np.int64)).view(meta['steps'], B)
    vstarts = torch.from_numpy(read('val-starts.i32', np.int32).astype(np.int64)).view(meta['valBatches'], B)

    torch.manual_seed(meta['seed'])
    model = GPT(c)
    params = dict(model.named_parameters())
    if args.init == 'wasmnn':
        flat = torch.from_numpy(read('init.f32', np.float32))
        o = 0
        names = torch_names(c['n_layer'])
        assert len(names) == len(meta['params']) and sorted(names) == sorted(params), 'every parameter named once'
        with torch.no_grad():
            for tn, p in zip(names, meta['params']):
                t = params[tn]
                assert t.numel() == p['size'], (tn, p)
                w = flat[o:o + p['size']]
                o += p['size']
                # Linear weights are [out, in]; wasmnn's kernels [in, out]. Tables and vectors as they are.
                lin = tn.endswith('weight') and t.dim() == 2 and 'wte' not in tn and 'wpe' not in tn
                t.copy_(w.view(t.shape[1], t.shape[0]).t() if lin else w.view(t.shape))
    else:
        model.nanogpt_init(c['n_layer'])
    s = meta['schedule']
    opt = adamw(model, s['lr'])

    def get_lr(it):
        if it < s['warmup']:
            return s['lr'] * (it + 1) / (s['warmup'] + 1)
        if it > s['decay']:
            return s['minLr']
        ratio = (it - s['warmup']) / (s['decay'] - s['warmup'])
        return s['minLr'] + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (s['lr'] - s['minLr'])

    def windows(seq, st):
        return torch.stack([seq[i:i + T] for i in st]), torch.stack([seq[i + 1:i + T + 1] for i in st])

    vbatches = [windows(val, st) for st in vstarts]

    def val_loss():
        with torch.no_grad():
            return sum(model(x, y).item() for x, y in vbatches) / len(vbatches)

    curve = [{'step': 0, 'val': val_loss()}]
    running = 0.0
    t0 = time.perf_counter()
    for it in range(meta['steps']):
        for g in opt.param_groups:
            g['lr'] = get_lr(it)
        x, y = windows(train, starts[it])
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running += loss.item()
        done = it + 1
        if done % meta['every'] == 0 or done == meta['steps']:
            n = done % meta['every'] or meta['every']
            curve.append({'step': done, 'train': running / n, 'val': val_loss()})
            running = 0.0
            print(f"PyTorch ({args.init} init) step {done}: train {curve[-1]['train']:.4f}, validation {curve[-1]['val']:.4f}", file=sys.stderr)
    seconds = time.perf_counter() - t0
    print(json.dumps({'torch': torch.__version__, 'blas': blas(), 'init': args.init, 'curve': curve, 'seconds': seconds,
                      'tokensPerS': meta['steps'] * B * T / seconds}))


if __name__ == '__main__':
    main()
