# The PyTorch half of the check of the image layers' PyTorch export (see test/fixtures/README.md):
# loads test/fixtures/wasmnn_cnn_{a,...,g}.py (toPytorchModule's source: helper classes, then the
# nn.Sequential expression) and .safetensors (toSafetensors' 'pytorch' layout, read here with a
# small reader of the format, as the safetensors package is not installed), load_state_dict(strict)
# in PyTorch 1.13, and writes its outputs in evaluation mode for seeded inputs to
# test/fixtures/wasmnn_cnn.json. Run from the repository root after tools/golden/wasmnn_cnn.mjs:
#   /usr/bin/python3 tools/golden/wasmnn_cnn_check.py
import json, struct, torch
from torch import nn

DTYPES = {'F32': torch.float32, 'I64': torch.int64}

def load_safetensors(path):
    raw = open(path, 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    out = {}
    for name, t in header.items():
        if name == '__metadata__':
            continue
        b, e = t['data_offsets']
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=DTYPES[t['dtype']]).reshape(t['shape'])
    return out

def module(path):
    src = open(path).read()
    defs, expr = src.rsplit('nn.Sequential(', 1)
    scope = {'torch': torch, 'nn': nn}
    exec(defs, scope)
    return eval('nn.Sequential(' + expr, scope)

torch.manual_seed(0)
inputs = {'a': torch.randn(5, 3, 9, 8), 'b': torch.randn(5, 48)}  # NCHW images for a, rows for b
inputs['c'] = torch.randn(5, 3, 11)  # sequences channels first (NCW) for c, drawn after a's and b's
inputs['d'] = torch.randn(5, 2, 5, 4)  # NCHW images for d
inputs['e'] = torch.randn(5, 12)  # rows for e
inputs['f'] = torch.randn(5, 3, 13)  # NCW sequences for f and g, drawn last
inputs['g'] = torch.randn(5, 2, 10)
out = {'torch': torch.__version__, 'layout': 'a: x NCHW [5, 3, 9, 8]; b: x rows [5, 48]; c: x NCW [5, 3, 11]; d: x NCHW [5, 2, 5, 4]; e: x rows [5, 12]; f: x NCW [5, 3, 13]; g: x NCW [5, 2, 10]'}
for k in ['a', 'b', 'c', 'd', 'e', 'f', 'g']:
    m = module(f'test/fixtures/wasmnn_cnn_{k}.py')
    m.load_state_dict(load_safetensors(f'test/fixtures/wasmnn_cnn_{k}.safetensors'), strict=True)
    m.eval()
    with torch.no_grad():
        y = m(inputs[k])
    out[k] = {'modules': len(m), 'x': inputs[k].tolist(), 'y': y.tolist()}
with open('test/fixtures/wasmnn_cnn.json', 'w') as f:
    json.dump(out, f)
print({k: out[k]['y'][0] for k in ['a', 'b', 'c', 'd', 'e', 'f', 'g']})
