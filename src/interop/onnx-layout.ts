// Layouts on ONNX import. ONNX's image ops are NCHW, wasmnn's layers NHWC: each ONNX tensor is held
// as a wasmnn tensor and a relation `rel` between the two, onnx = transpose(ours, rel) (axis j of
// the ONNX tensor is axis rel[j] of ours). Image ops and batch norm want ONNX's axis 1 (the
// channels) as our last axis (`channelsLast`, [0, 3, 1, 2] for images); Gemm, MatMul, Reshape,
// Flatten, the graph ops and the graph outputs want the two the same (identity); activations and
// Dropout take either. A Transpose node only changes the relation; where a reader wants another
// relation than the tensor has, a transpose op is inserted (once per tensor and relation).
// GlobalAveragePool writes ONNX [batch, c, 1, 1] (of sequences, and GlobalMaxPool, [batch, c, 1]),
// held as our [batch, c] ('squeezed', 'squeezed1'), which a
// Flatten (what follows it in PyTorch and in toOnnx) reads as it is.
// NOTE: a 4-D graph input is NCHW images, taken by the model channels-last ([h, w, c]), unless
// every node reading it is a Transpose (toOnnx's NHWC input, transposed to NCHW for the image ops):
// then it is taken as it is. The Flatten of NCHW images orders elements (c, h, w), ours (h, w, c)
// (and NCW sequences (c, w), ours (w, c)):
// when one dense layer alone reads it, its weight rows are reordered instead (nchwRows), so that a
// PyTorch CNN comes in as a chain of layers; otherwise a transpose op comes before the flatten.
import { BATCH } from '../graph/symbolic.js';
import { transpose } from '../graph/ops/transpose.js';
import { reshape } from '../graph/ops/reshape.js';
import { bad } from './onnx-schema.js';
import type { Item, Pending } from './onnx-items.js';

/** 'squeezed': ONNX [batch, c, 1, 1] held as our [batch, c]; 'squeezed1': ONNX [batch, c, 1] so (a global pool of sequences). */
type Rel = readonly number[] | 'squeezed' | 'squeezed1';
const isSq = (r: Rel): r is 'squeezed' | 'squeezed1' => typeof r === 'string';

const identity = (r: number): number[] => Array.from({ length: r }, (_, i) => i);
/** ONNX's axis 1 as our last: [0, r - 1, 1, ..., r - 2]. */
const channelsLast = (r: number): number[] => (r < 2 ? identity(r) : [0, r - 1, ...identity(r).slice(1, r - 1)]);
const same = (a: Rel, b: Rel) => a === b || (!isSq(a) && !isSq(b) && a.length === b.length && a.every((d, i) => d === b[i]));
const rankOf = (r: Rel) => (r === 'squeezed' ? 4 : r === 'squeezed1' ? 3 : r.length);

export interface Laid {
  /** The items with their inputs renamed to the tensors that hold them in the wanted relation, transposes inserted, Transpose nodes gone. */
  items: Item[];
  outNames: string[];
  /** Each graph input's relation (onnx = transpose(ours, rel)). */
  inputRel: Map<string, readonly number[]>;
}

