# Makes test/fixtures/torch_conv1d.onnx and torch_conv1d.json (see test/fixtures/README.md): a small
# PyTorch 1-D CNN on sequences [n, c, width] (NCW), trained a few SGD steps, exported by
# torch.onnx.export at opset 17 with a dynamic batch, and its outputs in evaluation mode.
# Run from the repository root: /usr/bin/python3 tools/golden/torch_conv1d.py
import json, torch
from torch import nn

torch.manual_seed(0)
# [n, 3, 11] -> conv 3 stride 2 pad 1 [4, 6] -> conv 2 dilation 2 groups 2 pad 1 [6, 6]
# -> conv 1 no bias [2, 6] -> flatten 12 -> 3.
model = nn.Sequential(
    nn.Conv1d(3, 4, 3, stride=2, padding=1), nn.ReLU(),
    nn.Conv1d(4, 6, 2, dilation=2, groups=2, padding=1), nn.Tanh(),
    nn.Conv1d(6, 2, 1, bias=False),
    nn.Flatten(), nn.Linear(12, 3),
)
x = torch.randn(32, 3, 11)
y = torch.randn(32, 3)
opt = torch.optim.SGD(model.parameters(), lr=0.05)
for _ in range(10):
    opt.zero_grad()
    nn.functional.mse_loss(model(x), y).backward()
    opt.step()
model.eval()
x = torch.randn(5, 3, 11)
with torch.no_grad():
    y = model(x)
torch.onnx.export(model, x, 'test/fixtures/torch_conv1d.onnx', opset_version=17, input_names=['input'], output_names=['output'],
                  dynamic_axes={'input': {0: 'batch'}, 'output': {0: 'batch'}})
with open('test/fixtures/torch_conv1d.json', 'w') as f:
    json.dump({'torch': torch.__version__, 'opset': 17, 'layout': 'NCW', 'x': x.tolist(), 'y': y.tolist()}, f)
