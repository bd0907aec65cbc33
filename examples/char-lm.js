// A character-level language model over any text, shared by examples/char-mlp.js (Debian's
// fortunes) and npm start (the built-in Genesis): Bengio et al.'s (2003) model as in Karpathy's
// makemore, the last `context` characters one-hot and concatenated, a tanh hidden layer, logits over
// the vocabulary; AdamW with the biases not decayed. The data path is the one a transformer uses
// (issue #22): data.charTokenizer, data.splitSequence (the first 90% for training),
// data.sequenceBatches (random windows and their next tokens); this model predicts the token after
// each window, y[:, T-1]. Losses are in nats per character.
import { Sequential, layers, optimizers, data } from 'wasmnn';

export function charLm(text, { context = 4, hidden = 256, batchSize = 128, lr = 3e-3, weightDecay = 0.01, seed = 0 } = {}) {
  const tok = data.charTokenizer(text);
  const V = tok.vocabSize;
  const { train, validation } = data.splitSequence(tok.encode(text));
  // One-hot contexts written into buffers made once, so a training step allocates nothing.
  const x = { data: new Float32Array(batchSize * context * V), shape: [batchSize, context * V] };
  const y = { data: new Int32Array(batchSize), shape: [batchSize, 1] };
  const fill = (b) => {
    x.data.fill(0);
    for (let r = 0; r < batchSize; r++) {
      for (let t = 0; t < context; t++) x.data[(r * context + t) * V + b.x.data[r * context + t]] = 1;
      y.data[r] = b.y.data[r * context + context - 1]; // the token after the window
    }
  };
  const model = new Sequential([
    layers.dense({ inputDim: context * V, units: hidden, activation: 'tanh' }),
    layers.dense({ units: V }),
  ], { seed });
  model.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adamw({ lr, weightDecay, exclude: ['bias'] }) });
  model.tokenizer = tok; // saved with the model
  const batches = data.sequenceBatches(train, { blockSize: context, batchSize, seed: seed + 1 });
  const valBatches = data.sequenceBatches(validation, { blockSize: context, batchSize, seed: seed + 2 });
  const counts = new Float64Array(V);
  for (const id of train) counts[id]++;
  return {
    model, tok, train, validation,
    /** The entropy of the training characters' frequencies: what a model of no context reaches. */
    unigram: -counts.reduce((s, c) => (c ? s + (c / train.length) * Math.log(c / train.length) : s), 0),
    /** One training step on a random batch; its loss. */
    step: () => (fill(batches.next()), model.trainOnBatch(x, y)),
    validationLoss(n = 40) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (fill(valBatches.next()), model.evaluate(x, y).loss);
      return sum / n;
    },
    /** n characters drawn from the model's softmax after `start` (seeded). */
    sample(n, start, sampleSeed = 12345) {
      let state = sampleSeed;
      const uniform = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
      const one = { data: new Float32Array(context * V), shape: [1, context * V] };
      const window = tok.encode(start.padStart(context, start[0]).slice(-context));
      let out = '';
      for (let i = 0; i < n; i++) {
        one.data.fill(0);
        for (let t = 0; t < context; t++) one.data[t * V + window[t]] = 1;
        const logits = model.predict(one).data;
        const max = Math.max(...logits);
        const p = Array.from(logits, (l) => Math.exp(l - max));
        let u = uniform() * p.reduce((a, b) => a + b, 0), next = 0;
        while ((u -= p[next]) > 0 && next < V - 1) next++;
        window.copyWithin(0, 1);
        window[context - 1] = next;
        out += tok.vocab[next];
      }
      return out;
    },
  };
}
