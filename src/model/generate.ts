// Autoregressive sampling from a causal language model (nanoGPT's generate): a model whose one
// input is int32 ids [t] and whose output is logits [t, vocab]. Each new token:
//   window = the last t tokens (cropped as nanoGPT crops to block_size),
//   logits of the window's last position / temperature, all but the topK largest set to -inf,
//   p = softmax (the wasm kernel, in f64), token = the first i with u * sum(p) < p_0 + ... + p_i,
//   u uniform in [0, 1) from a xoshiro128** stream seeded by `seed` (the kernels' own RNG).
// temperature 0 takes the argmax (the first largest).
// With the key/value cache (cache: true, the default for a chain of the layers kv-cache.ts knows):
// a prefill runs the prompt once, keeping each attention layer's keys and values; each new token
// then runs one position through the net, its query attending over the cached keys (nanoGPT
// re-runs the window). Once the sequence outgrows t, every position of the window moves (learned
// positions), so each token re-prefills the last t tokens, as the re-run does: the cache saves the
// work only up to t tokens. Its logits are the re-run's bit for bit (see kv-cache.ts for when
// they may differ in the last place), so the tokens are the same.
// Without it (cache: false, or a model the cache does not know): each token re-runs the window
// through the predict program planned for t; a window shorter than t sits at positions 0..n-1
// with zeros after it: in a causal model position n-1 never sees them, so its logits are those
// of a run at length n (nanoGPT's).
// Every number on the way is computed in wasm or in IEEE float64 in JS (no Math.exp), so the
// same seed gives the same tokens on every JS runtime and thread count (for one wasm build: the
// relaxed-SIMD build's fused multiply-adds may round logits differently).
// A call allocates its output only (the Generator keeps the rest on the model); the loop over tokens allocates nothing.
import { BATCH } from '../graph/symbolic.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import type { Layer } from '../layers/layer.js';
import type { Rooms } from './rooms.js';
import type { Program } from '../graph/program.js';
import { cacheRefusal, makeDecoder, type Decoder } from './kv-cache.js';

export interface GenerateOptions {
  /** How many tokens to append. */
  maxNewTokens: number;
  /** Divides the logits; 0 takes the most likely token. Default 1. */
  temperature?: number;
  /** Samples among the k most likely tokens only (ties with the k-th kept, as nanoGPT). */
  topK?: number;
  /** Seeds the sampling stream; default 0. The same seed, prompt and weights give the same tokens. */
  seed?: number;
  /** Crop the window to the model's last t tokens (nanoGPT); false refuses a sequence that would outgrow t. Default true. */
  crop?: boolean;
  /** Generate from a key/value cache (one position a token); default true when the model allows it, false re-runs the window. */
  cache?: boolean;
}

const KEYS = optionKeys<GenerateOptions>({ maxNewTokens: true, temperature: true, topK: true, seed: true, crop: true, cache: true });
const HINTS = { max_new_tokens: { use: 'maxNewTokens' }, top_k: { use: 'topK' }, numTokens: { use: 'maxNewTokens' } };

const fail = (what: string, v: unknown) => new RangeError(`wasmnn: generate: ${what}, got ${String(v)}`);

/**
 * What a model keeps for generate between calls (Model makes one on its first call): the window,
 * sampling scratch and the RNG state in one block, and the cached decoder with its caches, sized
 * for the longest call so far (doubling, up to the model's t positions). Both are the model's
 * blocks (weights.ts' Holdings), freed by dispose() or when the model is collected.
 * NOTE: the decoder reads the parameters through their pointers, which a model fixes when it is
 * made (setWeights, fit, trainOnBatch and fromSafetensors write the values in place; load makes a
 * new model), and the layers' settings, which never change: so nothing a model does makes it
 * stale. The predict program (the re-run) is asked of the Compilation on every call, since
 * compile() replaces it.
 */
export class Generator {
  private readonly T: number;
  private readonly vocab: number;
  private readonly refusal: string | undefined;
  private work = 0;
  private dec: Decoder | undefined;
  private capacity = 0;
  private sorted: Float32Array | undefined;
  // The cached run's window: it starts at token `start`; its first `ready` positions are in the caches.
  private start = 0;
  private ready = 0;

