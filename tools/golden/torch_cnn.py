# Makes test/fixtures/torch_cnn.onnx, torch_cnn_gap.onnx and torch_cnn.json (see test/fixtures/README.md):
# two small NCHW PyTorch CNNs, trained a few SGD steps (so that batch norm's running statistics
# move), exported by torch.onnx.export at opset 17 with a dynamic batch, and their outputs in
# evaluation mode. Run from the repository root: /usr/bin/python3 tools/golden/torch_cnn.py
import json, torch
from torch import nn

torch.manual_seed(0)
# [n, 3, 9, 8] -> conv 3x3 stride 2 pad 1 [8, 5, 4] -> depthwise 3x3 dilation 2 pad 2 [8, 5, 4]
# -> max pool 2 stride 1 pad 1 [8, 6, 5] -> conv 2x3 groups 2 pad (1, 0) [6, 7, 3]
# -> avg pool 2 stride 2 pad 1 count_include_pad False [6, 4, 2] -> flatten 48 -> 10 -> 4.
# Batch norm follows a ReLU, so that the exporter cannot fold it into the convolution before.
cnn = nn.Sequential(
    nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.BatchNorm2d(8),
    nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8),
    nn.MaxPool2d(2, stride=1, padding=1),
    nn.Conv2d(8, 6, (2, 3), padding=(1, 0), groups=2), nn.ReLU(),
    nn.AvgPool2d(2, stride=2, padding=1, count_include_pad=False),
    nn.Flatten(), nn.Linear(48, 10), nn.ReLU(), nn.Linear(10, 4),
)
# [n, 3, 9, 8] -> conv 3x3 [4, 7, 6] -> max pool 2 [4, 3, 3] -> global average 4 -> 3.
gap = nn.Sequential(
    nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 3),
)

def train(model, outs):
    x = torch.randn(32, 3, 9, 8)
    y = torch.randn(32, outs)
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    model.train()
    for _ in range(10):
        opt.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        opt.step()
    model.eval()

out = {'torch': torch.__version__, 'opset': 17, 'layout': 'NCHW'}
for name, model, outs in [('cnn', cnn, 4), ('gap', gap, 3)]:
    train(model, outs)
    x = torch.randn(5, 3, 9, 8)
    with torch.no_grad():
        y = model(x)
    path = 'test/fixtures/torch_cnn.onnx' if name == 'cnn' else 'test/fixtures/torch_cnn_gap.onnx'
    torch.onnx.export(model, x, path, opset_version=17, input_names=['input'], output_names=['output'],
                      dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
    out[name] = {'x': x.tolist(), 'y': y.tolist()}
with open('test/fixtures/torch_cnn.json', 'w') as f:
    json.dump(out, f)
