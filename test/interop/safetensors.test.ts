// safetensors: the bytes against the format's specification, the PyTorch state_dict layout,
// round trips of every layer type in both layouts, and damaged files refused by name.
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, optimizers, toSafetensors, fromSafetensors, readSafetensors, toPytorchModule } from 'wasmnn';
import { randn } from '../helpers/wasm.js';
import { bits } from '../helpers/compare.js';

beforeAll(async () => {
  await init();
});


function small(seed = 1) {
  return new Sequential([layers.dense({ inputDim: 2, units: 3, activation: 'relu' }), layers.batchNorm(), layers.dense({ units: 1 })], { seed });
}

// Every layer kind and option that changes the state_dict or the module list.
function every(seed = 1) {
  return new Sequential([
    layers.dense({ inputDim: 4, units: 6, activation: { name: 'leakyRelu', alpha: 0.2 } }),
    layers.batchNorm({ momentum: 0.3, eps: 1e-3 }),
    layers.dropout({ rate: 0.25 }),
    layers.dense({ units: 5, useBias: false }),
    layers.activation({ activation: 'tanh' }),
    layers.dense({ units: 3, activation: 'softmax' }),
  ], { seed });
}

const X = Array.from({ length: 16 }, (_, r) => Array.from(randn(4, 100 + r)));
const Y = X.map((r) => [r[0] > 0 ? 1 : 0, r[1] > 0 ? 1 : 0, 0]);

async function trained() {
  const m = every(7);
  m.compile({ loss: 'mse', optimizer: optimizers.adam({ lr: 0.05 }) });
  await m.fit(X, Y, { epochs: 3, batchSize: 8 });
  return m;
}

