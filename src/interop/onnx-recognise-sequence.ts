// The sequence nodes of an ONNX graph: what toOnnx writes for embedding, positionalEmbedding,
// layerNormalization, multiHeadAttention and transformerBlock, and what torch.onnx.export writes
// for nanoGPT (opset 17, a fixed batch):
//   Gather(constant table [vocab, dim], ids, axis 0)       -> embedding (the table trainable)
//   Add(an embedding's output, a constant [t, dim], or a Slice of a constant table's rows 0..t)
//                                                          -> positionalEmbedding (the whole table)
//   LayerNormalization(x, constant scale, bias, the last axis) -> layerNormalization
//   Gather(x, a constant index, axis a), Split(x, axis a)  -> 'take': a box along one axis (onnx-layout.ts
//                                                             maps the axis to ours: the transformer
//                                                             block's [3, b, h, t, d] stack is our [b, t, 3, h, d])
//   MatMul(q, k^T), Mul or Div by a constant scale, [Add of a constant mask], [Where of the causal
//   triangle and -inf], Softmax on the last axis, MatMul by v -> dotProductAttention (causal: the
//   Where's condition must be the lower triangle j <= i, or its complement with the branches swapped)
// NOTE: a sequence graph is imported op by op into a functional model (dense, layerNormalization,
// embedding and positionalEmbedding layers, the attention op, reshapes, transposes and boxes), not
// as whole transformerBlock or multiHeadAttention layers: PyTorch's export and ours share the ops
// but not the layers' boundaries (Split against a Gather of a stack, Add's operand order, Reshape
// shapes), and op by op every parameter stays trainable with the same numbers. The attention comes
// back as the fused op, so the causal mask is the kernel's, not a -inf constant in the graph.
import type { onnx as P } from 'onnx-proto';
import { dotProductAttention } from '../graph/ops/attention.js';
import { bad, attr, attrFloat, attrInt, int } from './onnx-schema.js';
import { nodeWhere, shortF32, type GraphRead } from './onnx-read.js';
import type { Const } from './onnx-import-ops.js';
import type { Item } from './onnx-items.js';

export const SEQUENCE_OPS = ['Gather', 'Split', 'LayerNormalization', 'Where (the causal mask of an attention)'];

export interface SequenceRecogniser {
  /** The items of node n (none for a node folded into another), or undefined when it is no sequence node. */
  item(n: P.INodeProto, w: string): Item[] | undefined;
}

const lowerTriangle = (c: Const, keep: boolean): boolean => {
  const [r, k] = c.dims.slice(-2);
  return c.values.every((v, n) => (v !== 0) === (((n % (r * k)) % k <= Math.floor((n % (r * k)) / k)) === keep));
};

