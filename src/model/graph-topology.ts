// A functional model's graph in its saved topology: the model's inputs, then one node per
// equation of the call graph in order (a layer call by the layer's index, or a primitive op by
// name and options), and the outputs; an operand is { input: i }, { node: j, output: k } or a
// constant. Loading rebuilds the graph through the same layers and ops, checking each as it goes.
import { isPrimitive } from '../graph/op.js';
import { collect, constant, input, type SymbolicTensor, type Shape } from '../graph/symbolic.js';
import { binary, unary, clip, BINARY_CODE, UNARY_CODE, type BinaryName, type UnaryName } from '../graph/ops/elementwise.js';
import { reduce, type Axis } from '../graph/ops/reduce.js';
import { matmul } from '../graph/ops/matmul.js';
import { concat, slice } from '../graph/ops/shape.js';
import { activation } from '../graph/ops/activation.js';
import { dropout } from '../graph/ops/dropout.js';
import { reshape } from '../graph/ops/reshape.js';
import { transpose } from '../graph/ops/transpose.js';
import { reduceRun } from '../graph/ops/reduce-axes.js';
import { cropBox, pad, sliceBounds } from '../graph/ops/pad.js';
import type { Activation } from '../layers/activations.js';
import type { Layer } from '../layers/layer.js';

export type Operand = { input: number } | { node: number; output: number } | { const: number[]; shape: number[] };
export interface GraphNode {
  layer?: number;
  op?: string;
  attrs?: Record<string, unknown>;
  inputs: Operand[];
}
export interface GraphTopology {
  inputs: { cols: number; dtype: 'float32' | 'int32'; name?: string }[];
  nodes: GraphNode[];
  outputs: Operand[];
}

/** The graph of a model given its inputs, outputs and layers (in getWeights() order). */
export function graphTopology(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[], layers: readonly Layer[]): GraphTopology {
  const ref = new Map<SymbolicTensor, Operand>();
  inputs.forEach((t, i) => ref.set(t, { input: i }));
  const operand = (t: SymbolicTensor): Operand => {
    const r = ref.get(t);
    if (r) return r;
    if (t.kind === 'const') return { const: Array.from(t.constant!), shape: [...t.shape] };
    throw new Error(`wasmnn: cannot save the graph: a tensor of shape ${t} comes from outside the model`);
  };
  const nodes = collect(outputs).map((e, j): GraphNode => {
    const node: GraphNode = isPrimitive(e.op) ? { op: e.op.name, attrs: attrsOf(e.op.name, e.attrs, e.outputs[0]), inputs: e.inputs.map(operand) } : { layer: layers.indexOf(e.op as Layer), inputs: e.inputs.map(operand) };
    e.outputs.forEach((t, k) => ref.set(t, { node: j, output: k }));
    return node;
  });
  return { inputs: inputs.map((t) => ({ cols: t.cols, dtype: t.dtype, name: t.name })), nodes, outputs: outputs.map(operand) };
}

function attrsOf(op: string, a: Readonly<Record<string, unknown>>, out: SymbolicTensor): Record<string, unknown> {
  if (op in BINARY_CODE || op === 'matmul' || op === 'concat' || op === 'batchedMatmul') return {};
  if (op in UNARY_CODE) return op === 'pow' ? { p: a.p } : {};
  switch (op) {
    case 'clip': return { lo: a.lo, hi: a.hi };
    case 'reduce': return { axis: a.axis ?? null, mean: a.mean };
    case 'slice': return { begin: a.begin, size: out.cols };
    case 'dropout': return { rate: a.rate };
    // N-d ops: their attributes are the arguments that build them again.
    case 'reshape': return { shape: [...out.shape] };
    case 'transpose': case 'concatAxis': case 'reduceRun': case 'pad': return { ...a };
    case 'crop': return { begin: a.begin, size: [...out.shape] };
    case 'activation': {
      const act = a.act as Activation;
      return { name: act.name, alpha: act.alpha };
    }
    default: throw new Error(`wasmnn: cannot save a model whose graph applies the op '${op}'`);
  }
}

