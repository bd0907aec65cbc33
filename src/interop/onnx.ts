// ONNX export (IR version 8, default-domain opset 17), encoded with ONNX's own schema (onnx-proto:
// protobufjs code generated from onnx.proto of ONNX 1.10.2). Entry point of `wasmnn/onnx`, kept out
// of the core entry because the schema code is large. Each layer becomes nodes through a small
// function: dense -> Gemm (W [in, out] as an initialiser, transB 0), batchNorm -> BatchNormalization
// in inference form, dropout -> nothing, activations -> their ONNX op; gelu, geluTanh and silu
// have no op before opset 20 and are written as PyTorch's exporter writes them (Erf, Tanh,
// Sigmoid with Mul/Add/Div), constants as initialisers. The batch dimension is the symbol 'batch'.
import type { onnx as P } from 'onnx-proto';
import type { Sequential } from '../model/sequential.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { layerParams } from './pytorch.js';

import { onnx, bad, floatTensor, FLOAT, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema.js';

/** What one layer adds to the graph, reading tensor `x` and writing its result to `y`. */
interface GraphBuilder {
  nodes: P.INodeProto[];
  initializers: P.ITensorProto[];
  /** A fresh tensor name under a layer's prefix. */
  name(prefix: string, what: string): string;
  constant(prefix: string, what: string, value: number): string;
}

function builder(): GraphBuilder {
  const used = new Set<string>();
  const b: GraphBuilder = {
    nodes: [],
    initializers: [],
    name(prefix, what) {
      let n = `${prefix}/${what}`;
      for (let i = 1; used.has(n); i++) n = `${prefix}/${what}_${i}`;
      used.add(n);
      return n;
    },
    constant(prefix, what, value) {
      const n = b.name(prefix, what);
      b.initializers.push(floatTensor(n, [], [value]));
      return n;
    },
  };
  return b;
}

const node = (b: GraphBuilder, prefix: string, opType: string, input: string[], attribute: P.IAttributeProto[] = []): string => {
  const out = b.name(prefix, `${opType}_output`);
  b.nodes.push({ opType, name: b.name(prefix, opType), input, output: [out], attribute });
  return out;
};
const floatAttr = (name: string, f: number): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
const intAttr = (name: string, i: number): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });

/** An activation's nodes from x; returns the output tensor (x itself for the identity). */
function activation(b: GraphBuilder, a: Activation, x: string, p: string): string {
  switch (a.name) {
    case 'linear':
    case 'identity': return x;
    case 'relu': return node(b, p, 'Relu', [x]);
    case 'sigmoid': return node(b, p, 'Sigmoid', [x]);
    case 'tanh': return node(b, p, 'Tanh', [x]);
    case 'softplus': return node(b, p, 'Softplus', [x]);
    case 'leakyRelu': return node(b, p, 'LeakyRelu', [x], [floatAttr('alpha', a.alpha)]);
    case 'elu': return node(b, p, 'Elu', [x], [floatAttr('alpha', a.alpha)]);
    case 'softmax': return node(b, p, 'Softmax', [x], [intAttr('axis', -1)]);
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

function dense(b: GraphBuilder, l: Dense, ps: Parameter[], x: string): string {
  const [W, bias] = ps;
  b.initializers.push(floatTensor(`${l.name}/kernel`, W.shape, W.value));
  const input = [x, `${l.name}/kernel`];
  if (bias) {
    b.initializers.push(floatTensor(`${l.name}/bias`, bias.shape, bias.value));
    input.push(`${l.name}/bias`);
  }
  return activation(b, l.activation, node(b, l.name, 'Gemm', input, [floatAttr('alpha', 1), floatAttr('beta', 1), intAttr('transA', 0), intAttr('transB', 0)]), l.name);
}

function batchNorm(b: GraphBuilder, l: BatchNorm, ps: Parameter[], x: string): string {
  const n = [l.inputUnits];
  const names = ['gamma', 'beta', 'running_mean', 'running_var'].map((w) => `${l.name}/${w}`);
  [ps[0].value, ps[1].value, l.runningMean.data, l.runningVar.data].forEach((v, i) => b.initializers.push(floatTensor(names[i], n, v)));
  // ONNX's momentum weighs the old running value (as Keras'): 1 - PyTorch's. Inference ignores it.
  return node(b, l.name, 'BatchNormalization', [x, ...names], [floatAttr('epsilon', l.eps), floatAttr('momentum', Number((1 - l.momentum).toPrecision(12)))]);
}

/** One layer's nodes: reads x, returns the name of its output. */
function layerNodes(b: GraphBuilder, l: Layer, ps: Parameter[], x: string, index: number): string {
  switch (l.kind) {
    case 'dense': return dense(b, l as Dense, ps, x);
    case 'batchNorm': return batchNorm(b, l as BatchNorm, ps, x);
    case 'dropout': return x; // the identity at inference
    case 'activation': return activation(b, (l as Layer & { activation: Activation }).activation, x, l.name);
    default: return bad(`layer ${index} (${l.name}) of kind '${l.kind}' has no ONNX export`);
  }
}

const valueInfo = (name: string, units: number): P.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: units }] } } },
});

export interface OnnxExportOptions {
  /** Graph input and output names; default 'input' and 'output'. */
  inputName?: string;
  outputName?: string;
}

/** The model as ONNX bytes (IR version 8, opset 17), inference only: `[batch, in] -> [batch, out]`. */
export function toOnnx(model: Sequential, options: OnnxExportOptions = {}): Uint8Array {
  const inputName = options.inputName ?? 'input';
  const outputName = options.outputName ?? 'output';
  const b = builder();
  const ps = layerParams(model);
  let x = inputName;
  model.layers.forEach((l, i) => (x = layerNodes(b, l, ps[i], x, i)));
  // The last node writes the graph output; a model of identities gets one Identity node.
  if (x === inputName) x = node(b, 'output', 'Identity', [x]);
  const last = b.nodes[b.nodes.length - 1];
  last.output = [outputName];
  const graph: P.IGraphProto = {
    name: model.name,
    node: b.nodes,
    initializer: b.initializers,
    input: [valueInfo(inputName, model.inputUnits)],
    output: [valueInfo(outputName, model.outputUnits)],
  };
  const m: P.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'wasmnn',
    producerVersion: '0.1.0',
    graph,
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(m)).finish();
}

export { fromOnnx, type OnnxImportOptions } from './onnx-import.js';
export { OnnxError, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema.js';