/** A file from a header object and data bytes, as the specification lays it out (no padding). */
function file(header: unknown, data: Uint8Array = new Uint8Array(0), rawHeader?: Uint8Array) {
  const h = rawHeader ?? new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('safetensors, byte for byte', () => {
  it('pytorch layout: u64 header length, compact JSON (I64 first, then names), spaces to 8 bytes, little-endian data', () => {
    const m = small();
    const bytes = toSafetensors(m, { layout: 'pytorch' });
    const json =
      '{"__metadata__":{"format":"pt"},' +
      '"2.num_batches_tracked":{"dtype":"I64","shape":[],"data_offsets":[0,8]},' +
      '"0.bias":{"dtype":"F32","shape":[3],"data_offsets":[8,20]},' +
      '"0.weight":{"dtype":"F32","shape":[3,2],"data_offsets":[20,44]},' +
      '"2.bias":{"dtype":"F32","shape":[3],"data_offsets":[44,56]},' +
      '"2.running_mean":{"dtype":"F32","shape":[3],"data_offsets":[56,68]},' +
      '"2.running_var":{"dtype":"F32","shape":[3],"data_offsets":[68,80]},' +
      '"2.weight":{"dtype":"F32","shape":[3],"data_offsets":[80,92]},' +
      '"3.bias":{"dtype":"F32","shape":[1],"data_offsets":[92,96]},' +
      '"3.weight":{"dtype":"F32","shape":[1,3],"data_offsets":[96,108]}}';
    const n = Math.ceil(json.length / 8) * 8;
    expect(n % 8).toBe(0);
    const dv = new DataView(bytes.buffer, bytes.byteOffset);
    expect(dv.getBigUint64(0, true)).toBe(BigInt(n));
    expect(new TextDecoder().decode(bytes.subarray(8, 8 + n))).toBe(json + ' '.repeat(n - json.length));
    expect(bytes.length).toBe(8 + n + 108);
    const [W0, b0, gamma, beta, W3, b3] = m.getWeights();
    const f32 = (o: number, k: number) => Array.from({ length: k }, (_, i) => dv.getFloat32(8 + n + o + 4 * i, true));
    expect(dv.getBigInt64(8 + n, true)).toBe(0n);
    expect(f32(8, 3)).toEqual(Array.from(b0));
    // W is [in=2, out=3] here and [out, in] in PyTorch: weight[o][i] = W[i][o].
    expect(f32(20, 6)).toEqual([W0[0], W0[3], W0[1], W0[4], W0[2], W0[5]]);
    expect(f32(44, 3)).toEqual(Array.from(beta));
    expect(f32(56, 3)).toEqual([0, 0, 0]);
    expect(f32(68, 3)).toEqual([1, 1, 1]);
    expect(f32(80, 3)).toEqual(Array.from(gamma));
    expect(f32(92, 1)).toEqual(Array.from(b3));
    expect(f32(96, 3)).toEqual(Array.from(W3));
  });

  it('wasmnn layout: our names and [in, out] kernels', () => {
    const m = small();
    const parsed = readSafetensors(toSafetensors(m));
    expect(parsed.metadata).toEqual({ format: 'wasmnn' });
    expect(parsed.tensors.map((t) => `${t.name} ${t.dtype} [${t.shape}]`)).toEqual([
      'batch_norm_1/beta F32 [3]', 'batch_norm_1/gamma F32 [3]', 'batch_norm_1/runningMean F32 [3]', 'batch_norm_1/runningVar F32 [3]',
      'dense_0/bias F32 [3]', 'dense_0/kernel F32 [2,3]', 'dense_2/bias F32 [1]', 'dense_2/kernel F32 [3,1]',
    ]);
    const kernel = parsed.tensors.find((t) => t.name === 'dense_0/kernel')!;
    expect(bits(new Float32Array(kernel.bytes.slice().buffer))).toEqual(bits(m.getWeights()[0]));
  });

  it('num_batches_tracked counts the training steps', async () => {
    const m = await trained(); // 3 epochs of 2 batches
    const t = readSafetensors(toSafetensors(m, { layout: 'pytorch' })).tensors.find((t) => t.name === '2.num_batches_tracked')!;
    expect(new DataView(t.bytes.buffer, t.bytes.byteOffset).getBigInt64(0, true)).toBe(6n);
  });
});

describe('the equivalent PyTorch module', () => {
  it('counts modules as nn.Sequential does: a dense layer with an activation is two', () => {
    expect(toPytorchModule(every())).toBe([
      'nn.Sequential(',
      '    nn.Linear(4, 6),  # 0',
      '    nn.LeakyReLU(negative_slope=0.2),  # 1',
      '    nn.BatchNorm1d(6, eps=0.001, momentum=0.3),  # 2',
      '    nn.Dropout(p=0.25),  # 3',
      '    nn.Linear(6, 5, bias=False),  # 4',
      '    nn.Tanh(),  # 5',
      '    nn.Linear(5, 3),  # 6',
      '    nn.Softmax(dim=-1),  # 7',
      ')',
    ].join('\n'));
    const names = readSafetensors(toSafetensors(every(), { layout: 'pytorch' })).tensors.map((t) => t.name).sort();
    expect(names).toEqual(['0.bias', '0.weight', '2.bias', '2.num_batches_tracked', '2.running_mean', '2.running_var', '2.weight', '4.weight', '6.bias', '6.weight']);
  });
});

describe('round trips', () => {
  for (const layout of ['wasmnn', 'pytorch'] as const) {
    it(`${layout}: every layer type, weights and running statistics bit for bit, the same predictions`, async () => {
      const a = await trained();
      const b = every(99);
      expect(bits(b.getWeights()[0])).not.toEqual(bits(a.getWeights()[0]));
      fromSafetensors(toSafetensors(a, { layout }), b); // detected from the file's metadata
      a.getWeights().forEach((w, i) => expect(bits(b.getWeights()[i])).toEqual(bits(w)));
      const [na, nb] = [a, b].map((m) => m.layers[1] as InstanceType<typeof layers.BatchNorm>);
      expect(bits(nb.runningVar.data)).toEqual(bits(na.runningVar.data));
      expect(bits(nb.runningMean.data)).toEqual(bits(na.runningMean.data));
      expect(bits(b.predict(X).data)).toEqual(bits(a.predict(X).data));
    });
  }

  it('a file without metadata is recognised by its names', () => {
    const a = small(1);
    const parsed = readSafetensors(toSafetensors(a, { layout: 'pytorch' }));
    let off = 0;
    const header: Record<string, unknown> = {};
    for (const t of parsed.tensors) header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, (off += t.bytes.length)] };
    const data = new Uint8Array(off);
    off = 0;
    for (const t of parsed.tensors) data.set(t.bytes, (off += t.bytes.length) - t.bytes.length);
    const b = fromSafetensors(file(header, data), small(2));
    expect(bits(b.getWeights()[0])).toEqual(bits(a.getWeights()[0]));
  });
});

