// Run with --expose-gc and a young generation of 16 MiB (see below). Counts minor garbage collections (scavenges) while one generate call
// samples 200 000 tokens from a tiny causal GPT (block 8), greedy and with temperature and topK,
// from the key/value cache (past the block: a re-prefill a token) and re-running the window
// (cache: false); and while 100 calls of 2000 tokens each step one position at a time through the
// cache of a GPT of block 2048 (`decode`); and while 10 000 short calls (a prompt of 3, 4 new
// tokens: cached greedy, cached sampled with topK, re-run) each return their tokens (`calls`).
// Run with --min-semi-space-size=16 --max-semi-space-size=16.
// A token that allocated one typed-array view (about 100 bytes) would make 20 MB of garbage over
// them, more than the young generation (16 MiB) holds; to show the count can move, a loop making
// 800 000 such views is measured too (it must collect). Prints the counts as JSON.
import { scavengesDuring } from '../helpers/scavenges.mjs';
import { init, Sequential, layers } from 'wasmnn';

await init(undefined, { simd: 'plain' });
const V = 12, T = 8, E = 16, N = 200_000;
const m = new Sequential([
  layers.embedding({ inputDim: V, outputDim: E, inputShape: [T] }),
  layers.positionalEmbedding({ maxLength: T, outputDim: E }),
  layers.transformerBlock({ numHeads: 2 }),
  layers.layerNormalization(),
  layers.dense({ units: V, useBias: false }),
], { seed: 0 });
let last = 0;
const run = (options) => () => {
  last = m.generate([1, 2, 3], { maxNewTokens: N, ...options }).at(-1);
};
// Warm-ups until V8 has optimised the loop (a loaded machine compiles late).
const settle = async (options) => {
  for (let i = 0; i < 12 && (await scavengesDuring(() => m.generate([1], { maxNewTokens: 20_000, ...options }))) > 0; i++);
  let least = Infinity;
  for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await scavengesDuring(run(options)));
  return least;
};
const greedy = await settle({ temperature: 0 });
const sampled = await settle({ temperature: 0.9, topK: 5, seed: 3 });
const rerun = await settle({ temperature: 0.9, topK: 5, seed: 3, cache: false });
// One position a step: 100 calls of 2000 tokens through the cache of a GPT of block 2048 (200 000
// tokens; the young generation is fixed at 16 MiB: V8 starts it at 1 MiB and grows it).
const long = new Sequential([
  layers.embedding({ inputDim: V, outputDim: E, inputShape: [2048] }),
  layers.positionalEmbedding({ maxLength: 2048, outputDim: E }),
  layers.transformerBlock({ numHeads: 2 }),
  layers.layerNormalization(),
  layers.dense({ units: V, useBias: false }),
], { seed: 0 });
const steps = (calls, tokens) => () => {
  for (let i = 0; i < calls; i++) last = long.generate([1], { maxNewTokens: tokens, temperature: 0.9, seed: i }).at(-1);
};
await scavengesDuring(steps(10, 2000));
let decode = Infinity;
for (let i = 0; i < 3 && decode > 0; i++) decode = Math.min(decode, await scavengesDuring(steps(100, 2000)));
// Calls: the model keeps its decoder, caches and scratch (generate.ts' Generator), so a call
// allocates what it returns, a fresh Int32Array of 7 tokens, and the caller's prompt and options
// here (with checkOptions' list of their keys): about 500 bytes in all (measured: 490 bytes for
// those alone, without generate), 5 MB over the calls, a third of the young generation. A decoder
// rebuilt on every call (as before) made 5 KB or more a call, 50 MB over them.
const short = [{ temperature: 0 }, { temperature: 0.9, topK: 5 }, { temperature: 0.9, cache: false }];
const calls = async () => {
  const run = (n) => () => {
    for (let i = 0; i < n; i++) last = m.generate([1, 2, 3], { maxNewTokens: 4, seed: i, ...short[i % 3] }).at(-1);
  };
  for (let i = 0; i < 12 && (await scavengesDuring(run(2000))) > 0; i++);
  let least = Infinity;
  for (let i = 0; i < 3 && least > 0; i++) least = Math.min(least, await scavengesDuring(run(10_000)));
  return least;
};
const perCall = await calls();
const f = new Float32Array(64);
let views = 0;
const control = await scavengesDuring(() => {
  for (let i = 0; i < 4 * N; i++) views += f.subarray(i % 8, 16).length;
});
console.log(JSON.stringify({ greedy, sampled, rerun, decode, calls: perCall, control: control > 0, tokens: N, valid: last >= 0 && last < V && views > 0 }));
