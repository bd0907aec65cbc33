// What load refuses, and what it takes: checksums (a flipped byte, a byte-swapped buffer, an
// edited topology), impossible state (a negative variance or second moment, a fractional or
// negative step count, one optimizer's state given to another), any byte view and the
// single-file form, Node's one-call file helpers, and files of format version 1.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { init, Model, Sequential, layers, optimizers, encodeModel, decodeModel, type SavedModel } from 'wasmnn';
import { saveModelFile, loadModelFile } from 'wasmnn/fs';
import { moons, bits, golden } from '../helpers/fixtures.js';
import { reseal } from '../helpers/reseal.js';

beforeAll(async () => {
  await init(undefined, { simd: 'plain' });
});

const { x, y } = moons();

async function trained(opt = optimizers.adam({ lr: 0.01 })) {
  const m = new Sequential([layers.dense({ inputDim: 2, units: 8, activation: 'relu' }), layers.batchNorm(), layers.dense({ units: 1 })], { seed: 2 });
  m.compile({ loss: 'bceWithLogits', optimizer: opt });
  await m.fit(x, y, { epochs: 2, batchSize: 50 });
  return m;
}
const clone = (s: SavedModel): SavedModel => ({ topology: JSON.parse(JSON.stringify(s.topology)), weights: s.weights.slice(0) });
/** Float index where a section starts: after the parameters, the running statistics and `slots` optimizer slots. */
const offset = (s: SavedModel, what: 'runningVar' | 'slot', k = 0) => {
  const t = s.topology;
  const params = t.params.reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  if (what === 'runningVar') return params + t.buffers[0].length;
  return params + t.buffers.reduce((n, b) => n + b.length, 0) + t.training!.slots.slice(0, k).reduce((a, b) => a + b, 0);
};