  /** Refuses a model that is not a causal language model. */
  constructor(private readonly r: Rooms, private readonly layers: readonly Layer[], chain: boolean) {
    const c = r.compiled, x = r.inputs[0], out = c.lowered[0];
    if (r.inputs.length !== 1 || x.dtype !== 'int32' || x.rank !== 2 || out.rank !== 3 || out.shape[0] !== BATCH || out.shape[1] !== x.shape[1]) {
      throw new TypeError(`wasmnn: generate needs a language model with one int32 input [batch, t] and logits [batch, t, vocab]; this one maps ${r.inputs.map(String).join(', ')} to ${c.lowered.map(String).join(', ')}`);
    }
    const acausal = layers.find((l) => (l.kind === 'multiHeadAttention' || l.kind === 'transformerBlock') && (l.getConfig() as { causal: boolean }).causal !== true);
    if (acausal) throw new TypeError(`wasmnn: generate needs a causal model, but ${acausal.name} (${acausal.kind}) is not causal: its positions see later ones`);
    this.T = x.shape[1];
    this.vocab = out.shape[2];
    this.refusal = cacheRefusal(layers, chain);
  }

  /** The prompt followed by maxNewTokens sampled tokens. */
  generate(prompt: Int32Array | readonly number[], options: GenerateOptions): Int32Array {
    checkOptions('generate', options, KEYS, HINTS);
    const { T, vocab, refusal, r } = this;
    const { maxNewTokens, temperature = 1, topK, seed = 0, crop = true, cache } = options ?? ({} as GenerateOptions);
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) throw fail('maxNewTokens must be a whole number >= 0', maxNewTokens);
    if (typeof temperature !== 'number' || !(temperature >= 0) || !Number.isFinite(temperature)) throw fail('temperature must be a finite number >= 0', temperature);
    if (topK !== undefined && (!Number.isInteger(topK) || topK < 1 || topK > vocab)) throw fail(`topK must be an integer in [1, ${vocab}] (the vocabulary)`, topK);
    if (!Number.isSafeInteger(seed) || seed < 0) throw fail('seed must be a non-negative integer', seed);
    if (typeof crop !== 'boolean') throw fail('crop must be true or false', crop);
    if (cache !== undefined && typeof cache !== 'boolean') throw fail('cache must be true or false', cache);
    if (cache === true && refusal) throw new TypeError(`wasmnn: generate: cache: true, but ${refusal} (cache: false re-runs the window)`);
    if (!(prompt instanceof Int32Array) && !Array.isArray(prompt)) throw new TypeError(`wasmnn: generate: the prompt must be an Int32Array or an array of token ids, got ${typeof prompt}`);
    const n0 = prompt.length;
    if (n0 === 0) throw new RangeError('wasmnn: generate: the prompt is empty (give at least one token id)');
    for (let i = 0; i < n0; i++) if (!Number.isInteger(prompt[i]) || prompt[i] < 0) throw new RangeError(`wasmnn: generate: prompt[${i}] is ${prompt[i]}, not a token id (a whole number >= 0)`);
    if (!crop && n0 + maxNewTokens > T) throw new RangeError(`wasmnn: generate: the prompt's ${n0} tokens and ${maxNewTokens} new ones make ${n0 + maxNewTokens}, more than the model's ${T} positions (crop: true keeps the last ${T})`);

    r.weights.alive();
    const tokens = new Int32Array(n0 + maxNewTokens);
    tokens.set(prompt);
    if (maxNewTokens === 0) return tokens;
    const k = r.rt.kernels, heap = r.heap;
    // One block: the window [T] int32, scaled logits and probabilities [vocab] each, the RNG state, u.
    if (this.work === 0) this.hold((this.work = r.rt.arena.alloc(4 * (T + 2 * vocab + 5))));
    const ids = this.work, scaled = ids + 4 * T, probs = scaled + 4 * vocab, state = probs + 4 * vocab, u = state + 16;
    const sorted = topK === undefined ? undefined : (this.sorted ??= new Float32Array(vocab));
    k.rng_seed(state, seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
    const x = r.inputs[0], rerun = cache === false || refusal !== undefined;
    const prog = rerun ? this.predict() : undefined;
    const dec = rerun ? undefined : this.decoder(Math.min(T, tokens.length));
    this.start = this.ready = 0;
    if (prog) prog.bind(x, ids);
    try {
      for (let len = n0; len < tokens.length; len++) {
        const row = (dec ? this.cached(dec, tokens, len) : this.rerun(prog!, tokens, len)) >>> 2;
        heap.refresh();
        tokens[len] = temperature === 0 ? argmax(heap.f32, row, vocab) : sample(r, heap.f32, row, vocab, temperature, sorted, topK ?? vocab, scaled, probs, state, u);
      }
    } finally {
      if (prog) prog.unbind(x);
    }
    return tokens;
  }

