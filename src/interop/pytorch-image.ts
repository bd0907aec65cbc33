// The PyTorch modules of the image layers. The nn.Sequential takes images as PyTorch does, NCHW
// [n, c, h, w], and its image modules work on NCHW: conv2d and depthwiseConv2d -> nn.Conv2d (the
// kernel OIHW [cout, cin/groups, kh, kw]; symmetric pads as padding=, others, as TensorFlow's
// 'same' with an even total, as nn.ZeroPad2d((left, right, top, bottom)) before it), maxPooling2d
// -> nn.MaxPool2d (uneven pads, or more than half the window, as nn.ConstantPad2d(..., -inf)
// before it), averagePooling2d -> nn.AvgPool2d(count_include_pad=False) (uneven pads: the helper
// AvgPool2dSame), globalAveragePooling2d -> nn.AdaptiveAvgPool2d(1) and nn.Flatten(),
// zeroPadding2d -> nn.ZeroPad2d((left, right, top, bottom)). PyTorch
// flattens NCHW in (c, h, w) order and wasmnn NHWC in (h, w, c): flatten is the helper
// ChannelsLast() (a permute to NHWC) then nn.Flatten(), so a Linear after it has our weights;
// reshape is ChannelsLast() if it reads images, the helper Reshape(...), and ChannelsFirst() if it
// writes images. conv1d -> nn.Conv1d on sequences [n, c, width] (pytorch.ts moves a sequence
// between that and our [n, width, c] where a module needs the other), and so the 1-D pools:
// maxPooling1d -> nn.MaxPool1d (uneven pads as nn.ConstantPad1d(..., -inf)), averagePooling1d ->
// nn.AvgPool1d(count_include_pad=False) (uneven pads: the helper AvgPool1dSame),
// globalMaxPooling1d / globalAveragePooling1d -> nn.AdaptiveMaxPool1d(1) / nn.AdaptiveAvgPool1d(1)
// then nn.Flatten(). The helpers' Python is
// HELPERS below; toPytorchModule writes the ones it uses.
import type { Layer } from '../layers/layer.js';
import type { Conv2D } from '../layers/conv.js';
import type { Pooling2D, Reshape } from '../layers/spatial.js';
import type { Pooling1D } from '../layers/pooling1d.js';
import type { ZeroPadding2D } from '../layers/padding.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { explicitPads } from '../reference/conv.js';
import type { StateEntry, TorchModule } from './torch-state.js';

export const HELPERS: Record<string, string> = {
  ChannelsLast: `class ChannelsLast(nn.Module):
    """NCHW -> NHWC (NCW -> NWC): wasmnn's element order for what follows (flatten, reshape, Linear)."""
    def forward(self, x):
        return x.permute(0, *range(2, x.dim()), 1)`,
  ChannelsFirst: `class ChannelsFirst(nn.Module):
    """NHWC -> NCHW (NWC -> NCW), for the image and sequence modules after a reshape or a Linear."""
    def forward(self, x):
        return x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))`,
  Reshape: `class Reshape(nn.Module):
    """Each sample to \`shape\` (the batch stays first)."""
    def __init__(self, *shape):
        super().__init__()
        self.shape = shape

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)`,
  AvgPool2dSame: `class AvgPool2dSame(nn.Module):
    """The mean over the input elements of each window, padded (left, right, top, bottom) unevenly (TensorFlow's 'same')."""
    def __init__(self, kernel_size, stride, pads):
        super().__init__()
        self.kernel_size, self.stride, self.pads = kernel_size, stride, pads

    def forward(self, x):
        f = nn.functional
        total = f.avg_pool2d(f.pad(x, self.pads), self.kernel_size, self.stride)
        count = f.avg_pool2d(f.pad(torch.ones_like(x[:1, :1]), self.pads), self.kernel_size, self.stride)
        return total / count`,
  AvgPool1dSame: `class AvgPool1dSame(nn.Module):
    """The mean over the input elements of each window of steps, padded (left, right) unevenly (TensorFlow's 'same')."""
    def __init__(self, kernel_size, stride, pads):
        super().__init__()
        self.kernel_size, self.stride, self.pads = kernel_size, stride, pads

    def forward(self, x):
        f = nn.functional
        total = f.avg_pool1d(f.pad(x, self.pads), self.kernel_size, self.stride)
        count = f.avg_pool1d(f.pad(torch.ones_like(x[:1, :1]), self.pads), self.kernel_size, self.stride)
        return total / count`,
};