describe('load refuses a damaged file, naming the problem', () => {
  it('a flipped byte in the weights, a byte-swapped buffer, an edited topology', async () => {
    const m = await trained();
    const good = m.save({ includeOptimizer: true });
    const flip = clone(good);
    new Uint8Array(flip.weights)[5] ^= 0x04; // a low mantissa bit: a finite, plausible weight
    expect(Number.isFinite(new DataView(flip.weights).getFloat32(4, true))).toBe(true);
    expect(() => Sequential.load(flip)).toThrow(/weight buffer does not match its checksum .*damaged/);
    const swapped = clone(good);
    const u = new Uint8Array(swapped.weights);
    for (let i = 0; i < u.length; i += 4) u.subarray(i, i + 4).reverse();
    expect(() => Sequential.load(swapped)).toThrow(/byte-swapped: its 4-byte words are big-endian/);
    const edited = clone(good);
    (edited.topology.training!.optimizer as { lr: number }).lr = 0.02;
    expect(() => Sequential.load(edited)).toThrow(/topology does not match its checksum/);
    // A key order changed by a store that sorts keys is not damage.
    const sorted = clone(good);
    sorted.topology = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(sorted.topology).reverse())));
    expect(bits(Sequential.load(sorted).getWeights())).toEqual(bits(m.getWeights()));
    // The single-file form: a flipped byte in its topology text.
    const file = encodeModel(good);
    const at = new TextDecoder().decode(file).indexOf('"units":8') + 8;
    file[at] = '9'.charCodeAt(0);
    expect(() => Sequential.load(file)).toThrow(/does not match its checksum|describes/);
    expect(() => Sequential.load(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]))).toThrow(/not a wasmnn model file/);
  });

  it('impossible values, even with valid checksums: a negative variance or second moment, fractional or negative step counts', async () => {
    const good = (await trained()).save({ includeOptimizer: true });
    const variance = clone(good);
    new DataView(variance.weights).setFloat32(4 * (offset(good, 'runningVar') + 3), -0.5, true);
    expect(() => Sequential.load(reseal(variance))).toThrow(/batch_norm_1's running variance is negative \(-0.5 at index 3\)/);
    const moment = clone(good);
    new DataView(moment.weights).setFloat32(4 * (offset(good, 'slot', 1) + 2), -1e-6, true);
    expect(() => Sequential.load(reseal(moment))).toThrow(/slot 1 \(adam's second moment v, which cannot be negative\) has -9.99.*e-7 at index 2/);
    for (const [key, v] of [['iterations', 2.5], ['iterations', -1], ['scheduleStep', 0.5], ['epochs', -2]] as const) {
      const c = clone(good);
      (c.topology.training as Record<string, unknown>)[key] = v;
      expect(() => Sequential.load(reseal(c))).toThrow(new RegExp(`${key} must be an integer >= 0, got ${v}`));
    }
  });

  it("one optimizer's state given to another kind: Adam's to NAdam, in a file or through importState", async () => {
    const adam = await trained();
    const saved = clone(adam.save({ includeOptimizer: true }));
    // The same slot layout (m and v): only the kind tells them apart.
    saved.topology.training!.optimizer = optimizers.nadam({ lr: 0.01 }).getConfig();
    expect(() => Sequential.load(reseal(saved))).toThrow(/optimizer state is an 'adam' optimizer's; this optimizer is 'nadam'/);
    const nadam = optimizers.nadam({ lr: 0.01 }, adam.parameters());
    expect(() => nadam.importState(adam.optimizer!.exportState())).toThrow(/'adam' optimizer's; this optimizer is 'nadam'/);
    const state = nadam.exportState();
    expect(() => nadam.importState({ ...state, extra: {} })).toThrow(/nadam optimizer's extra state is \{ muProduct \}/);
    expect(() => nadam.importState({ ...state, iterations: 1.5 })).toThrow(/iterations must be an integer >= 0, got 1.5/);
    nadam.dispose();
  });
});

describe('load takes any byte view, the single-file form, and version 1 files', () => {
  it('weights as a Node Buffer, a Uint8Array inside a larger buffer, an ArrayBuffer; a file read back with readFileSync', async () => {
    const m = await trained();
    const saved = m.save({ includeOptimizer: true });
    const want = bits(m.getWeights());
    expect(bits(Sequential.load({ topology: saved.topology, weights: Buffer.from(saved.weights) }).getWeights())).toEqual(want);
    const pool = new Uint8Array(saved.weights.byteLength + 13);
    pool.set(new Uint8Array(saved.weights), 5); // an unaligned window, as Node's pool hands out
    expect(bits(Sequential.load({ topology: saved.topology, weights: pool.subarray(5, 5 + saved.weights.byteLength) }).getWeights())).toEqual(want);
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-'));
    const f = join(dir, 'small.wasmnn');
    writeFileSync(f, encodeModel(saved));
    const buf = readFileSync(f); // a small file: a view into Node's shared pool
    expect(bits(Sequential.load(buf).getWeights())).toEqual(want);
    expect(decodeModel(buf).topology).toEqual(saved.topology);
  });

  it('saveModelFile and loadModelFile (wasmnn/fs): one line each, and training resumes exactly', async () => {
    const a = await trained();
    const f = join(mkdtempSync(join(tmpdir(), 'wasmnn-')), 'm.wasmnn');
    await saveModelFile(a, f, { includeOptimizer: true });
    const b = await loadModelFile(f);
    expect(b).toBeInstanceOf(Sequential);
    const ha = await a.fit(x, y, { epochs: 2, batchSize: 50 });
    const hb = await b.fit(x, y, { epochs: 2, batchSize: 50 });
    expect(hb).toEqual(ha);
    expect(bits(b.getWeights())).toEqual(bits(a.getWeights()));
    expect(await loadModelFile(f).then((m) => m instanceof Model)).toBe(true);
  });

  it('a version 1 file (no checksums) written by the code before them still loads, predicting what it predicted', () => {
    const v1 = golden('model-v1.json');
    expect(v1.topology.version).toBe(1);
    const m = Sequential.load({ topology: v1.topology, weights: Buffer.from(v1.weights, 'base64') });
    expect(Array.from(m.predict(v1.probe).data)).toEqual(v1.predict);
    expect(m.optimizer!.iterations).toBe(v1.topology.training.iterations);
  });
});