  // The predict program, planned for one row (compile() may have replaced the last call's).
  private predict(): Program {
    const c = this.r.compiled;
    if (c.maxRows === 0) c.maxRows = 1;
    return c.program('predict', false).prog;
  }

  // The decoder, for windows of `need` positions or more (a larger one replaces a smaller).
  private decoder(need: number): Decoder {
    if (this.dec && this.capacity >= need) return this.dec;
    const old = this.dec, held = this.r.weights.held.blocks;
    if (old) {
      this.dec = undefined;
      const i = held.indexOf(old.block);
      if (i >= 0) held.splice(i, 1);
      old.release();
    }
    const capacity = Math.min(this.T, Math.max(need, 2 * this.capacity));
    const dec = makeDecoder(this.r.rt, this.layers, capacity, this.work);
    this.hold(dec.block);
    [this.dec, this.capacity] = [dec, capacity];
    return dec;
  }

  private hold(block: number): void {
    this.r.weights.held.blocks.push(block);
  }

  // The logits' pointer of the window's last position for tokens 0 .. len - 1: the whole window
  // through the predict program (its ids at the work block), zeros after a short one.
  private rerun(prog: Program, tokens: Int32Array, len: number): number {
    const T = this.T, n = Math.min(len, T), from = len - n, heap = this.r.heap;
    heap.refresh();
    const i32 = heap.i32, at = this.work >>> 2;
    for (let i = 0; i < T; i++) i32[at + i] = i < n ? tokens[from + i] : 0;
    prog.exec(1);
    return prog.ptr(this.r.compiled.lowered[0]) + 4 * (n - 1) * this.vocab;
  }

  // The same from the caches: new positions only while the window starts at the same token; once
  // it moves (past T tokens) its positions all change and it runs again whole.
  private cached(dec: Decoder, tokens: Int32Array, len: number): number {
    const n = Math.min(len, this.T), from = len - n, heap = this.r.heap;
    if (from !== this.start) [this.start, this.ready] = [from, 0];
    heap.refresh();
    const i32 = heap.i32, at = this.work >>> 2, p0 = this.ready;
    for (let i = p0; i < n; i++) i32[at + i] = tokens[from + i];
    this.ready = n;
    return dec.run(p0, n - p0);
  }
}

function argmax(f32: Float32Array, row: number, vocab: number): number {
  let best = 0;
  for (let i = 1; i < vocab; i++) if (f32[row + i] > f32[row + best]) best = i;
  if (Number.isNaN(f32[row + best])) throw new Error('wasmnn: generate: the model gave NaN logits');
  return best;
}

function sample(r: Rooms, f32: Float32Array, row: number, vocab: number, temperature: number, sorted: Float32Array | undefined, topK: number, scaled: number, probs: number, state: number, u: number): number {
  const s = scaled >>> 2, p = probs >>> 2, k = r.rt.kernels;
  for (let i = 0; i < vocab; i++) {
    const v = f32[row + i];
    if (Number.isNaN(v)) throw new Error('wasmnn: generate: the model gave NaN logits');
    f32[s + i] = v / temperature;
  }
  if (sorted && topK < vocab) {
    for (let i = 0; i < vocab; i++) sorted[i] = f32[s + i];
    sorted.sort();
    const kth = sorted[vocab - topK];
    for (let i = 0; i < vocab; i++) if (f32[s + i] < kth) f32[s + i] = -Infinity;
  }
  k.softmax_rows_f32(probs, scaled, 1, vocab);
  k.rng_uniform_f32(u, 1, 0, 1, state);
  let total = 0;
  for (let i = 0; i < vocab; i++) total += f32[p + i];
  const target = f32[u >>> 2] * total;
  let acc = 0, last = 0;
  for (let i = 0; i < vocab; i++) {
    const q = f32[p + i];
    if (q > 0) last = i;
    acc += q;
    if (target < acc) return i;
  }
  return last;
}
