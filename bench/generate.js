// Generation tokens/s with the key/value cache against the re-run of the whole window
// (cache: false), at nanoGPT's small CPU configuration (vocab 65, 4 layers, 4 heads, width 128,
// block 64) and at block 256: each call generates block - 1 tokens from a one-token prompt (the
// regime the cache is for; past the block both re-run the window a token), greedy, in
// interleaved rounds (bench/rounds.js; three of one call each at block 256, where a re-run call takes seconds);
// and the prefill of a prompt of `block` tokens (one call of maxNewTokens 1: the prompt through the
// cache, the last position's logits and one token). `node bench/generate.js [--threads N]`.
import { init, layers, Sequential } from '../dist/node.js';
import { interleaved, speedup } from './rounds.js';

const at = process.argv.indexOf('--threads'), threads = at > 0 ? Number(process.argv[at + 1]) : 1;
await init(undefined, { threads });
for (const block of [64, 256]) {
  const model = new Sequential([
    layers.embedding({ inputDim: 65, outputDim: 128, inputShape: [block] }),
    layers.positionalEmbedding({ maxLength: block, outputDim: 128 }),
    ...Array.from({ length: 4 }, () => layers.transformerBlock({ numHeads: 4 })),
    layers.layerNormalization(),
    layers.dense({ units: 65, useBias: false }),
  ], { seed: 0 });
  const n = block - 1;
  const run = (cache) => () => model.generate([0], { maxNewTokens: n, temperature: 0, cache });
  const same = run(true)().every((t, i, a) => t === run(false)()[i]);
  const r = await interleaved([{ name: 'cache', fn: run(true) }, { name: 'rerun', fn: run(false) }], block === 64 ? { time: 400 } : { rounds: 3, time: 1 });
  const tps = (name) => (n / (r[name].ms / 1000)).toFixed(0);
  console.log(`block ${block}: ${n} tokens a call, ${threads} thread(s): cache ${tps('cache')} tokens/s, re-run ${tps('rerun')} tokens/s, ${speedup(r, 'cache', 'rerun').toFixed(1)}x (same tokens: ${same})`);
  const prompt = Array.from({ length: block }, (_, i) => (i * 7 + 3) % 65);
  const p = await interleaved([{ name: 'prefill', fn: () => model.generate(prompt, { maxNewTokens: 1, temperature: 0 }) }], { time: 400 });
  console.log(`block ${block}: prefill of ${block} tokens ${p.prefill.ms.toFixed(2)} ms`);
  model.dispose();
}
