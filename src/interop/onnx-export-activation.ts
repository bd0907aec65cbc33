// Activations in ONNX export: the single ops that are one (Relu, Sigmoid, Tanh, Softplus,
// LeakyRelu, Elu, Softmax, LogSoftmax), and gelu, geluTanh and silu, which have no op before
// opset 20, written as PyTorch's exporter writes them (Erf, Tanh, Sigmoid with Mul/Add/Div).
import type { Activation } from '../layers/activations.js';
import { node, intAttr, floatAttr, type GraphBuilder, type Layout } from './onnx-build.js';

/** An activation's nodes from x; returns the output tensor (x itself for the identity). Softmax is over the channels, axis 1 of NCHW. */
export function activation(b: GraphBuilder, a: Activation, x: string, p: string, layout: Layout = 'nhwc'): string {
  const axis = intAttr('axis', layout === 'nchw' ? 1 : -1);
  if ((a.name as string) === 'logSoftmax') return node(b, p, 'LogSoftmax', [x], [axis]);
  switch (a.name) {
    case 'linear':
    case 'identity': return x;
    case 'relu': return node(b, p, 'Relu', [x]);
    case 'sigmoid': return node(b, p, 'Sigmoid', [x]);
    case 'tanh': return node(b, p, 'Tanh', [x]);
    case 'softplus': return node(b, p, 'Softplus', [x]);
    case 'leakyRelu': return node(b, p, 'LeakyRelu', [x], [floatAttr('alpha', a.alpha)]);
    case 'elu': return node(b, p, 'Elu', [x], [floatAttr('alpha', a.alpha)]);
    case 'softmax': return node(b, p, 'Softmax', [x], [axis]);
    case 'silu': return node(b, p, 'Mul', [x, node(b, p, 'Sigmoid', [x])]);
    case 'gelu': { // 0.5 * x * (1 + erf(x / sqrt 2))
      const e = node(b, p, 'Erf', [node(b, p, 'Div', [x, b.constant(p, 'sqrt2', Math.SQRT2)])]);
      return node(b, p, 'Mul', [node(b, p, 'Mul', [x, node(b, p, 'Add', [e, b.constant(p, 'one', 1)])]), b.constant(p, 'half', 0.5)]);
    }
    case 'geluTanh': { // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
      const x3 = node(b, p, 'Mul', [x, node(b, p, 'Mul', [x, x])]);
      const inner = node(b, p, 'Add', [x, node(b, p, 'Mul', [b.constant(p, 'kappa', 0.044715), x3])]);
      const t = node(b, p, 'Tanh', [node(b, p, 'Mul', [b.constant(p, 'beta', Math.sqrt(2 / Math.PI)), inner])]);
      return node(b, p, 'Mul', [b.constant(p, 'half', 0.5), node(b, p, 'Mul', [x, node(b, p, 'Add', [b.constant(p, 'one', 1), t])])]);
    }
  }
}
