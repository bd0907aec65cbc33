// data.sequenceBatches (nanoGPT's get_batch) and data.splitSequence: windows and their next-token
// targets, the seeded starts (every start reachable, none past the last window, about uniform),
// resuming a stream, errors; and { data: Int32Array, shape } batches read in place by trainOnBatch
// and valueAndGrad as int32 targets.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, data, Sequential, layers, optimizers, parameter, valueAndGrad, input, ops } from 'wasmnn';

beforeAll(async () => {
  await init();
});

const ramp = (n: number) => Int32Array.from({ length: n }, (_, i) => (i * 7) % 101);

describe('sequenceBatches', () => {
  it('x is a window of ids at each start and y the same window one token on, [batchSize, blockSize] int32', () => {
    const ids = ramp(500);
    const b = data.sequenceBatches(ids, { blockSize: 8, batchSize: 5, seed: 3 });
    expect(b.windows).toBe(492);
    const { x, y } = b;
    expect(x.shape).toEqual([5, 8]);
    expect(y.shape).toEqual([5, 8]);
    for (let k = 0; k < 20; k++) {
      b.next();
      expect(b.x).toBe(x); // the same objects and arrays, refilled
      expect(b.y.data).toBe(y.data);
      for (let r = 0; r < 5; r++) {
        const i = b.starts[r];
        expect(i >= 0 && i < 492).toBe(true);
        expect(Array.from(x.data.subarray(r * 8, r * 8 + 8))).toEqual(Array.from(ids.subarray(i, i + 8)));
        expect(Array.from(y.data.subarray(r * 8, r * 8 + 8))).toEqual(Array.from(ids.subarray(i + 1, i + 9)));
      }
    }
  });

  it('a seed repeats its batches; another seed gives others; exportRng/importRng resume a stream', () => {
    const ids = ramp(1000);
    const opts = { blockSize: 4, batchSize: 3 };
    const a = data.sequenceBatches(ids, { ...opts, seed: 7 });
    const b = data.sequenceBatches(ids, { ...opts, seed: 7 });
    const c = data.sequenceBatches(ids, { ...opts, seed: 8 });
    const seen = (s: data.SequenceBatches) => Array.from(s.next().starts);
    const first = seen(a);
    expect(seen(b)).toEqual(first);
    expect(seen(c)).not.toEqual(first);
    const state = a.exportRng();
    const next = [seen(a), seen(a)];
    const d = data.sequenceBatches(ids, { ...opts, seed: 0 });
    d.importRng(state);
    expect([seen(d), seen(d)]).toEqual(next);
    expect(() => d.importRng([0, 0, 0, 0])).toThrow(/not all zero/);
    expect(() => d.importRng([1, 2, 3])).toThrow(/takes the 4 words exportRng\(\) gives/);
  });

  it('every start in [0, n - blockSize) is drawn, the last one included and none after it, about equally often', () => {
    // 7 ids, blockSize 2: windows start at 0..4 (the last, 4, has y = ids[5..7)); the mask is 7, so draws 5-7 are redrawn.
    const b = data.sequenceBatches([0, 1, 2, 3, 4, 5, 6], { blockSize: 2, batchSize: 10, seed: 1 });
    const counts = [0, 0, 0, 0, 0];
    for (let k = 0; k < 2000; k++) for (const s of b.next().starts) counts[s]++;
    // 20 000 draws, 4000 expected each: a binomial sd of 57, so 5 sd is 283.
    for (const c of counts) expect(Math.abs(c - 4000)).toBeLessThan(283);
    expect(Array.from(b.y.data.subarray(0, 2))).toEqual([b.starts[0] + 1, b.starts[0] + 2]);
    // One window only: blockSize n - 1 always starts at 0.
    const one = data.sequenceBatches([5, 6, 7], { blockSize: 2, batchSize: 2 }).next();
    expect(Array.from(one.x.data)).toEqual([5, 6, 5, 6]);
    expect(Array.from(one.y.data)).toEqual([6, 7, 6, 7]);
  });

  it('takes an array of integers (copied once) or an Int32Array (read in place)', () => {
    const b = data.sequenceBatches([3, 1, 4, 1, 5], { blockSize: 4, batchSize: 1 }).next();
    expect(Array.from(b.x.data)).toEqual([3, 1, 4, 1]);
    expect(Array.from(b.y.data)).toEqual([1, 4, 1, 5]);
  });

  it('refuses a blockSize the sequence cannot fill, batchSize < 1, bad ids, a bad seed and unknown options', () => {
    const ids = ramp(10);
    const make = (o: object, v: ArrayLike<number> = ids) => () => data.sequenceBatches(v, o as never);
    expect(make({ blockSize: 10, batchSize: 2 })).toThrow(/blockSize 10 needs at least 11 ids \(a window and the token after it\), the sequence has 10/);
    expect(make({ blockSize: 64, batchSize: 2 })).toThrow(/blockSize 64 needs at least 65 ids/);
    expect(make({ blockSize: 4, batchSize: 0 })).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(make({ blockSize: 4, batchSize: 2.5 })).toThrow(/batchSize must be an integer >= 1, got 2.5/);
    expect(make({ blockSize: 0, batchSize: 2 })).toThrow(/blockSize must be an integer >= 1, got 0/);
    expect(make({ blockSize: '4', batchSize: 2 })).toThrow(/blockSize must be an integer >= 1, got the string "4"/);
    expect(make({ batchSize: 2 })).toThrow(/blockSize must be an integer >= 1, got undefined/);
    expect(make({ blockSize: 4, batchSize: 2, seed: -1 })).toThrow(/seed must be an integer in \[0, 2\^32\), got -1/);
    expect(make({ blockSize: 4, batchSize: 2, block_size: 4 })).toThrow(/block_size/);
    expect(make({ blockSize: 4, batchSize: 2, shuffle: true })).toThrow(/shuffle/);
    expect(make({ blockSize: 2, batchSize: 1 }, [0, 1, -1, 2])).toThrow(/id -1 at position 2 is not a whole number/);
    expect(make({ blockSize: 2, batchSize: 1 }, [0, 1.5, 2])).toThrow(/id 1.5 at position 1/);
    expect(make({ blockSize: 2, batchSize: 1 }, 'abc' as never)).toThrow(/takes ids \(an Int32Array/);
  });
});

describe('splitSequence', () => {
  it("nanoGPT's split: the first int(0.9 n) ids for training, the rest for validation, as views", () => {
    const ids = ramp(1001);
    const { train, validation } = data.splitSequence(ids);
    expect(train.length).toBe(900); // int(0.9 * 1001) = 900
    expect(validation.length).toBe(101);
    expect(train.buffer).toBe(ids.buffer);
    expect(validation[0]).toBe(ids[900]);
    const s = data.splitSequence(ids, { trainFraction: 0.5 });
    expect([s.train.length, s.validation.length]).toEqual([500, 501]);
  });

  it('refuses a fraction that leaves a part empty, outside (0, 1), or unknown options', () => {
    expect(() => data.splitSequence([1, 2, 3], { trainFraction: 0.2 })).toThrow(/trainFraction 0.2 of 3 ids leaves no training ids/);
    expect(() => data.splitSequence([1, 2], { trainFraction: 1 })).toThrow(/trainFraction must be in \(0, 1\), got 1/);
    expect(() => data.splitSequence([1, 2], { testSize: 0.1 } as never)).toThrow(/testSize/);
  });
});

describe('int32 batches feed models in place', () => {
  it('trainOnBatch takes y = { data: Int32Array, shape } as class indices: the same losses as the ids given as number arrays', () => {
    const ids = ramp(300).map((v) => v % 5);
    const make = () => {
      const m = new Sequential([layers.dense({ inputDim: 3, units: 5 })], { seed: 2 });
      m.compile({ loss: 'softmaxCrossEntropy', optimizer: optimizers.adam({ lr: 0.05 }) });
      return m;
    };
    const a = make(), b = make();
    const batches = data.sequenceBatches(ids, { blockSize: 1, batchSize: 6, seed: 4 });
    const x = { data: Float32Array.from({ length: 18 }, (_, i) => Math.sin(i)), shape: [6, 3] };
    for (let k = 0; k < 10; k++) {
      batches.next();
      const la = a.trainOnBatch(x, batches.y);
      const lb = b.trainOnBatch(x, Array.from(batches.y.data));
      expect(la).toBe(lb);
    }
    expect(a.getWeights()).toEqual(b.getWeights());
    [a, b].forEach((m) => m.dispose());
  });

  it('valueAndGrad reads an Int32Array batch for an int32 input as it reads the same ids as floats', () => {
    const w = parameter([1, 4], [0.1, -0.2, 0.3, 0.05]);
    const f = valueAndGrad((x, t) => ops.softmaxCrossEntropy(ops.matmul(x, w), t), [input([1]), input([1], { dtype: 'int32' })]);
    // x = [[1]]: the logits are w's row, against the class 2.
    const one = { data: Float32Array.of(1), shape: [1, 1] };
    const viaInt = f(one, { data: Int32Array.of(2), shape: [1, 1] });
    const gInt = Array.from(w.grad);
    const viaFloat = f(one, { data: Float32Array.of(2), shape: [1, 1] });
    expect(viaInt).toBe(viaFloat);
    expect(Array.from(w.grad)).toEqual(gInt);
    expect(viaInt).toBeCloseTo(-Math.log(Math.exp(0.3) / (Math.exp(0.1) + Math.exp(-0.2) + Math.exp(0.3) + Math.exp(0.05))), 6);
    f.dispose();
    w.dispose();
  });
});
