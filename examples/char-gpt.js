// A character-level GPT (examples/gpt-lm.js) on real English text, Debian's fortunes (15 217
// quotations, 2.56 million characters, 113 distinct), in nanoGPT's small CPU configuration:
// 4 layers, 4 heads, width 128, block 64, batch 12, dropout 0, AdamW 1e-3. Every `--eval` steps it
// prints the training and validation loss (nats per character), training tokens/s and a sample.
//   node examples/char-gpt.js [fortune file or directory] [--steps N] [--eval N] [--threads N] [--seed N]
// The files come with Debian's fortunes package (/usr/share/games/fortunes).
import { existsSync } from 'node:fs';
import { init, data } from 'wasmnn';
import { gptLm } from './gpt-lm.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const path = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? '/usr/share/games/fortunes';
const steps = flag('--steps', 2000), every = flag('--eval', 250), threads = flag('--threads', 1), seed = flag('--seed', 0);
if (!existsSync(path)) {
  console.error(`The fortune files are not at ${path}.`);
  console.error('On Debian or Ubuntu: sudo apt-get install fortunes (it puts them in /usr/share/games/fortunes),');
  console.error('or pass any UTF-8 fortune file (entries between lines of %) or a directory of them: node examples/char-gpt.js PATH');
  process.exit(1);
}

const rt = await init(undefined, { threads });
const text = (await data.loadFortunes(path)).join('\n\n');
const lm = gptLm(text, { nLayer: 4, nHead: 4, width: 128, block: 64, batchSize: 12, lr: 1e-3, dropout: 0, seed });
console.log(`${text.length} characters, vocabulary ${lm.tok.vocabSize}, ${lm.train.length} for training, ${lm.validation.length} for validation; ${lm.model.countParams()} parameters, ${rt.threads} thread${rt.threads > 1 ? 's' : ''}`);
console.log(`step 0: validation ${lm.validationLoss().toFixed(3)} nats/char (uniform ln ${lm.tok.vocabSize} = ${Math.log(lm.tok.vocabSize).toFixed(3)})`);
let running = 0, trainSeconds = 0;
for (let s = 1; s <= steps; s++) {
  const t0 = performance.now();
  running += lm.step();
  trainSeconds += (performance.now() - t0) / 1000;
  if (s % every === 0 || s === steps) {
    const n = s % every || every;
    console.log(`step ${s}: train ${(running / n).toFixed(3)}, validation ${lm.validationLoss().toFixed(3)} nats/char, ${((s * lm.tokensPerStep) / trainSeconds).toFixed(0)} training tokens/s`);
    console.log(`  ${JSON.stringify(lm.sample(120, '\n\n', { seed: s }))}`);
    running = 0;
  }
}
