// IDX files (MNIST's format): raw and gzip bytes and a path, every type, and damaged files refused
// with the reason. The bytes are written here by hand, as the format describes them.
import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { data } from '../../src/index.js';

/** An IDX file: 0, 0, type, ndim, big-endian dims, then the values big-endian. */
function idx(type: number, shape: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const b = new Uint8Array(4 + 4 * shape.length + size * values.length);
  const dv = new DataView(b.buffer);
  b[2] = type;
  b[3] = shape.length;
  shape.forEach((d, i) => dv.setUint32(4 + 4 * i, d, false));
  const at = 4 + 4 * shape.length;
  values.forEach((v, i) => {
    const o = at + size * i;
    if (type === 0x08) dv.setUint8(o, v);
    else if (type === 0x09) dv.setInt8(o, v);
    else if (type === 0x0b) dv.setInt16(o, v, false);
    else if (type === 0x0c) dv.setInt32(o, v, false);
    else if (type === 0x0d) dv.setFloat32(o, v, false);
    else dv.setFloat64(o, v, false);
  });
  return b;
}

describe('data.loadIdx', () => {
  const images = idx(0x08, [2, 3, 2], [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);

  it('reads raw and gzip bytes alike: shape and values', async () => {
    for (const bytes of [images, new Uint8Array(gzipSync(images))]) {
      const r = await data.loadIdx(bytes);
      expect(r.dtype).toBe('uint8');
      expect(r.shape).toEqual([2, 3, 2]);
      expect(Array.from(r.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
    }
  });

  it('reads every IDX type big-endian', async () => {
    expect(Array.from((await data.loadIdx(idx(0x09, [3], [-128, 0, 127]))).data)).toEqual([-128, 0, 127]);
    expect(Array.from((await data.loadIdx(idx(0x0b, [2], [-300, 1234]))).data)).toEqual([-300, 1234]);
    expect(Array.from((await data.loadIdx(idx(0x0c, [2], [-70000, 2 ** 30]))).data)).toEqual([-70000, 2 ** 30]);
    expect(Array.from((await data.loadIdx(idx(0x0d, [2], [0.5, -1.25]))).data)).toEqual([0.5, -1.25]);
    const f64 = await data.loadIdx(idx(0x0e, [1, 1], [0.1]));
    expect([f64.dtype, f64.shape, Array.from(f64.data)]).toEqual(['float64', [1, 1], [0.1]]);
    // A label file: one dimension.
    expect((await data.loadIdx(idx(0x08, [4], [9, 0, 0, 3]))).shape).toEqual([4]);
  });

  it('reads a path (Node), gzip-compressed as Debian ships Fashion-MNIST', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wasmnn-idx-'));
    try {
      const path = join(dir, 't10k-images-idx3-ubyte.gz');
      writeFileSync(path, gzipSync(images));
      const r = await data.loadIdx(path);
      expect(r.shape).toEqual([2, 3, 2]);
      expect(r.data[11]).toBe(255);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('refuses a damaged file, saying what is wrong', async () => {
    await expect(data.loadIdx(images.subarray(0, images.length - 1))).rejects.toThrow(/shape \[2,3,2\] of uint8 needs 12 bytes of values, it has 11/);
    const extra = new Uint8Array(images.length + 1);
    extra.set(images);
    await expect(data.loadIdx(extra)).rejects.toThrow(/needs 12 bytes of values, it has 13/);
    const badType = images.slice();
    badType[2] = 0x0a;
    await expect(data.loadIdx(badType)).rejects.toThrow(/type byte 0x0a/);
    await expect(data.loadIdx(new Uint8Array([1, 0, 8, 1]))).rejects.toThrow(/starts with 0x01 0x00, not two zero bytes/);
    await expect(data.loadIdx(new Uint8Array([0, 0, 8, 3, 0, 0]))).rejects.toThrow(/truncated in its 3 dimensions/);
    await expect(data.loadIdx(new Uint8Array([0, 0]))).rejects.toThrow(/fewer than the 4 of the header/);
    const gz = new Uint8Array(gzipSync(images));
    await expect(data.loadIdx(gz.subarray(0, gz.length - 6))).rejects.toThrow(/gzip-compressed but does not decompress/);
    expect(() => data.parseIdx(gz)).toThrow(/it is gzip-compressed: loadIdx decompresses it/);
    await expect(data.loadIdx(join(tmpdir(), 'no-such-file.idx'))).rejects.toThrow(/ENOENT/);
    await expect(data.loadIdx(42 as never)).rejects.toThrow(/takes a path, a Uint8Array or an ArrayBuffer/);
  });
});