export function layOut(items: Item[], inputs: { name: string; rank: number }[], outNames: string[]): Laid {
  const operands = (it: Item) => (it.kind === 'op' ? it.operands : [it.input]);
  const uses = new Map<string, number>(outNames.map((o) => [o, 1]));
  for (const it of items) for (const t of new Set(operands(it))) uses.set(t, (uses.get(t) ?? 0) + 1);

  const held = new Map<string, { src: string; rel: Rel }>();
  const inputRel = new Map<string, readonly number[]>();
  for (const gi of inputs) {
    const readers = items.filter((it) => operands(it).includes(gi.name));
    // A 3-D input that only 1-D convolutions and pools read is sequences [batch, c, width] (PyTorch's).
    const sequences = gi.rank === 3 && readers.length > 0 && readers.every((it) => (it.kind === 'conv' || it.kind === 'pool') && it.oneD);
    const rel = (gi.rank === 4 && !readers.every((it) => it.kind === 'transpose')) || sequences ? channelsLast(gi.rank) : identity(gi.rank);
    held.set(gi.name, { src: gi.name, rel });
    inputRel.set(gi.name, rel);
  }
  const out: Item[] = [];
  const made = new Map<string, string>();
  const rank = (name: string, w: string) => rankOf(held.get(name)?.rel ?? bad(`${w} reads '${name}', which is no input or output of an earlier node`));

  /** The name of a tensor holding `name` under relation `to`, inserting an op when it is held otherwise. */
  const view = (name: string, to: readonly number[], w: string): string => {
    const h = held.get(name);
    if (!h) return name; // a constant: as ONNX has it
    if (same(h.rel, to)) return h.src;
    const key = `${h.src}|${to.join()}`;
    const have = made.get(key);
    if (have) return have;
    if (rankOf(h.rel) !== to.length) bad(`${w}: reads a rank-${rankOf(h.rel)} tensor as rank ${to.length}`);
    const from = isSq(h.rel) ? channelsLast(rankOf(h.rel)) : h.rel;
    // ours' = transpose(ours, s) with onnx = transpose(ours', to): s[k] = from[inverse(to)[k]].
    const s = to.map((_, k) => from[to.indexOf(k)]);
    if (s[0] !== 0) bad(`${w}: the layout it needs would move the batch axis`);
    const o = `${h.src}#layout${made.size}`;
    const ones = isSq(h.rel) ? rankOf(h.rel) - 2 : 0; // a squeezed tensor's 1s come back before its channels
    out.push({ kind: 'op', operands: [h.src], output: o, where: w, make: ([x]) => transpose(ones ? reshape(x, [BATCH, ...Array<number>(ones).fill(1), x.shape[1]]) : x, s) });
    made.set(key, o);
    held.set(o, { src: o, rel: to });
    return o;
  };
  const alias = (it: Pending, rel: Rel) => held.set(it.output, { src: held.get(it.input)!.src, rel });
  const writes = (it: Item, rel: Rel) => {
    out.push(it);
    held.set(it.output, { src: it.output, rel });
  };

  items.forEach((it, k) => {
    const w = it.where;
    if (it.kind === 'op') {
      const r = Math.max(2, ...it.operands.filter((o) => held.has(o)).map((o) => rank(o, w)));
      it.operands = it.operands.map((o, j) => (held.has(o) ? view(o, it.rels?.[j] ?? identity(rank(o, w)), w) : o));
      return writes(it, identity(r));
    }
    const r = rank(it.input, w);
    const h = held.get(it.input)!;
    switch (it.kind) {
      case 'transpose': {
        const src = isSq(h.rel) ? view(it.input, channelsLast(r), w) : it.input;
        const rel = held.get(src)!.rel as readonly number[];
        const perm = it.perm.length ? it.perm : identity(r).reverse();
        if (perm.length !== r || new Set(perm).size !== r || !perm.every((a) => a >= 0 && a < r)) bad(`${w}: perm [${it.perm}] does not order the ${r} axes`);
        return void held.set(it.output, { src: held.get(src)!.src, rel: perm.map((a) => rel[a]) });
      }
      case 'conv':
        if (it.oneD) {
          if (r !== 3) bad(`${w}: a 1-D Conv takes sequences [batch, c, width], got a rank-${r} tensor`);
          it.input = view(it.input, channelsLast(3), w);
          return writes(it, channelsLast(3));
        }
      // falls through: a 2-D Conv
      case 'pool':
      case 'gap': {
        // A 1-D kernel or a global pool of a rank-3 tensor: sequences [batch, c, width].
        const oneD = it.kind === 'pool' ? it.oneD === true : r === 3;
        if (it.kind === 'gap') it.oneD = oneD;
        if (r !== (oneD ? 3 : 4)) bad(`${w}: takes ${oneD ? 'sequences [batch, c, width]' : 'NCHW images'}, got a rank-${r} tensor`);
        it.input = view(it.input, channelsLast(r), w);
        return writes(it, it.kind === 'gap' ? (oneD ? 'squeezed1' : 'squeezed') : channelsLast(r));
      }
      case 'batchNorm':
        it.input = view(it.input, channelsLast(r), w);
        return writes(it, channelsLast(r));
      case 'dropout':
        it.input = h.src;
        return writes(it, h.rel);
      case 'activation': {
        if (it.axis === undefined || (isSq(h.rel) && (it.axis === 1 || it.axis === 1 - r))) {
          it.input = h.src;
          return writes(it, h.rel);
        }
        // A softmax over ONNX's axis a is one over our last axis when rel[a] is that axis.
        const a = it.axis < 0 ? it.axis + r : it.axis;
        const rel = !isSq(h.rel) && h.rel[a] === r - 1 ? h.rel : a === r - 1 ? identity(r) : a === 1 ? channelsLast(r) : bad(`${w}: Softmax over axis ${it.axis} is not supported`);
        it.input = view(it.input, rel, w);
        return writes(it, rel);
      }
      case 'flatten':
      case 'reshape': {
        const flat = it.kind === 'flatten' || it.shape.length === 2; // a Reshape to [batch, n] is a Flatten
        if (r === 2 && it.kind === 'flatten') return void alias(it, h.rel);
        if (isSq(h.rel) && flat) return void alias(it, identity(2));
        if (flat && (r === 4 || r === 3) && same(h.rel, channelsLast(r))) {
          const reader = items.slice(k + 1).find((n) => operands(n).includes(it.output));
          if (uses.get(it.output) === 1 && reader?.kind === 'dense') {
            reader.nchwRows = it as Pending;
            it.input = h.src;
            return writes(it, identity(2));
          }
        }
        it.input = view(it.input, identity(r), w);
        return writes(it, identity(it.kind === 'flatten' ? 2 : it.shape.length));
      }
      case 'dense':
      case 'positional':
        it.input = view(it.input, identity(r), w);
        return writes(it, identity(r));
      case 'layerNorm':
        if (it.axis !== -1 && it.axis !== r - 1) bad(`${w}: LayerNormalization from axis ${it.axis} of a rank-${r} tensor is not supported (the last axis)`);
        it.input = view(it.input, identity(r), w);
        return writes(it, identity(r));
      case 'embedding': // ids [batch, ...] -> [batch, ..., dim]
        it.input = view(it.input, identity(r), w);
        return writes(it, identity(r + 1));
      case 'take': { // along ONNX's axis a, our axis rel[a]; dropped, the axes after it move up
        const src = isSq(h.rel) ? view(it.input, channelsLast(r), w) : it.input;
        const rel = held.get(src)!.rel as readonly number[];
        const a = it.axis < 0 ? it.axis + r : it.axis;
        if (a < 0 || a >= r) bad(`${w}: axis ${it.axis} is outside a rank-${r} tensor`);
        if (rel[a] === 0) bad(`${w}: taking along the batch axis is not supported`);
        it.ours = rel[a];
        it.input = held.get(src)!.src;
        return writes(it, it.squeeze ? rel.filter((_, j) => j !== a).map((d) => (d > rel[a] ? d - 1 : d)) : rel);
      }
    }
  });
  return { items: out, outNames: outNames.map((o) => (held.has(o) ? view(o, identity(rank(o, 'the graph output')), `the graph output '${o}'`) : o)), inputRel };
}
