# Makes test/fixtures/nd-ops.json (see test/fixtures/README.md): PyTorch float64 values and
# gradients of the N-d ops of issue #20: sums and means over lists of axes and negative axes, with
# and without keepdim; softmax and log-softmax over a middle axis; concat and slice along axes 1-3;
# pad (asymmetric, per axis, a constant value); matmul with broadcast leading dimensions; and
# chains of reshape, transpose and matmul (multi-head attention's shapes).
# Run from the repository root with Debian's python3-torch: /usr/bin/python3 tools/golden/nd_ops.py
#
# A case is a small program: `inputs` (arrays {shape, data}, data flat row-major) are values 0..n-1;
# each step applies one op to earlier values and appends its result; the last value is `out`.
# `dy` is a random upstream gradient and `grads` the gradients of L = sum(out * dy) in each input.
# Ops and their params, named as wasmnn's ops (tfjs):
#   sum/mean {axis, keepDims}  softmax/logSoftmax {axis}  concat {axis}  slice {begin, size}
#   pad {paddings, value}  matmul  reshape {shape}  transpose {perm}
# A reduction over every axis without keepDims is recorded as wasmnn's scalar [1, 1] (torch: []).
# `batch` lists the inputs whose axis 0 the test may also feed as a batch (input() data; a reshape's
# leading dimension is then the batch's -1).
import json, math, torch
import torch.nn.functional as F

torch.manual_seed(20)
D = torch.float64


def rnd(*shape):
    """Gaussian numbers rounded to 3 decimals (short in JSON; exact float64 either way)."""
    return torch.round(torch.randn(*shape, dtype=D) * 1000) / 1000


def arr(t):
    return {'shape': list(t.shape), 'data': t.detach().reshape(-1).tolist()}


def apply(op, p, xs):
    x = xs[0]
    if op in ('sum', 'mean'):
        axis = p['axis']
        dims = list(range(x.dim())) if axis is None else ([axis] if isinstance(axis, int) else axis)
        y = (torch.sum if op == 'sum' else torch.mean)(x, dim=dims, keepdim=p['keepDims'])
        return y.reshape(1, 1) if y.dim() == 0 else y
    if op == 'softmax':
        return torch.softmax(x, dim=p['axis'])
    if op == 'logSoftmax':
        return torch.log_softmax(x, dim=p['axis'])
    if op == 'concat':
        return torch.cat(xs, dim=p['axis'])
    if op == 'slice':
        begin = p['begin'] + [0] * (x.dim() - len(p['begin']))
        size = p['size'] + [-1] * (x.dim() - len(p['size']))
        box = tuple(slice(b, x.shape[i] if s == -1 else b + s) for i, (b, s) in enumerate(zip(begin, size)))
        return x[box]
    if op == 'pad':
        flat = [d for pair in reversed(p['paddings']) for d in pair]  # F.pad: the last axis first
        return F.pad(x, flat, value=p['value'])
    if op == 'matmul':
        return torch.matmul(xs[0], xs[1])
    if op == 'reshape':
        return x.reshape(p['shape'])
    if op == 'transpose':
        return x.permute(p['perm'])
    raise ValueError(op)


def case(name, inputs, steps, batch=()):
    leaves = [rnd(*s).requires_grad_(True) for s in inputs]
    values = list(leaves)
    for op, args, params in steps:
        values.append(apply(op, params, [values[i] for i in args]))
    out = values[-1]
    dy = rnd(*out.shape)
    (out * dy).sum().backward()
    return {
        'name': name,
        'inputs': [arr(t) for t in leaves],
        'steps': [{'op': op, 'args': args, 'params': params} for op, args, params in steps],
        'dy': arr(dy), 'out': arr(out),
        'grads': [arr(t.grad) for t in leaves],
        'batch': list(batch),
    }


def one(op, shapes, params, batch=(0,)):
    return case(f'{op} {json.dumps(params)} of {" ".join(map(str, shapes))}', shapes, [(op, list(range(len(shapes))), params)], batch)


X4 = [2, 3, 4, 5]
cases = []
for op, axis, keep in [('sum', [1, 3], False), ('sum', [1, 3], True), ('sum', -1, False), ('sum', [-3, -1], True),
                       ('sum', [0, 2], False), ('sum', 0, True), ('mean', 2, True), ('mean', [-2], False),
                       ('mean', [1, 2], False), ('mean', [0, 1, 2, 3], False), ('mean', None, True), ('sum', [2, 3], True)]:
    cases.append(one(op, [X4], {'axis': axis, 'keepDims': keep}))
cases.append(one('sum', [[3, 1, 4, 2]], {'axis': [0, 2], 'keepDims': False}))  # a 1 between the reduced axes
for op in ('softmax', 'logSoftmax'):
    for axis in (1, -2, -1):
        cases.append(one(op, [X4], {'axis': axis}))
    cases.append(one(op, [[3, 4]], {'axis': 0}, batch=()))