const tuple = (p: readonly number[]) => `(${p.join(', ')})`;
const pyPads = (l: number, r: number, t: number, b: number) => `(${l}, ${r}, ${t}, ${b})`;

type ActWriter = (a: Activation, layer: number, dim: number) => TorchModule[];

// conv1d: nn.Conv1d on [n, c, width], its kernel [cout, cin/groups, kw]; uneven pads as nn.ConstantPad1d.
function conv1d(l: Conv2D, ps: Parameter[], layer: number, act: ActWriter): TorchModule[] {
  const g = l.geometry!;
  const [W, b] = ps;
  const args = [`${g.cin}`, `${g.cout}`, `kernel_size=${g.kw}`];
  if (g.sw !== 1) args.push(`stride=${g.sw}`);
  if (g.pl === g.pr && g.pl > 0) args.push(`padding=${g.pl}`);
  if (g.dw !== 1) args.push(`dilation=${g.dw}`);
  if (g.groups !== 1) args.push(`groups=${g.groups}`);
  if (!b) args.push('bias=False');
  const state: StateEntry[] = [{ name: 'weight', dtype: 'F32', shape: [g.cout, g.cin / g.groups, g.kw], source: { param: W, transpose: 'oihw' } }];
  if (b) state.push({ name: 'bias', dtype: 'F32', shape: [g.cout], source: { param: b, transpose: false } });
  const pad: TorchModule[] = g.pl === g.pr ? [] : [{ text: `nn.ConstantPad1d((${g.pl}, ${g.pr}), 0.0)`, state: [], layer }];
  return [...pad, { text: `nn.Conv1d(${args.join(', ')})`, state, layer }, ...act(l.activation, layer, 1)];
}

function conv(l: Conv2D, ps: Parameter[], layer: number, act: ActWriter): TorchModule[] {
  const g = l.geometry!;
  const [W, b] = ps;
  const even = g.pt === g.pb && g.pl === g.pr;
  const args = [`${g.cin}`, `${g.cout}`, `kernel_size=${tuple([g.kh, g.kw])}`];
  if (g.sh !== 1 || g.sw !== 1) args.push(`stride=${tuple([g.sh, g.sw])}`);
  if (even && g.pt + g.pl > 0) args.push(`padding=${tuple([g.pt, g.pl])}`);
  if (g.dh !== 1 || g.dw !== 1) args.push(`dilation=${tuple([g.dh, g.dw])}`);
  if (g.groups !== 1) args.push(`groups=${g.groups}`);
  if (!b) args.push('bias=False');
  const state: StateEntry[] = [{ name: 'weight', dtype: 'F32', shape: [g.cout, g.cin / g.groups, g.kh, g.kw], source: { param: W, transpose: 'oihw' } }];
  if (b) state.push({ name: 'bias', dtype: 'F32', shape: [g.cout], source: { param: b, transpose: false } });
  const pad: TorchModule[] = even ? [] : [{ text: `nn.ZeroPad2d(${pyPads(g.pl, g.pr, g.pt, g.pb)})`, state: [], layer }];
  return [...pad, { text: `nn.Conv2d(${args.join(', ')})`, state, layer }, ...act(l.activation, layer, 1)];
}

