// ONNX export (IR version 8, default-domain opset 17), encoded with ONNX's own schema (onnx-proto:
// protobufjs code generated from onnx.proto of ONNX 1.10.2), kept out of the core entry because the
// schema code is large (wasmnn/onnx, or model.toOnnx() loading it on first use). The model's call graph is walked in order
// (graph/symbolic.ts collect, as the saved topology does) and each equation becomes nodes through
// a small function. Layer calls: dense -> Gemm (W [in, out] as an initialiser, transB 0),
// batchNorm -> BatchNormalization in inference form, dropout -> nothing, activations -> their ONNX
// op; gelu, geluTanh and silu have no op before opset 20 and are written as PyTorch's exporter
// writes them (Erf, Tanh, Sigmoid with Mul/Add/Div). Graph ops: add/sub/mul/div/maximum/minimum ->
// Add/Sub/Mul/Div/Max/Min (wasmnn's row, column and scalar broadcasting is numpy's on rank 2),
// matmul -> MatMul, concat -> Concat(axis 1), slice -> Slice(starts, ends, axes = [1]), sum/mean ->
// ReduceSum (axes as an input since opset 13)/ReduceMean (axes as an attribute until opset 18),
// keepdims 1; neg, sqrt, exp, log, abs, pow -> their op (square as Mul(x, x)), clip -> Clip(min, max),
// softmax/log-softmax -> Softmax/LogSoftmax over the last axis. Constants are initialisers. The batch
// dimension is the symbol 'batch'.
import type { onnx as P } from 'onnx-proto';
import type { ModelView } from '../model/view.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { collect, BATCH, type Eqn, type SymbolicTensor } from '../graph/symbolic.js';
import { isPrimitive } from '../graph/op.js';
import { layerParams } from './pytorch.js';
import { checkOptions, optionKeys } from '../validate/options.js';

import { onnx, bad, floatTensor, int64Tensor, FLOAT, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema.js';

/** What one layer adds to the graph, reading tensor `x` and writing its result to `y`. */
interface GraphBuilder {
  nodes: P.INodeProto[];
  initializers: P.ITensorProto[];
  /** A fresh tensor name under a layer's prefix. */
  name(prefix: string, what: string): string;
  constant(prefix: string, what: string, value: number): string;
  /** Adds an initialiser once (a layer applied twice writes its weights once); returns its name. */
  init(t: P.ITensorProto): string;
}

/** `reserved`: the graph's input and output names, which no generated name may take. */
function builder(reserved: readonly string[]): GraphBuilder {
  const used = new Set<string>(reserved);
  const inits = new Set<string>();
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
      return b.init(floatTensor(b.name(prefix, what), [], [value]));
    },
    init(t) {
      if (reserved.includes(t.name!)) bad(`the graph input or output name '${t.name}' is also the name of a weight`);
      if (!inits.has(t.name!)) b.initializers.push(t);
      inits.add(t.name!);
      return t.name!;
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
const intsAttr = (name: string, ints: number[]): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });

/** An activation's nodes from x; returns the output tensor (x itself for the identity). */
function activation(b: GraphBuilder, a: Activation, x: string, p: string): string {
  if ((a.name as string) === 'logSoftmax') return node(b, p, 'LogSoftmax', [x], [intAttr('axis', -1)]);
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
  const input = [x, b.init(floatTensor(`${l.name}/kernel`, W.shape, W.value))];
  if (bias) input.push(b.init(floatTensor(`${l.name}/bias`, bias.shape, bias.value)));
  return activation(b, l.activation, node(b, l.name, 'Gemm', input, [floatAttr('alpha', 1), floatAttr('beta', 1), intAttr('transA', 0), intAttr('transB', 0)]), l.name);
}

function batchNorm(b: GraphBuilder, l: BatchNorm, ps: Parameter[], x: string): string {
  const n = [l.inputUnits];
  const names = ['gamma', 'beta', 'running_mean', 'running_var'].map((w) => `${l.name}/${w}`);
  [ps[0].value, ps[1].value, l.runningMean.data, l.runningVar.data].forEach((v, i) => b.init(floatTensor(names[i], n, v)));
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

const BINARY_OPS: Record<string, string> = { add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', maximum: 'Max', minimum: 'Min' };
const UNARY_OPS: Record<string, string> = { neg: 'Neg', sqrt: 'Sqrt', exp: 'Exp', log: 'Log', abs: 'Abs' };

/** One primitive op's nodes: reads xs, returns the name of its output. */
function opNodes(b: GraphBuilder, e: Eqn, xs: string[]): string {
  const op = e.op.name;
  const a = e.attrs;
  if (op in BINARY_OPS) return node(b, op, BINARY_OPS[op], xs);
  if (op in UNARY_OPS) return node(b, op, UNARY_OPS[op], xs);
  switch (op) {
    case 'square': return node(b, op, 'Mul', [xs[0], xs[0]]);
    case 'pow': return node(b, op, 'Pow', [xs[0], b.constant(op, 'exponent', a.p as number)]);
    case 'clip': {
      // An infinite bound is left out (an empty optional input).
      const lo = a.lo as number, hi = a.hi as number;
      const bounds = [lo === -Infinity ? '' : b.constant(op, 'min', lo), hi === Infinity ? '' : b.constant(op, 'max', hi)];
      while (bounds.length && bounds[bounds.length - 1] === '') bounds.pop();
      return node(b, op, 'Clip', [xs[0], ...bounds]);
    }
    case 'matmul': return node(b, op, 'MatMul', xs);
    case 'concat': return node(b, op, 'Concat', xs, [intAttr('axis', 1)]);
    case 'slice': {
      const begin = a.begin as number, end = begin + e.outputs[0].cols;
      const ints = (what: string, v: number) => b.init(int64Tensor(b.name(op, what), [v]));
      return node(b, op, 'Slice', [xs[0], ints('starts', begin), ints('ends', end), ints('axes', 1)]);
    }
    case 'reduce': {
      const axis = a.axis as 0 | 1 | undefined;
      const keep = intAttr('keepdims', 1);
      if (a.mean) return node(b, 'mean', 'ReduceMean', xs, axis === undefined ? [keep] : [intsAttr('axes', [axis]), keep]);
      return node(b, 'sum', 'ReduceSum', axis === undefined ? xs : [xs[0], b.init(int64Tensor(b.name('sum', 'axes'), [axis]))], [keep]);
    }
    case 'activation': return activation(b, a.act as Activation, xs[0], op);
    case 'dropout': return xs[0]; // the identity at inference
    default: return bad(`the graph applies the op '${op}', which has no ONNX export`);
  }
}

const valueInfo = (name: string, t: SymbolicTensor): P.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: FLOAT, shape: { dim: [t.rows === BATCH ? { dimParam: 'batch' } : { dimValue: t.rows }, { dimValue: t.cols }] } } },
});

