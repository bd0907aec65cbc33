// The wasmnn half of the PyTorch check of the GPT export (see test/fixtures/README.md): two seeded
// GPTs exported as toSafetensors(m, { layout: 'pytorch' }) (nanoGPT's state_dict names) and
// toPytorchModule(m) (nanoGPT's classes) to test/fixtures/wasmnn_gpt_{a,b}.safetensors and .py.
// tools/golden/wasmnn_gpt_check.py loads them in PyTorch and records its logits;
// test/interop/pytorch-gpt.test.ts rebuilds the same models and checks the files and the logits.
// Run from the repository root after `npm run build`:
//   node tools/golden/wasmnn_gpt.mjs
import { writeFileSync } from 'node:fs';
import { init, Sequential, layers, toSafetensors, toPytorchModule } from 'wasmnn';

/** The layer norms' gamma and beta set by formula (they start at 1 and 0, which would hide a swap or a transpose of them). */
function setNorms(m) {
  const ws = m.getWeights();
  m.parameters().forEach((p, i) => {
    if (p.name.endsWith('/gamma')) ws[i] = Float32Array.from(ws[i], (_, k) => 0.75 + 0.0625 * ((k * 5 + i) % 9));
    if (p.name.endsWith('/beta')) ws[i] = Float32Array.from(ws[i], (_, k) => 0.125 * (((k * 3 + i) % 7) - 3));
  });
  m.setWeights(ws);
  return m;
}

/**
 * a: the tiny GPT of test/model/tiny-gpt.test.ts (vocab 12, block 8, width 16, 2 causal blocks of
 * 2 heads, lm_head without bias); b: vocab 7, windows of 5 in a table of 6 positions, width 12,
 * one block of 3 heads of 5 (heads x head_dim 15 != width), mlpRatio 2, not causal, epsilon 1e-3,
 * then a second of 2 heads, and an lm_head with a bias.
 */
export function gptModels() {
  const a = new Sequential([
    layers.embedding({ inputDim: 12, outputDim: 16, inputShape: [8] }),
    layers.positionalEmbedding({ maxLength: 8, outputDim: 16 }),
    layers.transformerBlock({ numHeads: 2 }),
    layers.transformerBlock({ numHeads: 2 }),
    layers.layerNormalization(),
    layers.dense({ units: 12, useBias: false }),
  ], { seed: 12 });
  const b = new Sequential([
    layers.embedding({ inputDim: 7, outputDim: 12, inputShape: [5] }),
    layers.positionalEmbedding({ maxLength: 6, outputDim: 12 }),
    layers.transformerBlock({ numHeads: 3, keyDim: 5, mlpRatio: 2, causal: false, epsilon: 1e-3 }),
    layers.transformerBlock({ numHeads: 2, dropout: 0.1 }),
    layers.layerNormalization({ epsilon: 1e-4 }),
    layers.dense({ units: 7 }),
  ], { seed: 13 });
  return { a: setNorms(a), b: setNorms(b) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await init();
  for (const [k, m] of Object.entries(gptModels())) {
    writeFileSync(`test/fixtures/wasmnn_gpt_${k}.safetensors`, toSafetensors(m, { layout: 'pytorch' }));
    writeFileSync(`test/fixtures/wasmnn_gpt_${k}.py`, toPytorchModule(m) + '\n');
  }
}
