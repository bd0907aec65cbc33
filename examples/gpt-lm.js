// A character-level GPT over any text, shared by examples/char-gpt.js (Debian's fortunes) and
// npm start (the built-in Genesis): nanoGPT's model (token and learned position embeddings, pre-norm
// transformer blocks, a final layer norm, a linear head over the vocabulary; no weight tying) and
// its recipe for character data: random windows of `block` characters (data.sequenceBatches), the
// next character at every position as the target, AdamW (betas 0.9/0.99, weight decay 0.1 on the
// matrices and tables, not on biases and layer norms, as nanoGPT's two param groups) after the
// gradients' global norm is clipped to 1. Losses are the mean cross-entropy per character, in nats.
import { Sequential, layers, optimizers, data } from 'wasmnn';

export function gptLm(text, { nLayer = 4, nHead = 4, width = 128, block = 64, batchSize = 12, lr = 1e-3, dropout = 0, seed = 0 } = {}) {
  const tok = data.charTokenizer(text);
  const V = tok.vocabSize;
  const { train, validation } = data.splitSequence(tok.encode(text));
  const model = new Sequential([
    layers.embedding({ inputDim: V, outputDim: width, inputShape: [block] }),
    layers.positionalEmbedding({ maxLength: block, outputDim: width }),
    ...Array.from({ length: nLayer }, () => layers.transformerBlock({ numHeads: nHead, dropout })),
    layers.layerNormalization(),
    layers.dense({ units: V, useBias: false }),
  ], { seed });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr, beta2: 0.99, weightDecay: 0.1, exclude: ['bias', 'norm'], globalClipNorm: 1 }) });
  model.tokenizer = tok; // saved with the model
  const batches = data.sequenceBatches(train, { blockSize: block, batchSize, seed: seed + 1 });
  const valBatches = data.sequenceBatches(validation, { blockSize: block, batchSize, seed: seed + 2 });
  return {
    model, tok, train, validation, tokensPerStep: batchSize * block,
    /** One training step on a random batch of windows; its loss. */
    step() {
      const b = batches.next();
      return model.trainOnBatch(b.x, b.y);
    },
    /** The mean loss over n random validation batches. */
    validationLoss(n = 20) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const b = valBatches.next();
        sum += model.evaluate(b.x, b.y).loss;
      }
      return sum / n;
    },
    /** n characters generated after `start` (seeded; topK 0 samples from the whole softmax). */
    sample(n, start, { seed: sampleSeed = 1, temperature = 1, topK } = {}) {
      const ids = model.generate(tok.encode(start), { maxNewTokens: n, seed: sampleSeed, temperature, topK });
      return tok.decode(ids.subarray(ids.length - n));
    },
  };
}
