// ONNX export (IR version 8, default-domain opset 17), encoded with ONNX's own schema (onnx-proto:
// protobufjs code generated from onnx.proto of ONNX 1.10.2), kept out of the core entry because the
// schema code is large (wasmnn/onnx, or model.toOnnx() loading it on first use). The model's call graph is walked in order
// (graph/symbolic.ts collect, as the saved topology does) and each equation becomes nodes through
// a small function. Layer calls: dense -> Gemm (W [in, out] as an initialiser, transB 0; on more
// axes MatMul and Add), batchNorm -> BatchNormalization in inference form, dropout -> nothing,
// activations -> onnx-export-activation.ts; image layers: onnx-export-image.ts; sequence layers
// (embedding, positionalEmbedding, layerNormalization, multiHeadAttention, transformerBlock):
// onnx-export-sequence.ts. Graph ops: onnx-export-ops.ts. Constants and an op's parameter operands
// are initialisers. The batch dimension is the symbol 'batch'; int32 inputs (token ids) are int32
// or int64 (indexDtype). The graph's input and output keep wasmnn's channels-last layout (an image
// input is [batch, h, w, c]), and Transposes to and from NCHW surround the runs of ONNX image ops
// (onnx-build.ts).
import type { onnx as P } from 'onnx-proto';
import type { ModelView } from '../model/view.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { collect, BATCH, type SymbolicTensor } from '../graph/symbolic.js';
import { isPrimitive } from '../graph/op.js';
import { layerParams } from './pytorch.js';
import { checkOptions, optionKeys } from '../validate/options.js';

