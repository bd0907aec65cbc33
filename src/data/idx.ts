// IDX files (LeCun's MNIST format, also Fashion-MNIST's): two zero bytes, a type byte, the number
// of dimensions, each dimension as a big-endian uint32, then the values row-major, big-endian.
// loadIdx reads raw or gzip-compressed bytes (gzip by DecompressionStream, in every runtime here),
// or a path in Node and Deno.

export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { dtype: IdxDtype; bytes: number }> = {
  0x08: { dtype: 'uint8', bytes: 1 },
  0x09: { dtype: 'int8', bytes: 1 },
  0x0b: { dtype: 'int16', bytes: 2 },
  0x0c: { dtype: 'int32', bytes: 4 },
  0x0d: { dtype: 'float32', bytes: 4 },
  0x0e: { dtype: 'float64', bytes: 8 },
};

const bad = (what: string, msg: string): never => {
  throw new RangeError(`wasmnn: ${what} is not a whole IDX file: ${msg}`);
};

/** Decodes the bytes of an uncompressed IDX file; `what` names it in errors. */
export function parseIdx(bytes: Uint8Array | ArrayBuffer, what = 'the data'): IdxArray {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (b.length < 4) bad(what, `it has ${b.length} bytes, fewer than the 4 of the header`);
  if (b[0] !== 0 || b[1] !== 0) bad(what, `it starts with 0x${hex(b[0])} 0x${hex(b[1])}, not two zero bytes${b[0] === 0x1f && b[1] === 0x8b ? ' (it is gzip-compressed: loadIdx decompresses it)' : ''}`);
  const type = TYPES[b[2]];
  if (!type) bad(what, `its type byte 0x${hex(b[2])} is none of 0x08 (uint8), 0x09, 0x0b, 0x0c, 0x0d, 0x0e`);
  const ndim = b[3];
  if (b.length < 4 + 4 * ndim) bad(what, `it is truncated in its ${ndim} dimensions`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(dv.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, d) => a * d, 1);
  const start = 4 + 4 * ndim;
  const want = count * type.bytes;
  if (b.length - start !== want) bad(what, `its shape [${shape}] of ${type.dtype} needs ${want} bytes of values, it has ${b.length - start}`);
  switch (type.dtype) {
    case 'uint8': return { dtype: 'uint8', shape, data: b.slice(start) };
    case 'int8': return { dtype: 'int8', shape, data: new Int8Array(b.slice(start).buffer) };
    case 'int16': return { dtype: 'int16', shape, data: Int16Array.from({ length: count }, (_, i) => dv.getInt16(start + 2 * i, false)) };
    case 'int32': return { dtype: 'int32', shape, data: Int32Array.from({ length: count }, (_, i) => dv.getInt32(start + 4 * i, false)) };
    case 'float32': return { dtype: 'float32', shape, data: Float32Array.from({ length: count }, (_, i) => dv.getFloat32(start + 4 * i, false)) };
    default: return { dtype: 'float64', shape, data: Float64Array.from({ length: count }, (_, i) => dv.getFloat64(start + 8 * i, false)) };
  }
}

/**
 * An IDX file from a path (Node, Deno) or its bytes, raw or gzip-compressed (`.gz`, as MNIST and
 * Debian's dataset-fashion-mnist ship them).
 * @example const images = await data.loadIdx('/usr/share/dataset-fashion-mnist/train-images-idx3-ubyte.gz'); // shape [60000, 28, 28]
 */
export async function loadIdx(source: string | Uint8Array | ArrayBuffer): Promise<IdxArray> {
  let bytes: Uint8Array;
  const what = typeof source === 'string' ? `'${source}'` : 'the data';
  if (typeof source === 'string') {
    // Not a static import: the core entry runs in browsers and Workers, which have no file system.
    const fsName = 'node:fs/promises';
    let fs: { readFile(p: string): Promise<Uint8Array> };
    try {
      fs = await import(/* @vite-ignore */ fsName);
    } catch {
      throw new TypeError('wasmnn: loadIdx(path) reads files in Node and Deno; here, pass the file\'s bytes');
    }
    bytes = new Uint8Array(await fs.readFile(source));
  } else if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
    bytes = source instanceof Uint8Array ? source : new Uint8Array(source);
  } else {
    throw new TypeError('wasmnn: loadIdx takes a path, a Uint8Array or an ArrayBuffer');
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = await gunzip(bytes, what);
  return parseIdx(bytes, what);
}

async function gunzip(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new RangeError(`wasmnn: ${what} is gzip-compressed but does not decompress (damaged or truncated?): ${(e as Error).message}`);
  }
}

const hex = (v: number) => v.toString(16).padStart(2, '0');
