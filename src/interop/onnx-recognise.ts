// The layers and graph ops an ONNX graph's nodes are, before they are built. Small matchers turn
// nodes into layers or graph ops: Gemm (transB 0 or 1, alpha and beta folded in) or MatMul with a
// constant weight (+ Add of a constant bias) -> dense;
// BatchNormalization (inference) -> batchNorm; Dropout -> dropout; Relu, Sigmoid, Tanh, LeakyRelu,
// Elu, Softplus, Softmax, Gelu -> activations; gelu, geluTanh and silu written as elementwise ops
// (as torch.onnx.export writes them) are recognised by evaluating the run of elementwise nodes on
// sample points against each candidate, so the operand order of an exporter does not matter; the
// graph ops of onnx-import-ops.ts otherwise. An activation that is the only reader of a dense
// layer's output becomes that layer's activation. Image nodes (Conv, pooling, Flatten, Reshape,
// Transpose): onnx-recognise-image.ts; sequence nodes (Gather, Split, LayerNormalization, attention):
// onnx-recognise-sequence.ts. Constants are initialisers or Constant nodes; Identity
// nodes are looked through.
import type { ActivationSpec } from '../layers/activations.js';
import { bad, attrFloat, attrInt } from './onnx-schema.js';
import { graphOp, GRAPH_OPS, type Const } from './onnx-import-ops.js';
import type { Item } from './onnx-items.js';

export type { Pending, Item } from './onnx-items.js';
import { nodeWhere as where, shortF32, type GraphRead } from './onnx-read.js';
import { EVAL, decomposed, singleActivation } from './onnx-activations.js';
import { imageItem, IMAGE_OPS } from './onnx-recognise-image.js';
import { sequenceRecogniser, SEQUENCE_OPS } from './onnx-recognise-sequence.js';


