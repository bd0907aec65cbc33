// Generation with a key/value cache: a chain of sequence layers run on the kernels directly, over
// positions p0 .. p0 + count - 1 of the window only, after positions 0 .. p0 - 1 ran. Activations
// are [count, width] rows; each attention layer appends its new keys and values to caches
// [heads, t, keyDim] and [heads, t, valueDim] (t the positions it is made for, at most the model's) and its queries attend
// over rows 0 .. p0 + count - 1 of them (kv-attention.ts). A prefill is one run over the prompt
// (p0 0); a new token is one run of count 1. The layers after the last attention layer (the final
// norm and the vocabulary head) work row by row, so a run that wants the last position's outputs
// only (generate's) runs them on that row alone: a prefill of 64 positions does not compute 63
// rows of logits nobody reads.
// Every layer calls the kernels its lowering does (gemm_nn_f32, bias_add_f32, layer_norm_f32,
// binary_f32, the activation's, gather_rows_f32), whose rows never depend on the rows that come
// with them (assembly/gemm.ts), and attention_decode_f32 gives a row the bits of the causal
// attention_f32 over the whole window: so a cached run's logits are those of the predict program
// bit for bit but where an element-wise kernel's scalar tail (a width not a multiple of 4) falls on
// other elements (then within an ulp or so).
// NOTE: only the layers below, applied one after another; anything else generates by re-running.
import type { Runtime } from '../wasm/init.js';
import type { Layer } from '../layers/layer.js';
import type { Activation } from '../layers/activations.js';
import type { Embedding } from '../layers/embedding.js';
import type { PositionalEmbedding } from '../layers/positional-embedding.js';
import type { TransformerBlock } from '../layers/transformer-block.js';
import type { MultiHeadAttention } from '../layers/attention.js';
import { attentionStep, attentionWidths, type Scratch, type Step } from './kv-attention.js';

const KNOWN = ['embedding', 'positionalEmbedding', 'transformerBlock', 'multiHeadAttention', 'layerNormalization', 'dense', 'dropout', 'activation'];

/** Why the model cannot generate from a key/value cache, or undefined when it can. */
export function cacheRefusal(layers: readonly Layer[], chain: boolean): string | undefined {
  if (!chain) return 'the model is not a chain of layers (the key/value cache runs one layer after another)';
  const other = layers.find((l) => !KNOWN.includes(l.kind));
  if (other) return `the key/value cache does not know ${other.name} (${other.kind}); it knows ${KNOWN.join(', ')}`;
  const first = layers[0];
  if (first.kind !== 'embedding' || first.inputShape.length !== 1) return `the key/value cache needs an embedding of ids [t] first, not ${first.name} (${first.kind})`;
  return undefined;
}

export interface Decoder {
  /**
   * Runs positions p0 .. p0 + count - 1 of the ids at `ids` (int32 [t]) after 0 .. p0 - 1 ran;
   * returns the pointer of the last one's outputs [vocab], or with `every` of all of theirs [count, vocab].
   */
  run(p0: number, count: number, every?: boolean): number;
  /** The one arena block it holds (activations, scratch, caches), which release() frees. */
  readonly block: number;
  release(): void;
}

