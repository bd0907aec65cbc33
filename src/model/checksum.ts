// A saved model's checksums: CRC-32 (IEEE 802.3, the zlib/PNG polynomial 0xedb88320, reflected)
// of the weight bytes and of the topology written as canonical JSON (keys sorted, no checksum
// field), so a flipped byte anywhere, or a buffer written big-endian, is refused on load.

let table: Uint32Array | undefined;

export function crc32(bytes: Uint8Array, crc = 0): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** JSON with every object's keys in sorted order: the same text however the object was rebuilt (a database may reorder keys). */
export function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : canonicalJson(x))).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

export interface Checksums {
  topology: string;
  weights: string;
}

/** The checksums of a topology (its `checksum` field left out) and its weight bytes. */
export function checksums(topology: object, weights: Uint8Array): Checksums {
  const { checksum: _c, ...rest } = topology as { checksum?: unknown };
  return { topology: hex(crc32(new TextEncoder().encode(canonicalJson(rest)))), weights: hex(crc32(weights)) };
}

/** CRC-32 of the bytes with every 4-byte word reversed: what a big-endian writer would have checksummed. */
export function swappedCrc(weights: Uint8Array): string {
  const s = new Uint8Array(weights.length);
  for (let i = 0; i + 3 < weights.length; i += 4) {
    s[i] = weights[i + 3];
    s[i + 1] = weights[i + 2];
    s[i + 2] = weights[i + 1];
    s[i + 3] = weights[i];
  }
  return hex(crc32(s));
}
