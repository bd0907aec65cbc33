// What ONNX export writes a graph with: nodes and initialisers under fresh names, and the name of
// each wasmnn tensor in the graph in one or both layouts. wasmnn is channels-last (NHWC), ONNX's
// image ops are channels-first (NCHW): a 4-D tensor an image op writes is held NCHW, and its NHWC
// form (for flatten, reshape, graph ops, the graph output) is made on first use by a Transpose
// node, and the other way round for an image op reading an NHWC tensor; each Transpose once. A
// 3-D tensor a 1-D convolution reads or writes is held [batch, c, width] likewise.
import type { onnx as P } from 'onnx-proto';
import { onnx, bad, floatTensor } from './onnx-schema.js';
import type { SymbolicTensor } from '../graph/symbolic.js';

export interface GraphBuilder {
  nodes: P.INodeProto[];
  initializers: P.ITensorProto[];
  /** A fresh tensor name under a layer's prefix. */
  name(prefix: string, what: string): string;
  constant(prefix: string, what: string, value: number): string;
  /** Adds an initialiser once (a layer applied twice writes its weights once); returns its name. */
  init(t: P.ITensorProto): string;
}

/** `reserved`: the graph's input and output names, which no generated name may take. */
export function builder(reserved: readonly string[]): GraphBuilder {
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

export const node = (b: GraphBuilder, prefix: string, opType: string, input: string[], attribute: P.IAttributeProto[] = []): string => {
  const out = b.name(prefix, `${opType}_output`);
  b.nodes.push({ opType, name: b.name(prefix, opType), input, output: [out], attribute });
  return out;
};
export const floatAttr = (name: string, f: number): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f });
export const intAttr = (name: string, i: number): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
export const intsAttr = (name: string, ints: number[]): P.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints });

/** 'nhwc': wasmnn's, channels last; 'nchw': ONNX's channels first ([batch, c, h, w], or [batch, c, width] for a sequence). */
export type Layout = 'nhwc' | 'nchw';
const PERMS: Record<number, Record<Layout, number[]>> = { 3: { nchw: [0, 2, 1], nhwc: [0, 2, 1] }, 4: { nchw: [0, 3, 1, 2], nhwc: [0, 2, 3, 1] } };

/** The graph's name of each wasmnn tensor, in its own layout ('nhwc') and, for a 3-D or 4-D one, channels first. */
export class TensorNames {
  private readonly map = new Map<SymbolicTensor, Partial<Record<Layout, string>>>();

  /** `fallback`: the name of a tensor met for the first time (a constant), or a refusal. */
  constructor(private readonly b: GraphBuilder, private readonly fallback: (t: SymbolicTensor) => string) {}

  set(t: SymbolicTensor, layout: Layout, name: string): void {
    this.map.set(t, { ...this.map.get(t), [layout]: name });
  }

  /** The layout t has a name in (NCHW when it has both: image layers read and write it). */
  layoutOf(t: SymbolicTensor): Layout {
    return this.map.get(t)?.nchw !== undefined ? 'nchw' : 'nhwc';
  }

  /** t's name in `layout`, transposed from the other one on first use. */
  get(t: SymbolicTensor, layout: Layout = 'nhwc'): string {
    const got = this.map.get(t);
    const have = got?.[layout];
    if (have !== undefined) return have;
    if (layout === 'nchw' && !PERMS[t.rank]) bad(`a tensor of shape ${t} is not an image [batch, height, width, channels] or a sequence [batch, width, channels]`);
    const other = got?.[layout === 'nchw' ? 'nhwc' : 'nchw'];
    if (other === undefined) {
      const n = this.fallback(t);
      this.set(t, 'nhwc', n);
      return layout === 'nhwc' ? n : this.get(t, layout);
    }
    const perm = PERMS[t.rank][layout];
    const out = node(this.b, layout === 'nchw' ? 'to_nchw' : 'to_nhwc', 'Transpose', [other], [intsAttr('perm', perm)]);
    this.set(t, layout, out);
    return out;
  }

  /** Every name `from` is known by becomes `to` (an output renamed to the graph output's name). */
  rename(from: string, to: string): void {
    for (const v of this.map.values()) for (const k of ['nhwc', 'nchw'] as const) if (v[k] === from) v[k] = to;
  }
}