/** Rebuilds the graph; `bad` throws the loader's error. Returns the inputs and outputs. */
export function buildGraph(g: GraphTopology, layers: readonly Layer[], bad: (msg: string) => never): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  if (!g || !Array.isArray(g.inputs) || !Array.isArray(g.nodes) || !Array.isArray(g.outputs)) bad('the graph lacks its inputs, nodes or outputs');
  const inputs = g.inputs.map((s, i) => {
    if (!Number.isInteger(s?.cols) || s.cols <= 0 || (s.dtype !== 'float32' && s.dtype !== 'int32')) bad(`graph input ${i} is ${JSON.stringify(s)}`);
    return input([s.cols], { dtype: s.dtype, name: typeof s.name === 'string' ? s.name : undefined });
  });
  const made: SymbolicTensor[][] = [];
  const resolve = (o: Operand, where: string): SymbolicTensor => {
    if (o && 'input' in o && inputs[o.input]) return inputs[o.input];
    if (o && 'node' in o && made[o.node]?.[o.output]) return made[o.node][o.output];
    if (o && 'const' in o && Array.isArray(o.const) && Array.isArray(o.shape) && o.shape.length === 2) return constant(o.const, o.shape as unknown as Shape);
    return bad(`${where} refers to ${JSON.stringify(o)}, which is not an input, an earlier node or a constant`);
  };
  g.nodes.forEach((n, j) => {
    const where = `graph node ${j}`;
    if (!n || !Array.isArray(n.inputs)) bad(`${where} has no inputs`);
    const xs = n.inputs.map((o, i) => resolve(o, `${where} operand ${i}`));
    try {
      if (n.layer !== undefined) {
        const l = layers[n.layer] ?? bad(`${where} calls layer ${n.layer}, which the file does not list`);
        made[j] = [l.apply(xs[0], ...xs.slice(1))];
        return;
      }
      made[j] = [opNode(String(n.op), n.attrs ?? {}, xs, bad, where)];
    } catch (e) {
      if ((e as Error).name === 'ModelFileError') throw e;
      bad(`${where}: ${(e as Error).message.replace(/^wasmnn: /, '')}`);
    }
  });
  return { inputs, outputs: g.outputs.map((o, i) => resolve(o, `graph output ${i}`)) };
}

function opNode(op: string, a: Record<string, unknown>, xs: SymbolicTensor[], bad: (msg: string) => never, where: string): SymbolicTensor {
  if (op in BINARY_CODE) return binary(op as BinaryName, xs[0], xs[1]);
  if (op in UNARY_CODE) return unary(op as UnaryName, xs[0], Number(a.p ?? 0));
  switch (op) {
    case 'matmul': return matmul(xs[0], xs[1]);
    case 'concat': return concat(xs, 1);
    case 'clip': return clip(xs[0], a.lo as number, a.hi as number);
    case 'reduce': return reduce(xs[0], (a.axis ?? undefined) as Axis, a.mean === true);
    case 'slice': return slice(xs[0], a.begin as number, a.size as number);
    case 'dropout': return dropout(xs[0], a.rate as number);
    case 'reshape': return reshape(xs[0], a.shape as number[]);
    case 'transpose': return transpose(xs[0], a.perm as number[]);
    case 'concatAxis': return concat(xs, a.axis as number);
    case 'batchedMatmul': return matmul(xs[0], xs[1]);
    case 'reduceRun': return reduceRun(xs[0], a.from as number, a.to as number, a.mean === true);
    case 'pad': return pad(xs[0], (a.before as number[]).map((b, i) => [b, (a.after as number[])[i]]), a.value as number);
    case 'crop': {
      const box = sliceBounds(xs[0], a.begin as number[], a.size as number[]);
      return cropBox(xs[0], box.begin, box.size);
    }
    case 'activation': return activation(xs[0], (a.alpha ? { name: a.name, alpha: a.alpha } : a.name) as never);
    default: return bad(`${where} applies the unknown op '${op}'`);
  }
}