cases.append(one('concat', [[2, 2, 3, 4], [2, 3, 3, 4]], {'axis': 1}, batch=(0, 1)))
cases.append(one('concat', [[2, 3, 1, 4], [2, 3, 2, 4], [2, 3, 3, 4]], {'axis': 2}, batch=(0, 1, 2)))
cases.append(one('concat', [[2, 2, 3, 1], [2, 2, 3, 4]], {'axis': 3}, batch=(0, 1)))
cases.append(one('concat', [[2, 2, 3, 4], [2, 2, 1, 4]], {'axis': -2}, batch=(0, 1)))
cases.append(one('slice', [[3, 4, 5, 6]], {'begin': [1, 0, 2, 1], 'size': [2, -1, 3, 4]}, batch=()))
cases.append(one('slice', [[3, 4, 5, 6]], {'begin': [0, 1], 'size': [-1, 2]}))
cases.append(one('slice', [[3, 4, 5, 6]], {'begin': [0, 0, 0, 2], 'size': [-1, -1, -1, 3]}))
cases.append(one('slice', [[3, 4, 5, 6]], {'begin': [0, 0, 1, 0], 'size': [-1, -1, 3, -1]}))
cases.append(one('pad', [[2, 3, 4, 2]], {'paddings': [[0, 0], [1, 2], [0, 3], [2, 0]], 'value': 0}))
cases.append(one('pad', [[2, 3, 4, 2]], {'paddings': [[1, 0], [0, 0], [2, 1], [0, 0]], 'value': 0.5}, batch=()))
cases.append(one('pad', [[3, 4]], {'paddings': [[0, 0], [3, 1]], 'value': -1}))
cases.append(one('pad', [[2, 5, 4, 3]], {'paddings': [[0, 0], [1, 1], [2, 0], [0, 0]], 'value': 0}))
for a, b, batch in [([2, 3, 4, 5], [1, 3, 5, 2], (0,)), ([2, 3, 4, 5], [3, 5, 2], (0,)), ([3, 4, 5], [2, 3, 5, 6], (1,)),
                    ([2, 1, 4, 5], [1, 3, 5, 2], (0,)), ([4, 5], [2, 3, 5, 2], (1,)), ([2, 3, 4, 5], [5, 2], (0,)),
                    ([2, 3, 4, 5], [2, 3, 5, 2], (0, 1)), ([2, 3, 4, 5], [1, 1, 5, 2], (0,))]:
    cases.append(one('matmul', [a, b], {}, batch))
# A head split, a matmul per head with a weight of its own, heads merged: [b, t, h*d] throughout.
cases.append(case('reshape-transpose-matmul-transpose-reshape', [[2, 6, 8], [2, 4, 3]], [
    ('reshape', [0], {'shape': [2, 6, 2, 4]}), ('transpose', [2], {'perm': [0, 2, 1, 3]}), ('matmul', [3, 1], {}),
    ('transpose', [4], {'perm': [0, 2, 1, 3]}), ('reshape', [5], {'shape': [2, 6, 6]})], batch=(0,)))
# Attention scores and their use: softmax(q k^T / 2) v over 2 heads of 3 positions.
cases.append(case('attention: heads, q k^T, softmax, v, heads merged', [[2, 3, 4], [2, 3, 4], [2, 3, 4]], [
    ('reshape', [0], {'shape': [2, 3, 2, 2]}), ('transpose', [3], {'perm': [0, 2, 1, 3]}),
    ('reshape', [1], {'shape': [2, 3, 2, 2]}), ('transpose', [5], {'perm': [0, 2, 3, 1]}),
    ('matmul', [4, 6], {}), ('softmax', [7], {'axis': -1}),
    ('reshape', [2], {'shape': [2, 3, 2, 2]}), ('transpose', [9], {'perm': [0, 2, 1, 3]}),
    ('matmul', [8, 10], {}), ('transpose', [11], {'perm': [0, 2, 1, 3]}), ('reshape', [12], {'shape': [2, 3, 4]})], batch=(0, 1, 2)))
cases.append(case('pad, sum over axes 1 and 2, concat, logSoftmax over axis 1', [[2, 3, 3, 2], [2, 4, 2]], [
    ('pad', [0], {'paddings': [[0, 0], [1, 0], [0, 2], [0, 0]], 'value': 0}), ('mean', [2], {'axis': [2], 'keepDims': False}),
    ('concat', [3, 1], {'axis': 2}), ('logSoftmax', [4], {'axis': 1})], batch=(0, 1)))

with open('test/fixtures/nd-ops.json', 'w') as f:  # one case a line: diffs stay readable
    f.write('{\n  "generator": "tools/golden/nd_ops.py",\n  "torch": ' + json.dumps(torch.__version__.split('+')[0]) + ',\n  "cases": [\n')
    f.write(',\n'.join('    ' + json.dumps(c, separators=(',', ':')) for c in cases))
    f.write('\n  ]\n}\n')
print(len(cases), 'cases')