/** A decoder for a chain of layers cacheRefusal accepts, over windows of t positions whose ids are at `ids`. */
export function makeDecoder(rt: Runtime, layers: readonly Layer[], t: number, ids: number): Decoder {
  const { arena, kernels: k } = rt;
  const widest = Math.max(...layers.flatMap((l) => [l.inputUnits, l.outputUnits, attentionWidths(l).scratch]));
  const cached = layers.map((l) => attentionWidths(l).cache);
  // Two activations and three scratch blocks [t, widest], mean and 1/std [t], an epsilon a layer, the caches.
  const floats = 5 * t * widest + 2 * t + layers.length + cached.reduce((a, b) => a + b * t, 0);
  const block = arena.alloc(4 * floats);
  const at = (i: number) => block + 4 * i;
  const x0 = at(0), y0 = at(t * widest);
  const s: Scratch = { k, t, s: [at(2 * t * widest), at(3 * t * widest), at(4 * t * widest)], mean: at(5 * t * widest), rstd: at(5 * t * widest + t), eps: 0 };
  let next = 5 * t * widest + 2 * t + layers.length;
  const steps = layers.map((l, i) => {
    const eps = at(5 * t * widest + 2 * t + i);
    arena.f32(eps, 1)[0] = (l as { epsilon?: number }).epsilon ?? 0;
    const cache = at(next);
    next += cached[i] * t;
    return stepOf(rt, l, { ...s, eps }, cache, ids);
  });
  // The first layer that sees each row alone from here on (the embedding runs on every row, checking every id).
  const rowwise = Math.max(1, ...layers.map((l, i) => (attentionWidths(l).cache > 0 ? i + 1 : 1)));
  const before = rowwise < layers.length ? layers[rowwise - 1].outputUnits : 0;
  return {
    run(p0, count, every = false) {
      let x = x0, y = y0, p = p0, n = count;
      for (let i = 0; i < steps.length; i++) {
        if (i === rowwise && !every && n > 1) {
          // The last row of x [n, before] and y at the same offset, which leaves y a row of any width within [t, widest].
          const skip = 4 * (n - 1) * before;
          x += skip;
          y += skip;
          p += n - 1;
          n = 1;
        }
        const out = steps[i](x, y, p, n);
        if (out === y) {
          y = x;
          x = out;
        }
      }
      return every || n === 1 ? x : x + 4 * (n - 1) * layers[layers.length - 1].outputUnits;
    },
    block,
    release: () => arena.release(block),
  };
}

function stepOf(rt: Runtime, l: Layer, s: Scratch, cache: number, ids: number): Step {
  const k = s.k, ws = l.weights.map((p) => p.valuePtr);
  switch (l.kind) {
    case 'embedding': {
      const table = ws[0], { inputDim, outputDim } = (l as Embedding).options;
      return (_x, y, p0, n) => {
        const bad = k.index_check_i32(ids + 4 * p0, n, inputDim);
        if (bad >= 0) {
          const id = new Int32Array(rt.arena.memory.buffer, ids, p0 + n)[p0 + bad];
          throw new RangeError(`wasmnn: ${l.name}: index ${id} at position [0, ${p0 + bad}] is outside [0, ${inputDim}) (the vocabulary size is ${inputDim})`);
        }
        k.gather_rows_f32(y, table, ids + 4 * p0, n, outputDim);
        return y;
      };
    }
    case 'positionalEmbedding': {
      const table = ws[0], dim = (l as PositionalEmbedding).options.outputDim;
      return (x, _y, p0, n) => {
        k.binary_f32(x, x, table + 4 * p0 * dim, n, dim, 0, 0);
        return x;
      };
    }
    case 'layerNormalization': {
      const [gamma, beta] = [ws[0], ws[1]], w = l.inputUnits;
      return (x, _y, _p0, n) => {
        k.layer_norm_f32(x, s.mean, s.rstd, x, gamma, beta, s.eps, n, w);
        return x;
      };
    }
    case 'dense': {
      const kernel = ws[0], bias = ws.length > 1 ? ws[1] : 0, act = (l as unknown as { activation: Activation }).activation;
      const win = l.inputUnits, units = l.outputUnits;
      return (x, y, _p0, n) => {
        k.gemm_nn_f32(y, x, kernel, n, units, win, 1, 0);
        if (bias) k.bias_add_f32(y, y, bias, n, units);
        act.forward(k, y, y, n, units);
        return y;
      };
    }
    case 'activation': {
      const act = (l as unknown as { activation: Activation }).activation, w = l.inputUnits;
      return (x, _y, _p0, n) => {
        act.forward(k, x, x, n, w);
        return x;
      };
    }
    case 'dropout':
      return (x) => x; // the identity at inference
    default:
      return attentionStep(l as TransformerBlock | MultiHeadAttention, s, cache, ws);
  }
}