/** The graph's nodes as layers and graph ops, each activation that alone reads a dense layer's output folded into it. */
export function recognise(graph: GraphRead): Item[] {
  const { nodes, constOf, readers, outNames } = graph;
  const sequence = sequenceRecogniser(graph);
  const vec = (name: string | undefined, n: number, what: string, w: string): Float32Array => {
    const c = constOf(name) ?? bad(`${w}: ${what} must be a constant (initialiser)`);
    if (c.values.length === n) return Float32Array.from(c.values);
    if (c.values.length === 1) return new Float32Array(n).fill(c.values[0]);
    return bad(`${w}: ${what} has ${c.values.length} values, expected ${n}`);
  };
  const matrix = (name: string | undefined, w: string): Const => {
    const c = constOf(name) ?? bad(`${w}: the weight must be a constant (initialiser)`);
    if (c.dims.length !== 2) bad(`${w}: the weight has dims [${c.dims}], expected a matrix`);
    return c;
  };

  const items: Item[] = [];
  let i = 0;
  while (i < nodes.length) {
    const n = nodes[i];
    const w = where(n);
    const op = n.opType!;
    const x = n.input![0];
    const out = n.output![0];
    const seq = sequence.item(n, w);
    if (seq) {
      items.push(...seq);
      i++;
      continue;
    }
    const computed = [...new Set(n.input!.filter((t) => t !== '' && !constOf(t)))];
    const d = op in EVAL && computed.length === 1 ? decomposed(i, computed[0], graph) : undefined;
    if (d) {
      items.push({ kind: 'activation', activation: d[0], input: computed[0], output: nodes[d[1] - 1].output![0], where: w });
      i = d[1];
      continue;
    }
    const a = singleActivation(n, w);
    const img = a ? undefined : imageItem(n, constOf, readers, w, graph.batch);
    if (img) {
      items.push(img);
      i++;
    } else if (op === 'Gemm') {
      if (attrInt(n, 'transA', 0) !== 0) bad(`${w}: transA = 1 is not supported`);
      const B = matrix(n.input![1], w);
      const transB = attrInt(n, 'transB', 0) === 1;
      const [inUnits, units] = transB ? [B.dims[1], B.dims[0]] : B.dims;
      const alpha = attrFloat(n, 'alpha', 1), beta = attrFloat(n, 'beta', 1);
      const W = new Float32Array(inUnits * units);
      for (let r = 0; r < inUnits; r++) for (let c = 0; c < units; c++) W[r * units + c] = alpha * (transB ? B.values[c * inUnits + r] : B.values[r * units + c]);
      const b = n.input![2] ? vec(n.input![2], units, 'the bias C', w).map((v) => beta * v) : undefined;
      items.push({ kind: 'dense', units, inUnits, activation: 'linear', W, b, input: x, output: out, where: w });
      i++;
    } else if (op === 'MatMul' && constOf(n.input![1]) && !constOf(x)) {
      const B = matrix(n.input![1], w);
      const [inUnits, units] = B.dims;
      const next = nodes[i + 1];
      let b: Float32Array | undefined;
      let output = out;
      const bias = next?.opType === 'Add' && readers.get(out) === 1 && next.input!.length === 2 && next.input!.includes(out) ? next.input!.find((t) => t !== out) : undefined;
      if (bias !== undefined && constOf(bias)) {
        b = vec(bias, units, 'the bias of Add', where(next));
        output = next.output![0];
        i++;
      }
      items.push({ kind: 'dense', units, inUnits, activation: 'linear', W: Float32Array.from(B.values), b, input: x, output, where: w });
      i++;
    } else if (op === 'BatchNormalization') {
      if (attrInt(n, 'training_mode', 0) !== 0 || (n.output ?? []).filter(Boolean).length > 1) bad(`${w}: the training form (with running-statistics outputs) is not supported; export in inference mode`);
      const width = constOf(n.input![1])?.values.length ?? bad(`${w}: the scale must be a constant (initialiser)`);
      const parts = [1, 2, 3, 4].map((k) => vec(n.input![k], width, ['scale', 'B', 'mean', 'var'][k - 1], w));
      items.push({ kind: 'batchNorm', eps: shortF32(attrFloat(n, 'epsilon', 1e-5)), momentum: Number((1 - shortF32(attrFloat(n, 'momentum', 0.9))).toPrecision(12)), w: parts, input: x, output: out, where: w });
      i++;
    } else if (op === 'Dropout') {
      const ratio = n.input![1] ? (constOf(n.input![1])?.values[0] ?? bad(`${w}: the ratio must be a constant`)) : attrFloat(n, 'ratio', 0.5);
      if ((n.output ?? []).slice(1).some((o) => o && readers.get(o))) bad(`${w}: its mask output is used, which is not supported`);
      items.push({ kind: 'dropout', rate: shortF32(ratio), input: x, output: out, where: w });
      i++;
    } else if (a) {
      items.push({ kind: 'activation', activation: a, input: x, output: out, where: w, axis: op === 'Softmax' ? attrInt(n, 'axis', -1) : undefined });
      i++;
    } else {
      const gop = graphOp(n, constOf, w);
      if (!gop) {
        bad(`${w}: op '${op}' is not supported (supported: Gemm, MatMul, BatchNormalization, Dropout, Relu, Sigmoid, Tanh, LeakyRelu, Elu, Softplus, Softmax, Gelu, ` +
          `gelu/silu written with Erf, Tanh, Sigmoid, Mul, Add, Div, ${IMAGE_OPS.join(', ')}, ${SEQUENCE_OPS.join(', ')}, and ${GRAPH_OPS.join(', ')})`);
      }
      items.push({ ...gop!, kind: 'op', output: out, where: w });
      i++;
    }
  }

  // An activation that alone reads a dense layer's output becomes that layer's activation, and so
  // for a convolution but a softmax (over ONNX's channels or not).
  const uses = new Map<string, number>(outNames.map((o) => [o, 1]));
  for (const it of items) for (const t of new Set(it.kind === 'op' ? it.operands : [it.input])) uses.set(t, (uses.get(t) ?? 0) + 1);
  const producer = new Map<string, Item>();
  const live = items.filter((it) => {
    const p = it.kind === 'activation' ? producer.get(it.input) : undefined;
    const folds = p?.kind === 'dense' || (p?.kind === 'conv' && it.kind === 'activation' && it.axis === undefined);
    if (it.kind === 'activation' && folds && (p as { activation: ActivationSpec }).activation === 'linear' && uses.get(it.input) === 1) {
      (p as { activation: ActivationSpec }).activation = it.activation;
      p!.output = it.output;
      producer.set(it.output, p);
      return false;
    }
    producer.set(it.output, it);
    return true;
  });
  if (live.length === 0) bad('the graph has no layers or ops');
  return live;
}
