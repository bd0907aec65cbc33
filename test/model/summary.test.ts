import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers } from 'wasmnn';

beforeAll(async () => {
  await init();
});

describe('summary', () => {
  it('2-20-3-1: 60 + 63 + 4 = 127 parameters; MACs 40 + 60 + 3 = 103 per sample; outputs (20 + 3 + 1) * 4 = 96 bytes', () => {
    const m = new Sequential([layers.dense({ inputDim: 2, units: 20, activation: 'relu' }), layers.dense({ units: 3, activation: 'relu' }), layers.dense({ units: 1 })]);
    const text = m.summary(false);
    expect(m.countParams()).toBe(127);
    expect(text).toMatch(/Layer\s+Output shape\s+Params\s+MACs\/sample\s+FLOPs\/sample\s+Output bytes\/sample\n/);
    expect(text).toMatch(/dense_0 \(dense, relu\)\s+\[batch, 20\]\s+60\s+40\s+80\s+80\n/);
    expect(text).toMatch(/dense_1 \(dense, relu\)\s+\[batch, 3\]\s+63\s+60\s+120\s+12\n/);
    expect(text).toMatch(/dense_2 \(dense\)\s+\[batch, 1\]\s+4\s+3\s+6\s+4\n/);
    expect(text).toContain('Outputs per sample (feature maps, float32): 24 floats, 96 bytes (0.09 KiB)');
    expect(text).toContain('Total params: 127 (trainable 127, non-trainable 0)');
    expect(text).toContain('MACs per sample: 103; FLOPs per sample: 206');
  });
  it('784-256-128-10: 200 960 + 32 896 + 1 290 = 235 146 parameters', () => {
    const m = new Sequential([layers.dense({ inputDim: 784, units: 256, activation: 'relu' }), layers.dense({ units: 128, activation: 'relu' }), layers.dense({ units: 10 })]);
    expect(m.countParams()).toBe(235146);
    // MACs: 784*256 + 256*128 + 128*10 = 200 704 + 32 768 + 1 280 = 234 752
    expect(m.summary(false)).toContain('MACs per sample: 234,752; FLOPs per sample: 469,504');
    m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam(), batchSize: 128 });
    // 235 146 floats = 0.90 MiB each for parameters and gradients, twice that for Adam's m and v.
    expect(m.summary(false)).toMatch(/parameters 0\.90 MiB, gradients 0\.90 MiB, optimizer state 1\.79 MiB, activations for a batch of 128: \d/);
  });
  it("the tfjs MNIST CNN of README's CNN section: MACs and output bytes per layer, worked by hand", () => {
    const m = new Sequential([
      layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }),
      layers.flatten(),
      layers.dense({ units: 64, activation: 'relu' }),
      layers.dense({ units: 10 }),
    ]);
    const text = m.summary(false);
    // MACs = oh*ow*cout * kh*kw*cin for a conv, in*out for a dense; bytes = 4 * output elements.
    //   conv 16: 26*26*16 * 3*3*1  = 10 816 * 9   =  97 344; 10 816 floats = 43 264 bytes; params 16*9 + 16 = 160
    //   pool:    13*13*16 = 2 704 floats = 10 816 bytes (floor(26/2) = 13)
    //   conv 32: 11*11*32 * 3*3*16 = 3 872 * 144 = 557 568; 15 488 bytes; params 32*144 + 32 = 4 640
    //   pool:    5*5*32 = 800 floats = 3 200 bytes (floor(11/2) = 5)
    //   conv 32: 3*3*32 * 3*3*32  = 288 * 288   =  82 944; 1 152 bytes; params 32*288 + 32 = 9 248
    //   flatten: 288 floats = 1 152 bytes
    //   dense 64: 288*64 = 18 432; 256 bytes; params 18 432 + 64 = 18 496
    //   dense 10: 64*10 = 640; 40 bytes; params 650
    // Total MACs 97 344 + 557 568 + 82 944 + 18 432 + 640 = 756 928; floats 10 816 + 2 704 + 3 872
    // + 800 + 288 + 288 + 64 + 10 = 18 842 = 75 368 bytes = 73.60 KiB.
    const rows: [string, string, string, string, string][] = [
      ['conv2d_0 \\(conv2d, relu\\)', '26, 26, 16', '160', '97,344', '43,264'],
      ['maxPooling2d_1 \\(maxPooling2d\\)', '13, 13, 16', '0', '0', '10,816'],
      ['conv2d_2 \\(conv2d, relu\\)', '11, 11, 32', '4,640', '557,568', '15,488'],
      ['maxPooling2d_3 \\(maxPooling2d\\)', '5, 5, 32', '0', '0', '3,200'],
      ['conv2d_4 \\(conv2d, relu\\)', '3, 3, 32', '9,248', '82,944', '1,152'],
      ['flatten_5 \\(flatten\\)', '288', '0', '0', '1,152'],
      ['dense_6 \\(dense, relu\\)', '64', '18,496', '18,432', '256'],
      ['dense_7 \\(dense\\)', '10', '650', '640', '40'],
    ];
    for (const [name, shape, params, macs, bytes] of rows) {
      const flops = (2 * Number(macs.replace(/,/g, ''))).toLocaleString('en-US');
      expect(text).toMatch(new RegExp(`${name}\\s+\\[batch, ${shape}\\]\\s+${params}\\s+${macs}\\s+${flops}\\s+${bytes}\\n`));
    }
    expect(text).toContain('Total params: 33,194 (trainable 33,194, non-trainable 0)');
    expect(text).toContain('MACs per sample: 756,928; FLOPs per sample: 1,513,856');
    expect(text).toContain('Outputs per sample (feature maps, float32): 18,842 floats, 75,368 bytes (73.60 KiB)');
  });

  it('dense on a rank-3 input counts in*out at each position, batch norm on images one MAC per element', () => {
    const m = new Sequential([layers.reshape({ inputShape: [12], targetShape: [3, 4] }), layers.dense({ units: 2 }), layers.reshape({ targetShape: [3, 2, 1] }), layers.batchNorm()]);
    const text = m.summary(false);
    expect(text).toMatch(/dense_1 \(dense\)\s+\[batch, 3, 2\]\s+10\s+24\s+48\s+24\n/); // 3 positions * 4 * 2
    expect(text).toMatch(/batch_norm_3 \(batchNorm\)\s+\[batch, 3, 2, 1\]\s+2\s+6\s+12\s+24\n/); // 3*2*1 elements
  });

  it('a tiny GPT at its sequence length t (8, then 4): embeddings 0 MACs, attention t*t*d twice per head, worked by hand', () => {
    const gpt = (t: number) => new Sequential([
      layers.embedding({ inputDim: 12, outputDim: 16, inputShape: [t] }), layers.positionalEmbedding({ maxLength: 8, outputDim: 16 }),
      layers.transformerBlock({ numHeads: 2 }), layers.transformerBlock({ numHeads: 2 }), layers.layerNormalization(), layers.dense({ units: 12, useBias: false }),
    ]);
    // Width w 16, 2 heads of d 8 (h*d = 16), MLP 64, vocabulary 12. Params: tables 12*16 = 192 and 8*16 = 128;
    // a block ln_1 32 + c_attn 16*48+48 = 816 + c_proj 16*16+16 = 272 + ln_2 32 + c_fc 16*64+64 = 1 088
    // + c_proj 64*16+16 = 1 040 = 3 280; the last norm 32, the head 16*12 = 192: 7 104 in all.
    // MACs per block at t: norms 2*t*16, qkv t*16*48, q k^T and p v t*t*16 each (causal counted dense),
    // c_proj t*16*16, MLP 2*t*16*64. t 8: 256 + 6 144 + 2*1 024 + 2 048 + 16 384 = 26 880;
    // the norm 8*16 = 128, the head 8*16*12 = 1 536: 2*26 880 + 128 + 1 536 = 55 424.
    const text = gpt(8).summary(false);
    for (const [name, shape, params, macs] of [['embedding_0 (embedding)', '8, 16', '192', '0'], ['positional_embedding_1 (positionalEmbedding)', '8, 16', '128', '0'],
      ['transformer_block_2 (transformerBlock)', '8, 16', '3,280', '26,880'], ['transformer_block_3 (transformerBlock)', '8, 16', '3,280', '26,880'],
      ['layer_normalization_4 (layerNormalization)', '8, 16', '32', '128'], ['dense_5 (dense)', '8, 12', '192', '1,536']]) {
      expect(text).toMatch(new RegExp(`${name.replace(/[()]/g, '\\$&')}\\s+\\[batch, ${shape}\\]\\s+${params}\\s+${macs}\\s`));
    }
    expect(text).toContain('Total params: 7,104 (trainable 7,104, non-trainable 0)');
    expect(text).toContain('MACs per sample: 55,424; FLOPs per sample: 110,848');
    // t 4: 128 + 3 072 + 2*256 + 1 024 + 8 192 = 12 928 a block (the t*t terms a quarter, the rest a half);
    // 2*12 928 + 64 + 768 = 26 688.
    const short = gpt(4).summary(false);
    expect(short).toMatch(/transformer_block_2 \(transformerBlock\)\s+\[batch, 4, 16\]\s+3,280\s+12,928\s/);
    expect(short).toContain('MACs per sample: 26,688;');
  });

  it('counts batchNorm running statistics as non-trainable', () => {
    const m = new Sequential([layers.dense({ inputDim: 4, units: 8 }), layers.batchNorm()]);
    expect(m.summary(false)).toContain('Total params: 72 (trainable 56, non-trainable 16)');
  });
});