import { onnx, bad, floatTensor, FLOAT, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema.js';
import { builder, node, floatAttr, intAttr, TensorNames, type GraphBuilder } from './onnx-build.js';
import { imageLayerNodes } from './onnx-export-image.js';
import { sequenceLayerNodes } from './onnx-export-sequence.js';
import { activation } from './onnx-export-activation.js';
import { opNodes } from './onnx-export-ops.js';

// A dense layer on [batch, in] is a Gemm; on more axes (it works on the last) a MatMul and an Add.
function dense(b: GraphBuilder, l: Dense, ps: Parameter[], x: string, rank: number): string {
  const [W, bias] = ps;
  const w = b.init(floatTensor(`${l.name}/kernel`, W.shape, W.value));
  const c = bias && b.init(floatTensor(`${l.name}/bias`, bias.shape, bias.value));
  if (rank > 2) {
    const z = node(b, l.name, 'MatMul', [x, w]);
    return activation(b, l.activation, c ? node(b, l.name, 'Add', [z, c]) : z, l.name);
  }
  return activation(b, l.activation, node(b, l.name, 'Gemm', c ? [x, w, c] : [x, w], [floatAttr('alpha', 1), floatAttr('beta', 1), intAttr('transA', 0), intAttr('transB', 0)]), l.name);
}

// ONNX normalises axis 1: the features of [batch, features], the channels of NCHW images.
function batchNorm(b: GraphBuilder, l: BatchNorm, ps: Parameter[], x: string): string {
  const n = [l.inputUnits];
  const names = ['gamma', 'beta', 'running_mean', 'running_var'].map((w) => `${l.name}/${w}`);
  [ps[0].value, ps[1].value, l.runningMean.data, l.runningVar.data].forEach((v, i) => b.init(floatTensor(names[i], n, v)));
  // ONNX's momentum weighs the old running value (as Keras'): 1 - PyTorch's. Inference ignores it.
  return node(b, l.name, 'BatchNormalization', [x, ...names], [floatAttr('epsilon', l.eps), floatAttr('momentum', Number((1 - l.momentum).toPrecision(12)))]);
}

/** One layer's nodes: reads xs (x the first), names y. */
function layerNodes(b: GraphBuilder, names: TensorNames, l: Layer, ps: Parameter[], xs: readonly SymbolicTensor[], y: SymbolicTensor, index: number, intoMaxPool: boolean): void {
  const x = xs[0];
  const refuse = (why: string) => bad(`layer ${index} (${l.name}) of kind '${l.kind}' ${why}`);
  const keep = names.layoutOf(x); // elementwise layers write in the layout they read
  switch (l.kind) {
    case 'dense': return names.set(y, 'nhwc', dense(b, l as Dense, ps, names.get(x), x.rank));
    case 'batchNorm': { // on axis 1: the features of rank 2, the channels of [batch, c, width] or NCHW
      if (x.rank > 4) refuse(`on a rank-${x.rank} input ${x} has no ONNX export (ONNX normalises axis 1: rank 2, or channels first up to rank 4)`);
      const layout = x.rank === 2 ? 'nhwc' : 'nchw';
      return names.set(y, layout, batchNorm(b, l as BatchNorm, ps, names.get(x, layout)));
    }
    case 'dropout':
    case 'spatialDropout2d': return names.set(y, keep, names.get(x, keep)); // the identity at inference
    case 'activation': return names.set(y, keep, activation(b, (l as Layer & { activation: Activation }).activation, names.get(x, keep), l.name, keep));
    default:
      if (!imageLayerNodes(b, names, l, ps, x, y, activation, intoMaxPool) && !sequenceLayerNodes(b, names, l, ps, xs, y)) refuse('has no ONNX export');
  }
}

const INDEX_TYPES = { int32: onnx.TensorProto.DataType.INT32, int64: onnx.TensorProto.DataType.INT64 };
const valueInfo = (name: string, t: SymbolicTensor, indexDtype: 'int32' | 'int64' = 'int32'): P.IValueInfoProto => ({
  name,
  type: { tensorType: { elemType: t.dtype === 'int32' ? INDEX_TYPES[indexDtype] : FLOAT, shape: { dim: t.shape.map((d) => (d === BATCH ? { dimParam: 'batch' } : { dimValue: d })) } } },
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
  /** The ONNX type of index inputs (an embedding's token ids): 'int32' (default, wasmnn's) or 'int64' (PyTorch's exports'). */
  indexDtype?: 'int32' | 'int64';
}

const EXPORT_KEYS = optionKeys<OnnxExportOptions>({ inputName: true, outputName: true, inputNames: true, outputNames: true, indexDtype: true });

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
 * each input and output of wasmnn's shape (`[batch, cols]`, or `[batch, h, w, c]` channels-last
 * for images: the graph transposes to ONNX's NCHW inside).
 */
export function toOnnx(model: ModelView, options: OnnxExportOptions = {}): Uint8Array {
  checkOptions('toOnnx', options, EXPORT_KEYS);
  const inNames = ioNames(model.inputs, options.inputName, options.inputNames, 'input');
  const outNames = ioNames(model.outputs, options.outputName, options.outputNames, 'output');
  const b = builder([...inNames, ...outNames]);
  const ps = layerParams(model);
  const names = new TensorNames(b, (t) => {
    if (t.kind === 'const') return b.init(floatTensor(b.name('const', 'value'), t.shape, t.constant!));
    const p = t.kind === 'param' ? t.slot?.param : undefined; // an op's parameter operand
    if (p) return b.init(floatTensor(p.name, t.shape, p.value));
    return bad(`a tensor of shape ${t} comes from outside the model`);
  });
  const indexDtype = options.indexDtype ?? 'int32';
  if (indexDtype !== 'int32' && indexDtype !== 'int64') bad(`indexDtype must be 'int32' or 'int64', got ${JSON.stringify(indexDtype)}`);
  model.inputs.forEach((t, i) => names.set(t, 'nhwc', inNames[i]));
  const eqns = collect(model.outputs);
  const maxPooled = new Set(eqns.filter((e) => !isPrimitive(e.op) && (e.op as Layer).kind === 'maxPooling2d').map((e) => e.inputs[0]));
  for (const e of eqns) {
    if (isPrimitive(e.op)) {
      // Elementwise ops keep the layout they read; the others work on wasmnn's.
      const keep = e.op.name === 'activation' || e.op.name === 'dropout' ? names.layoutOf(e.inputs[0]) : 'nhwc';
      names.set(e.outputs[0], keep, opNodes(b, e, e.inputs.map((t) => names.get(t, keep)), keep));
    } else {
      const i = model.layers.indexOf(e.op as Layer);
      layerNodes(b, names, e.op as Layer, ps[i], e.inputs, e.outputs[0], i, maxPooled.has(e.outputs[0]));
    }
  }
  // Each output is written by the node that computes it (renamed), or by an Identity node when
  // it is an input, a constant, an alias of another tensor (dropout, linear) or already an output.
  const claimed = new Set<string>(inNames);
  model.outputs.forEach((t, i) => {
    const x = names.get(t);
    const producer = b.nodes.find((n) => n.output![0] === x);
    if (producer && !claimed.has(x)) {
      producer.output = [outNames[i]];
      for (const n of b.nodes) n.input = n.input!.map((v) => (v === x ? outNames[i] : v));
      names.rename(x, outNames[i]);
    } else {
      b.nodes.push({ opType: 'Identity', name: b.name('output', 'Identity'), input: [x], output: [outNames[i]] });
    }
    claimed.add(outNames[i]);
  });
  // An input the nodes do not read (layer norm's epsilon, an attribute in ONNX) is left out.
  const read = new Set(b.nodes.flatMap((n) => n.input ?? []));
  const graph: P.IGraphProto = {
    name: model.name,
    node: b.nodes,
    initializer: b.initializers.filter((t) => read.has(t.name!)),
    input: model.inputs.map((t, i) => valueInfo(inNames[i], t, indexDtype)),
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