export interface OnnxExportOptions {
  /** The graph input's name (one input); default the input's own name, or 'input'. */
  inputName?: string;
  /** The graph output's name (one output); default 'output'. */
  outputName?: string;
  /** Names of several inputs; default each input's own name, or `input_${i}`. */
  inputNames?: string[];
  /** Names of several outputs; default `output_${i}`. */
  outputNames?: string[];
}

const EXPORT_KEYS = optionKeys<OnnxExportOptions>({ inputName: true, outputName: true, inputNames: true, outputNames: true });

function ioNames(ts: readonly SymbolicTensor[], one: string | undefined, many: string[] | undefined, what: 'input' | 'output'): string[] {
  if (one !== undefined && ts.length !== 1) bad(`the model has ${ts.length} ${what}s: give ${what}Names, not ${what}Name`);
  const own = (t: SymbolicTensor, i: number) => (what === 'input' ? t.name : undefined) ?? (ts.length === 1 ? what : `${what}_${i}`);
  const names = many ?? (one !== undefined ? [one] : ts.map(own));
  if (!Array.isArray(names) || names.length !== ts.length || new Set(names).size !== names.length || names.some((n) => typeof n !== 'string' || n === '')) {
    bad(`the model has ${ts.length} ${what}s; ${what} names must be ${ts.length} distinct non-empty strings, got ${JSON.stringify(names)}`);
  }
  return names;
}

/**
 * The model as ONNX bytes (IR version 8, opset 17), inference only: any graph of layers and ops,
 * each input `[batch, cols]`, each output `[batch, cols]` (or its fixed rows, for a reduction).
 */
export function toOnnx(model: ModelView, options: OnnxExportOptions = {}): Uint8Array {
  checkOptions('toOnnx', options, EXPORT_KEYS);
  const inNames = ioNames(model.inputs, options.inputName, options.inputNames, 'input');
  const outNames = ioNames(model.outputs, options.outputName, options.outputNames, 'output');
  const b = builder([...inNames, ...outNames]);
  const ps = layerParams(model);
  const names = new Map<SymbolicTensor, string>();
  model.inputs.forEach((t, i) => {
    if (t.dtype !== 'float32') bad(`input ${i} is ${t.dtype}; only float32 inputs are exported`);
    names.set(t, inNames[i]);
  });
  const nameOf = (t: SymbolicTensor): string => {
    let n = names.get(t);
    if (n === undefined && t.kind === 'const') {
      n = b.init(floatTensor(b.name('const', 'value'), t.shape, t.constant!));
      names.set(t, n);
    }
    return n ?? bad(`a tensor of shape ${t} comes from outside the model`);
  };
  for (const e of collect(model.outputs)) {
    const xs = e.inputs.map(nameOf);
    if (isPrimitive(e.op)) names.set(e.outputs[0], opNodes(b, e, xs));
    else {
      const i = model.layers.indexOf(e.op as Layer);
      names.set(e.outputs[0], layerNodes(b, e.op as Layer, ps[i], xs[0], i));
    }
  }
  // Each output is written by the node that computes it (renamed), or by an Identity node when
  // it is an input, a constant, an alias of another tensor (dropout, linear) or already an output.
  const claimed = new Set<string>(inNames);
  model.outputs.forEach((t, i) => {
    const x = nameOf(t);
    const producer = b.nodes.find((n) => n.output![0] === x);
    if (producer && !claimed.has(x)) {
      producer.output = [outNames[i]];
      for (const n of b.nodes) n.input = n.input!.map((v) => (v === x ? outNames[i] : v));
      for (const [k, v] of names) if (v === x) names.set(k, outNames[i]);
    } else {
      b.nodes.push({ opType: 'Identity', name: b.name('output', 'Identity'), input: [x], output: [outNames[i]] });
    }
    claimed.add(outNames[i]);
  });
  const graph: P.IGraphProto = {
    name: model.name,
    node: b.nodes,
    initializer: b.initializers,
    input: model.inputs.map((t, i) => valueInfo(inNames[i], t)),
    output: model.outputs.map((t, i) => valueInfo(outNames[i], t)),
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