function pool(l: Pooling2D, layer: number): TorchModule[] {
  const [[pt, pb], [pl, pr]] = explicitPads(l.options.padding ?? 'valid', [l.inputShape[0], l.inputShape[1]], l.poolSize, l.strides);
  const [kh, kw] = l.poolSize;
  // PyTorch pads evenly, at most half the window.
  const even = pt === pb && pl === pr && 2 * pt <= kh && 2 * pl <= kw;
  const window = `kernel_size=${tuple(l.poolSize)}, stride=${tuple(l.strides)}`;
  const padding = even && pt + pl > 0 ? `, padding=${tuple([pt, pl])}` : '';
  const m = (text: string, helpers?: string[]): TorchModule => ({ text, state: [], layer, helpers });
  if (l.kind === 'maxPooling2d') {
    const pad = even ? [] : [m(`nn.ConstantPad2d(${pyPads(pl, pr, pt, pb)}, float('-inf'))`)];
    return [...pad, m(`nn.MaxPool2d(${window}${padding})`)];
  }
  if (!even) return [m(`AvgPool2dSame(${tuple(l.poolSize)}, ${tuple(l.strides)}, ${pyPads(pl, pr, pt, pb)})`, ['AvgPool2dSame'])];
  return [m(`nn.AvgPool2d(${window}${padding}, count_include_pad=False)`)];
}

function pool1d(l: Pooling1D, layer: number): TorchModule[] {
  const [pl, pr] = explicitPads(l.padding, [1, l.inputShape[0]], [1, l.poolSize], [1, l.strides])[1];
  const even = pl === pr && 2 * pl <= l.poolSize; // PyTorch pads evenly, at most half the window
  const window = `kernel_size=${l.poolSize}, stride=${l.strides}${even && pl > 0 ? `, padding=${pl}` : ''}`;
  const m = (text: string, helpers?: string[]): TorchModule => ({ text, state: [], layer, helpers });
  if (l.kind === 'maxPooling1d') return [...(even ? [] : [m(`nn.ConstantPad1d((${pl}, ${pr}), float('-inf'))`)]), m(`nn.MaxPool1d(${window})`)];
  if (!even) return [m(`AvgPool1dSame(${l.poolSize}, ${l.strides}, (${pl}, ${pr}))`, ['AvgPool1dSame'])];
  return [m(`nn.AvgPool1d(${window}, count_include_pad=False)`)];
}

/** The modules of an image layer, or undefined when l is none. */
export function torchImageModules(l: Layer, ps: Parameter[], layer: number, act: ActWriter): TorchModule[] | undefined {
  const images = l.inputShape.length === 3;
  const m = (text: string, helpers?: string[]): TorchModule => ({ text, state: [], layer, helpers });
  switch (l.kind) {
    case 'conv2d':
    case 'depthwiseConv2d': return conv(l as Conv2D, ps, layer, act);
    case 'conv1d': return conv1d(l as Conv2D, ps, layer, act);
    case 'maxPooling2d':
    case 'averagePooling2d': return pool(l as Pooling2D, layer);
    case 'globalAveragePooling2d': return [m('nn.AdaptiveAvgPool2d(1)'), m('nn.Flatten()')];
    case 'maxPooling1d':
    case 'averagePooling1d': return pool1d(l as Pooling1D, layer);
    case 'globalMaxPooling1d': return [m('nn.AdaptiveMaxPool1d(1)'), m('nn.Flatten()')];
    case 'globalAveragePooling1d': return [m('nn.AdaptiveAvgPool1d(1)'), m('nn.Flatten()')];
    case 'zeroPadding2d': {
      const [[t, b], [left, r]] = (l as ZeroPadding2D).padding;
      return [m(`nn.ZeroPad2d(${pyPads(left, r, t, b)})`)];
    }
    case 'flatten': return [...(images ? [m('ChannelsLast()', ['ChannelsLast'])] : []), m('nn.Flatten()')];
    case 'reshape': return [
      ...(images ? [m('ChannelsLast()', ['ChannelsLast'])] : []),
      m(`Reshape(${(l as Reshape).outputShape.join(', ')})`, ['Reshape']),
      ...(l.outputShape.length === 3 ? [m('ChannelsFirst()', ['ChannelsFirst'])] : []),
    ];
    default: return undefined;
  }
}