describe('damaged or foreign files are refused with the problem named, the model left as it was', () => {
  const good = () => toSafetensors(small(1), { layout: 'pytorch' });
  const header = () => {
    const p = readSafetensors(good());
    const h: Record<string, { dtype: string; shape: number[]; data_offsets: number[] }> = {};
    let o = 0;
    for (const t of p.tensors) h[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [o, (o += t.bytes.length)] };
    return { h, data: new Uint8Array(o).fill(0) };
  };
  const cases: [string, () => Uint8Array, RegExp][] = [
    ['shorter than 8 bytes', () => new Uint8Array(5), /5 bytes, fewer than the 8/],
    ['header length past the end', () => { const f = good(); new DataView(f.buffer).setBigUint64(0, BigInt(f.length), true); return f; }, /runs past the end of the file/],
    ['header length of 2^63', () => { const f = good(); new DataView(f.buffer).setBigUint64(0, 1n << 63n, true); return f; }, /runs past the end/],
    ['header not an object', () => file(undefined, undefined, new TextEncoder().encode('[1,2]   ')), /does not begin with '\{'/],
    ['header not JSON', () => file(undefined, undefined, new TextEncoder().encode('{"a":')), /not valid UTF-8 JSON/],
    ['header not UTF-8', () => file(undefined, undefined, Uint8Array.of(0x7b, 0xff, 0x7d)), /not valid UTF-8 JSON/],
    ['unknown dtype', () => { const { h, data } = header(); h['0.bias'].dtype = 'F33'; return file(h, data); }, /'0.bias' has unknown dtype "F33"/],
    ['inherited name as dtype', () => { const { h, data } = header(); h['0.bias'].dtype = 'toString'; return file(h, data); }, /unknown dtype "toString"/],
    ['bad shape', () => { const { h, data } = header(); h['0.bias'].shape = [-3]; return file(h, data); }, /'0.bias' has shape \[-3\]/],
    ['offsets reversed', () => { const { h, data } = header(); h['0.bias'].data_offsets = [20, 8]; return file(h, data); }, /'0.bias' has data_offsets \[20,8\]/],
    ['truncated data', () => { const { h, data } = header(); return file(h, data.subarray(0, data.length - 4)); }, /'3.weight' ends at byte 108 but the data has 104 bytes/],
    ['size not matching the shape', () => { const { h, data } = header(); h['0.bias'].shape = [4]; return file(h, data); }, /'0.bias' \(F32 \[4\]\) needs 16 bytes but its data_offsets \[8, 20\] give 12/],
    ['overlapping tensors', () => { const { h, data } = header(); h['0.bias'].data_offsets = [4, 16]; return file(h, data); }, /'0.bias' \[4, 16\] overlaps/],
    ['a hole', () => { const { h, data } = header(); h['3.weight'].data_offsets = [100, 112]; return file(h, new Uint8Array(112)); }, /bytes \[96, 100\) of the data belong to no tensor/],
    ['bytes after the last tensor', () => { const { h } = header(); return file(h, new Uint8Array(112)); }, /the data has 112 bytes but the tensors cover 108/],
    ['metadata not strings', () => { const { h, data } = header(); return file({ __metadata__: { format: 1 }, ...h }, data); }, /__metadata__.format is not a string/],
    ['wrong dtype for a weight', () => { const { h, data } = header(); h['3.bias'] = { dtype: 'I32', shape: [1], data_offsets: [92, 96] }; return file(h, data); }, /'3.bias' has dtype I32, expected F32/],
    ['wrong shape for the model', () => { const { h, data } = header(); h['0.weight'].shape = [2, 3]; return file(h, data); }, /'0.weight' has shape \[2,3\], the model needs \[3,2\]/],
    ['a missing and an unexpected name', () => { const { h, data } = header(); h['9.bias'] = h['3.bias']; delete (h as Record<string, unknown>)['3.bias']; return file(h, data); }, /missing 3.bias; unexpected 9.bias/],
    ['a NaN', () => { const { h, data } = header(); new DataView(data.buffer).setFloat32(8, NaN, true); return file(h, data); }, /'0.bias' has NaN at index 0/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const m = small(5);
      const before = m.getWeights().map(bits);
      expect(() => fromSafetensors(make(), m)).toThrow(message);
      expect(m.getWeights().map(bits)).toEqual(before);
    });
  }
});