export function sequenceRecogniser(graph: GraphRead): SequenceRecogniser {
  const { nodes, constOf, readers } = graph;
  const producer = new Map<string, P.INodeProto>(), readersOf = new Map<string, P.INodeProto[]>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const t of new Set(n.input)) readersOf.set(t, [...(readersOf.get(t) ?? []), n]);
  }
  /** The one node that reads t, when only one does (and t is no graph output). */
  const only = (t: string) => (readers.get(t) === 1 ? readersOf.get(t)?.[0] : undefined);
  const isEmbedding = (t: string) => {
    const p = producer.get(t);
    return p?.opType === 'Gather' && constOf(p.input![0]) !== undefined && constOf(p.input![1]) === undefined;
  };
  /** A constant Slice of rows 0..t of a table (toOnnx's positional rows): the table. */
  const slicedTable = (n: P.INodeProto | undefined): Const | undefined => {
    if (n?.opType !== 'Slice') return undefined;
    const [data, starts, , axes, steps] = n.input!.map((t) => (t ? constOf(t) : undefined));
    const ok = data?.dims.length === 2 && starts?.values.length === 1 && starts.values[0] === 0 && (!axes || (axes.values.length === 1 && axes.values[0] === 0)) && (!steps || steps.values[0] === 1);
    return ok ? data : undefined;
  };
  /** The table a positional Add adds (its other operand read after an embedding), or undefined. */
  const positional = (n: P.INodeProto): { x: string; table: Const } | undefined => {
    if (n.opType !== 'Add' || n.input!.length !== 2) return undefined;
    const k = n.input!.findIndex((t) => isEmbedding(t));
    if (k < 0) return undefined;
    const other = n.input![1 - k];
    const c = constOf(other), s = slicedTable(producer.get(other));
    const table = s && readers.get(other) === 1 ? s : c && c.dims.length === 2 && c.dims[0] > 1 ? c : undefined;
    return table && { x: n.input![k], table };
  };

  const consumed = new Set<P.INodeProto>(), deferred = new Map<P.INodeProto, Item>();
  /** softmax(scale q k^T [+ mask], causal) v from the MatMul m of q and k^T, when the nodes after it are that. */
  function attention(m: P.INodeProto, w: string): void {
    const run: P.INodeProto[] = [m];
    let t = m.output![0], n = only(t), scale = 1, causal = false;
    let mask: Const | undefined, tri: number[] | undefined;
    const other = (p: P.INodeProto) => constOf(p.input!.find((x) => x !== t));
    const step = (p: P.INodeProto) => {
      run.push(p);
      t = p.output![0];
      n = only(t);
    };
    const s = n && (n.opType === 'Mul' || n.opType === 'Div') && n.input!.length === 2 ? other(n) : undefined;
    if (n && s?.values.length === 1) {
      scale = n.opType === 'Mul' ? s.values[0] : 1 / s.values[0];
      step(n);
    }
    if (n?.opType === 'Add' && other(n)) {
      mask = other(n);
      step(n);
    }
    if (n?.opType === 'Where') {
      const wn = n, ww = nodeWhere(wn);
      const [c, a, b] = wn.input!.map((x) => constOf(x));
      const inf = (v?: Const) => v !== undefined && v.values.every((x) => x === -Infinity);
      if (!c) bad(`${ww}: its condition must be a constant (the causal triangle)`);
      if (c!.dims.length < 2 || c!.dims.slice(0, -2).some((d) => d !== 1)) bad(`${ww}: a condition of dims [${c!.dims}] is not a [tq, tk] mask`);
      const keep = inf(b) && wn.input![1] === t ? true : inf(a) && wn.input![2] === t ? false : bad(`${ww}: the masked branch must be -inf (as masked_fill(mask, -inf) writes)`);
      if (!lowerTriangle(c!, keep)) bad(`${ww}: the condition is not the causal lower triangle (key j for query i when j <= i); other boolean masks are not supported`);
      causal = true;
      tri = c!.dims.slice(-2); // checked against q and k when built
      step(wn);
    }
    if (n?.opType !== 'Softmax') return;
    const axis = attrInt(n, 'axis', -1);
    if (axis !== -1 && axis !== 3) return;
    step(n);
    const last = n;
    if (last?.opType !== 'MatMul' || last.input![0] !== t || constOf(last.input![1])) return;
    const [q, kT] = m.input!, v = last.input![1];
    for (const p of run) consumed.add(p);
    consumed.add(last);
    if (mask && (mask.dims.length < 2 || mask.dims.slice(0, -2).some((d) => d !== 1))) bad(`${w}: an additive mask of dims [${mask.dims}] is not a [tq, tk] mask`);
    const values = mask && Array.from(mask.values);
    deferred.set(last, {
      kind: 'op', operands: [q, kT, v], output: last.output![0], where: w,
      // k^T as ONNX has it is our k [b, h, tk, d] with its last two axes swapped.
      rels: [undefined, [0, 1, 3, 2], undefined],
      make: ([qq, k, vv]) => {
        if (tri && (tri[0] !== qq.shape[2] || tri[1] !== k.shape[2])) bad(`${w}: the causal condition is [${tri}], the scores [${qq.shape[2]}, ${k.shape[2]}]`);
        return dotProductAttention(qq, k, vv, { scale, causal, mask: values });
      },
    });
  }

  return {
    item(n, w) {
      if (consumed.has(n)) {
        const it = deferred.get(n);
        return it ? [it] : [];
      }
      const op = n.opType!, ins = n.input!, out = n.output![0];
      switch (op) {
        case 'Gather': {
          const table = constOf(ins[0]), at = constOf(ins[1]), axis = attrInt(n, 'axis', 0);
          if (table) {
            if (at) bad(`${w}: a Gather of constants is not supported (fold it before export)`);
            if (table.dims.length !== 2 || axis !== 0) bad(`${w}: a lookup in a table of dims [${table.dims}] along axis ${axis} is not supported (an embedding: [vocab, dim], axis 0)`);
            return [{ kind: 'embedding', table, input: ins[1], output: out, where: w }];
          }
          if (!at) bad(`${w}: a Gather of computed indices from a computed tensor is not supported (the table must be a constant: an embedding; or the index a constant)`);
          if (at!.values.length !== 1 || at!.dims.length > 1) bad(`${w}: a Gather of ${at!.values.length} indices [${at!.dims}] from a computed tensor is not supported (one constant index)`);
          return [{ kind: 'take', axis, begin: at!.values[0], size: 1, squeeze: at!.dims.length === 0, input: ins[0], output: out, where: w }];
        }
        case 'Split': {
          const axis = attrInt(n, 'axis', 0), outs = n.output!;
          const sizes = ins[1] ? Array.from(constOf(ins[1])?.values ?? bad(`${w}: the split sizes must be a constant`)) : attr(n, 'split')?.ints?.map(int);
          if (sizes && sizes.length !== outs.length) bad(`${w}: ${sizes.length} split sizes for ${outs.length} outputs`);
          let begin = 0;
          return outs.map((o, k) => {
            const size = sizes ? sizes[k] : 0;
            begin += size;
            return { kind: 'take', axis, begin: begin - size, size, squeeze: false, split: sizes ? undefined : [k, outs.length], input: ins[0], output: o, where: w } as Item;
          });
        }
        case 'LayerNormalization': {
          if ((n.output ?? []).slice(1).some((o) => o && readers.get(o))) bad(`${w}: its mean and inverse deviation outputs are used, which is not supported`);
          const gamma = constOf(ins[1]) ?? bad(`${w}: the scale must be a constant (initialiser)`);
          const beta = ins[2] ? constOf(ins[2]) ?? bad(`${w}: the bias must be a constant (initialiser)`) : undefined;
          if (gamma.dims.length !== 1 || (beta && beta.values.length !== gamma.values.length)) bad(`${w}: a scale of dims [${gamma.dims}] and a bias of [${beta?.dims}] do not normalise one axis`);
          return [{ kind: 'layerNorm', eps: shortF32(attrFloat(n, 'epsilon', 1e-5)), axis: attrInt(n, 'axis', -1), gamma: Float32Array.from(gamma.values), beta: beta ? Float32Array.from(beta.values) : new Float32Array(gamma.values.length), input: ins[0], output: out, where: w }];
        }
        case 'Slice':
          // A positional table's rows, read by the Add that becomes the positionalEmbedding.
          return slicedTable(n) && readers.get(out) === 1 && only(out) && positional(only(out)!) ? [] : undefined;
        case 'Add': {
          const p = positional(n);
          return p && [{ kind: 'positional', table: p.table, input: p.x, output: out, where: w }];
        }
        case 'MatMul':
          if (!constOf(ins[0]) && !constOf(ins[1])) attention(n, w);
          return consumed.has(n) ? [] : undefined;
        default: return undefined;
      }
    },
  };
}
