// A saved model's shape (the JSON topology and its weight buffer; serialize.ts writes and reads
// them) and its single-file form, encodeModel/decodeModel: MAGIC, the topology's UTF-8 JSON length
// (uint32 LE), the JSON, zero padding to a multiple of 4 bytes, then the weight buffer.
import type { GraphTopology } from './graph-topology.js';
import type { Checksums } from './checksum.js';
import type { CharTokenizerJSON } from '../data/tokenizer.js';

export interface SavedModel {
  topology: Topology;
  /** Little-endian: float32 values, then the shuffle order as uint32 (see the file's header comment). */
  weights: ArrayBuffer;
}

/** What load takes: save()'s result (its weights as any byte view: Node Buffer, Uint8Array, ArrayBuffer), or encodeModel()'s bytes. */
export type ModelSource = SavedModel | { topology: Topology; weights: ArrayBuffer | ArrayBufferView } | ArrayBuffer | ArrayBufferView;

export interface Topology {
  format: string;
  version: number;
  name: string;
  seed: number;
  layers: Record<string, unknown>[];
  params: { name: string; shape: number[] }[];
  buffers: { name: string; length: number }[];
  /** PRNG states (init, shuffle, dropout streams), so shuffling and dropout continue where they were. */
  rng: number[];
  /** The model's tokenizer (model.tokenizer), when it has one: its vocabulary in id order. */
  tokenizer?: CharTokenizerJSON;
  /** A functional model's graph (format wasmnn-model). */
  graph?: GraphTopology;
  training?: {
    loss: Record<string, unknown>;
    metrics: string[];
    /** The optimizer's getConfig(); its lr is a number or a built-in schedule's getConfig(). */
    optimizer: Record<string, unknown>;
    /** The kind of optimizer the state below belongs to (version 2). */
    kind?: string;
    slots: number[];
    iterations: number;
    scheduleStep: number;
    /** Epochs fit has completed (version 2). */
    epochs?: number;
    extra: Record<string, number>;
    /** A stateful schedule's state (reduceOnPlateau). */
    schedule?: Record<string, number | null>;
    /** Rows in the saved shuffle order (0: none). */
    order?: number;
  };
  /** CRC-32s (hex) of the topology without this field, as canonical JSON, and of the weight bytes (version 2). */
  checksum?: Checksums;
}

/** A file that is not a whole, sound model: load() says which part is wrong. */
export class ModelFileError extends RangeError {
  override name = 'ModelFileError';
}
export const bad = (msg: string): never => {
  throw new ModelFileError(`wasmnn: cannot load model: ${msg}`);
};

/** The bytes of any binary view, without copying; `what` names it in the error. */
export function bytesOf(v: unknown, what: string): Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  // A view's own window: a Node Buffer from readFileSync may sit in a larger shared pool.
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return bad(`${what} must be an ArrayBuffer or a byte view (Uint8Array, Node Buffer), got ${v === null ? 'null' : typeof v}`);
}

const MAGIC = [0x77, 0x61, 0x73, 0x6d, 0x6e, 0x6e, 0x00, 0x01]; // "wasmnn\0\1"

/** save()'s result as one byte string, for a file or a blob. @example writeFileSync('m.wasmnn', encodeModel(model.save())) */
export function encodeModel(saved: SavedModel): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(saved.topology));
  const weights = bytesOf(saved.weights, 'weights');
  const head = 12 + json.length;
  const pad = (4 - (head % 4)) % 4;
  const out = new Uint8Array(head + pad + weights.length);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(weights, head + pad);
  return out;
}

/** Splits encodeModel()'s bytes (any byte view) back into { topology, weights }. */
export function decodeModel(bytes: ArrayBuffer | ArrayBufferView): SavedModel {
  const b = bytesOf(bytes, 'the model file');
  if (b.length < 12 || MAGIC.some((m, i) => b[i] !== m)) bad('the bytes are not a wasmnn model file (it starts with "wasmnn\\0\\1"; for save()\'s { topology, weights } pass that object)');
  const n = new DataView(b.buffer, b.byteOffset + 8, 4).getUint32(0, true);
  if (12 + n > b.length) bad(`the file is truncated: its topology is ${n} bytes but only ${b.length - 12} follow the header`);
  let topology: Topology;
  try {
    topology = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(12, 12 + n)));
  } catch (e) {
    return bad(`the file's topology is not valid JSON (damaged?): ${(e as Error).message}`);
  }
  const start = 12 + n + ((4 - ((12 + n) % 4)) % 4);
  if (start > b.length) bad('the file is truncated after its topology');
  const weights = b.slice(start).buffer;
  return { topology, weights };
}
