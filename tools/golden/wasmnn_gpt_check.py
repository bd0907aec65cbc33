# The PyTorch half of the check of the GPT export (see test/fixtures/README.md): defines each
# module from test/fixtures/wasmnn_gpt_{a,b}.py (toPytorchModule's source: imports, nanoGPT's
# classes, then the expression GPT()), loads test/fixtures/wasmnn_gpt_{a,b}.safetensors
# (toSafetensors' 'pytorch' layout: nanoGPT's state_dict names; read with a small reader of the
# format, as the safetensors package is not installed) with load_state_dict(strict=True) in
# PyTorch 1.13, float32, and writes the logits in evaluation mode for seeded int64 ids to
# test/fixtures/wasmnn_gpt.json. Run from the repository root after tools/golden/wasmnn_gpt.mjs:
#   /usr/bin/python3 tools/golden/wasmnn_gpt_check.py
import json, struct, torch

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
    src = open(path).read().rstrip('\n')
    defs, expr = src.rsplit('\n', 1)
    scope = {}
    exec(defs, scope)
    return eval(expr, scope)


torch.manual_seed(0)
SIZES = {'a': (12, 8), 'b': (7, 5)}  # vocab, positions
out = {'torch': torch.__version__, 'layout': 'x: int64 ids [3, t]; y: logits [3, t, vocab]'}
for k in ['a', 'b']:
    v, t = SIZES[k]
    x = torch.randint(0, v, (3, t))  # drawn in turn, so adding a model changes none before it
    m = module(f'test/fixtures/wasmnn_gpt_{k}.py')
    m.load_state_dict(load_safetensors(f'test/fixtures/wasmnn_gpt_{k}.safetensors'), strict=True)
    m.eval()
    with torch.no_grad():
        y = m(x)
    out[k] = {'parameters': len(list(m.parameters())), 'x': x.tolist(), 'y': y.tolist()}
with open('test/fixtures/wasmnn_gpt.json', 'w') as f:
    json.dump(out, f)
print({k: out[k]['y'][0][0][:4] for k in ['a', 'b']})
