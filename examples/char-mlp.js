// A character-level language model (examples/char-lm.js) on real English text: Debian's fortunes
// (15 217 quotations, 2.56 million characters, 113 distinct), one quotation after another with a
// blank line between. Prints the validation loss in nats per character against the unigram
// baseline every 1000 steps, and a sample.
//   node examples/char-mlp.js [fortune file or directory] [--steps N] [--threads N]
// The files come with Debian's fortunes package (/usr/share/games/fortunes).
import { existsSync } from 'node:fs';
import { init, data } from 'wasmnn';
import { charLm } from './char-lm.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const path = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--'))) ?? '/usr/share/games/fortunes';
const steps = flag('--steps', 4000);
const threads = flag('--threads', 1);
if (!existsSync(path)) {
  console.error(`The fortune files are not at ${path}.`);
  console.error('On Debian or Ubuntu: sudo apt-get install fortunes (it puts them in /usr/share/games/fortunes),');
  console.error('or pass any UTF-8 fortune file (entries between lines of %) or a directory of them: node examples/char-mlp.js PATH');
  process.exit(1);
}

await init(undefined, { threads });
const text = (await data.loadFortunes(path)).join('\n\n');
const lm = charLm(text, { context: 4, hidden: 256 });
console.log(`${text.length} characters, vocabulary ${lm.tok.vocabSize}, ${lm.train.length} for training, ${lm.validation.length} for validation`);
console.log(`before training: validation ${lm.validationLoss().toFixed(3)} nats/char (uniform ln ${lm.tok.vocabSize} = ${Math.log(lm.tok.vocabSize).toFixed(3)}, unigram ${lm.unigram.toFixed(3)})`);
const started = performance.now();
let running = 0;
for (let s = 1; s <= steps; s++) {
  running += lm.step();
  if (s % 1000 === 0) {
    const seconds = (performance.now() - started) / 1000;
    console.log(`step ${s}: train ${(running / 1000).toFixed(3)}, validation ${lm.validationLoss().toFixed(3)} nats/char, ${((s * 128) / seconds).toFixed(0)} windows/s (${threads} thread${threads > 1 ? 's' : ''})`);
    running = 0;
  }
}
console.log(`sample:\n${lm.sample(300, '\n\n')}`);
