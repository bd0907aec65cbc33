// safetensors: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
// {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
// (padded with spaces so the data starts 8-byte aligned), then the data: every tensor's bytes,
// little-endian, row-major, offsets relative to the data's start, covering it with no hole or overlap.
// Two layouts: 'wasmnn' (our names, W as [in, out], running statistics as `name/runningMean`) and
// 'pytorch' (the state_dict of the equivalent nn.Sequential: `0.weight` as [out, in], a
// convolution's as OIHW [cout, cin/groups, kh, kw], ...; of a GPT, nanoGPT's names: pytorch-gpt.ts).
// A file from anywhere is untrusted: the reader checks every length and offset before using it.
import type { ModelView } from '../model/view.js';
import { type StateEntry, torchStateEntries } from './pytorch.js';
import { toOihw, fromOihw } from './kernel-layouts.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import { checkOptions, optionKeys } from '../validate/options.js';

export type SafetensorsLayout = 'wasmnn' | 'pytorch';

export interface SafetensorsOptions {
  /** 'wasmnn' (default): our names and [in, out] kernels; 'pytorch': the state_dict of the equivalent nn.Sequential. */
  layout?: SafetensorsLayout;
  /** Extra `__metadata__` strings (the layout's `format` is always written). */
  metadata?: Record<string, string>;
}

/** Bytes per element of every dtype the format defines. */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};
/** The reference implementation's limit on the header. */
const MAX_HEADER = 100_000_000;
const FORMAT: Record<SafetensorsLayout, string> = { pytorch: 'pt', wasmnn: 'wasmnn' };

export class SafetensorsError extends RangeError {
  override name = 'SafetensorsError';
}
const bad = (msg: string): never => {
  throw new SafetensorsError(`wasmnn: safetensors: ${msg}`);
};

/** The wasmnn layout: parameters under their own names, then each batch norm's running statistics. */
function wasmnnEntries(model: ModelView): StateEntry[] {
  const entries: StateEntry[] = model.parameters().map((p) => ({ name: p.name, dtype: 'F32', shape: [...p.shape], source: { param: p, transpose: false } }));
  for (const l of model.layers) {
    if (l.kind !== 'batchNorm') continue;
    const b = l as BatchNorm;
    entries.push({ name: `${b.name}/runningMean`, dtype: 'F32', shape: [b.inputUnits], source: { tensor: b.runningMean } });
    entries.push({ name: `${b.name}/runningVar`, dtype: 'F32', shape: [b.inputUnits], source: { tensor: b.runningVar } });
  }
  return entries;
}

function entriesOf(model: ModelView, layout: SafetensorsLayout): StateEntry[] {
  if (layout === 'pytorch') return torchStateEntries(model);
  if (layout === 'wasmnn') return wasmnnEntries(model);
  return bad(`layout must be 'wasmnn' or 'pytorch', got ${JSON.stringify(layout)}`);
}

/** An entry's values in the file's layout (PyTorch's [out, in] when transposed, OIHW for a convolution kernel). */
function valuesOf(e: StateEntry): Float32Array | BigInt64Array {
  const s = e.source;
  if ('counter' in s) return BigInt64Array.of(BigInt(s.counter));
  if ('tensor' in s) return s.tensor.data.slice();
  const v = s.param.value;
  if (s.transpose === 'oihw') return toOihw(v, s.param.shape);
  if (!s.transpose) return v.slice();
  const [rows, cols] = s.param.shape; // ours [in, out] -> [out, in]
  const t = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = v[r * cols + c];
  return t;
}

/** The model's weights (and batch norm's running statistics) as a safetensors file. */
export function toSafetensors(model: ModelView, options: SafetensorsOptions = {}): Uint8Array {
  checkOptions('toSafetensors', options, optionKeys<SafetensorsOptions>({ layout: true, metadata: true }));
  const layout = options.layout ?? 'wasmnn';
  const entries = entriesOf(model, layout);
  // As the reference writer: larger elements first (so every tensor is aligned), then by name.
  entries.sort((a, b) => DTYPE_BYTES[b.dtype] - DTYPE_BYTES[a.dtype] || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: { ...options.metadata, format: FORMAT[layout] } };
  let offset = 0;
  const values = entries.map((e) => {
    const v = valuesOf(e);
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + v.byteLength] };
    offset += v.byteLength;
    return v;
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const dv = new DataView(out.buffer);
  dv.setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let o = 8 + n;
  for (const v of values) {
    if (v instanceof BigInt64Array) for (let i = 0; i < v.length; i++, o += 8) dv.setBigInt64(o, v[i], true);
    else for (let i = 0; i < v.length; i++, o += 4) dv.setFloat32(o, v[i], true);
  }
  return out;
}

export interface SafetensorsTensor {
  name: string;
  dtype: string;
  shape: number[];
  /** The tensor's bytes (a view into the file). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  metadata: Record<string, string>;
  tensors: SafetensorsTensor[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parses and checks a safetensors file: header length and bounds, JSON, every dtype, shape and offset. */
export function readSafetensors(file: Uint8Array | ArrayBuffer): SafetensorsFile {
  const bytes = file instanceof Uint8Array ? file : file instanceof ArrayBuffer ? new Uint8Array(file) : bad('expected a Uint8Array or ArrayBuffer');
  if (bytes.length < 8) bad(`the file has ${bytes.length} bytes, fewer than the 8 of the header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n64 = dv.getBigUint64(0, true);
  if (n64 > BigInt(bytes.length - 8)) bad(`the header length ${n64} runs past the end of the file (${bytes.length - 8} bytes after the length)`);
  const n = Number(n64);
  if (n > MAX_HEADER) bad(`the header length ${n} exceeds ${MAX_HEADER} bytes`);
  if (n < 2 || bytes[8] !== 0x7b) bad("the header does not begin with '{'");
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    return bad(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('the header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const tensors: (SafetensorsTensor & { begin: number; end: number })[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('__metadata__ is not an object');
      for (const [k, v] of Object.entries(raw as Record<string, unknown>)) metadata[k] = typeof v === 'string' ? v : bad(`__metadata__.${k} is not a string`);
      continue;
    }
    const t = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof t !== 'object' || t === null) bad(`tensor '${name}' is not an object`);
    const size = typeof t.dtype === 'string' && Object.hasOwn(DTYPE_BYTES, t.dtype) ? DTYPE_BYTES[t.dtype] : undefined;
    if (size === undefined) bad(`tensor '${name}' has unknown dtype ${JSON.stringify(t.dtype)}`);
    if (!Array.isArray(t.shape) || !t.shape.every(isCount)) bad(`tensor '${name}' has shape ${JSON.stringify(t.shape)}, not a list of non-negative integers`);
    const off = t.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isCount) || off[0] > off[1]) bad(`tensor '${name}' has data_offsets ${JSON.stringify(off)}, not [begin, end] with 0 <= begin <= end`);
    const [begin, end] = off as number[];
    if (end > data.length) bad(`tensor '${name}' ends at byte ${end} but the data has ${data.length} bytes (truncated file?)`);
    const shape = t.shape as number[];
    const want = shape.reduce((a, b) => a * b, 1) * size!;
    if (end - begin !== want) bad(`tensor '${name}' (${t.dtype} [${shape}]) needs ${want} bytes but its data_offsets [${begin}, ${end}] give ${end - begin}`);
    tensors.push({ name, dtype: t.dtype as string, shape, bytes: data.subarray(begin, end), begin, end });
  }
  // The data must be covered exactly: no overlap, no hole, nothing after the last tensor.
  const byBegin = [...tensors].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const t of byBegin) {
    if (t.begin < at) bad(`tensor '${t.name}' [${t.begin}, ${t.end}] overlaps the tensor before it (which ends at ${at})`);
    if (t.begin > at) bad(`bytes [${at}, ${t.begin}) of the data belong to no tensor (a hole before '${t.name}')`);
    at = t.end;
  }
  if (at !== data.length) bad(`the data has ${data.length} bytes but the tensors cover ${at}`);
  return { metadata, tensors: tensors.map(({ name, dtype, shape, bytes }) => ({ name, dtype, shape, bytes })) };
}

/** Which layout a file is in: its `format` metadata, else whichever layout's names it holds. */
function detectLayout(model: ModelView, file: SafetensorsFile): SafetensorsLayout {
  const f = file.metadata.format;
  if (f === 'pt') return 'pytorch';
  if (f === 'wasmnn') return 'wasmnn';
  const names = new Set(file.tensors.map((t) => t.name));
  const hits = (l: SafetensorsLayout) => entriesOf(model, l).filter((e) => names.has(e.name)).length;
  return hits('pytorch') > hits('wasmnn') ? 'pytorch' : 'wasmnn';
}

/**
 * Loads a safetensors file (either layout; `options.layout` to insist on one) into an existing
 * model with the same layers. Every name, dtype, shape and value is checked before anything is
 * written, so a wrong file leaves the model as it was. Returns the model.
 */
export function fromSafetensors<M extends ModelView>(file: Uint8Array | ArrayBuffer, model: M, options: { layout?: SafetensorsLayout } = {}): M {
  checkOptions('fromSafetensors', options, ['layout']);
  const parsed = readSafetensors(file);
  const layout = options.layout ?? detectLayout(model, parsed);
  const entries = entriesOf(model, layout);
  const byName = new Map(parsed.tensors.map((t) => [t.name, t]));
  const missing = entries.filter((e) => !byName.has(e.name)).map((e) => e.name);
  const known = new Set(entries.map((e) => e.name));
  const unexpected = parsed.tensors.filter((t) => !known.has(t.name)).map((t) => t.name);
  if (missing.length || unexpected.length) {
    bad(`the file does not match the model (${layout} layout):` + (missing.length ? ` missing ${missing.join(', ')};` : '') + (unexpected.length ? ` unexpected ${unexpected.join(', ')}` : ''));
  }
  const writes: (() => void)[] = [];
  const weights = model.getWeights();
  const params = model.parameters();
  for (const e of entries) {
    const t = byName.get(e.name)!;
    if (t.dtype !== e.dtype) bad(`tensor '${e.name}' has dtype ${t.dtype}, expected ${e.dtype}`);
    if (t.shape.join() !== e.shape.join() || t.shape.length !== e.shape.length) bad(`tensor '${e.name}' has shape [${t.shape}], the model needs [${e.shape}]`);
    const s = e.source;
    if ('counter' in s) continue;
    const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    const v = new Float32Array(t.bytes.byteLength / 4);
    for (let i = 0; i < v.length; i++) {
      v[i] = dv.getFloat32(i * 4, true);
      if (!Number.isFinite(v[i])) bad(`tensor '${e.name}' has ${v[i]} at index ${i}`);
    }
    if ('tensor' in s) {
      writes.push(() => s.tensor.data.set(v));
      continue;
    }
    const dst = weights[params.indexOf(s.param)];
    if (s.transpose === 'oihw') dst.set(fromOihw(v, e.shape));
    else if (!s.transpose) dst.set(v);
    else {
      const [rows, cols] = s.param.shape; // file [cols, rows] -> ours [rows, cols]
      for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) dst[r * cols + c] = v[c * rows + r];
    }
  }
  model.setWeights(weights);
  for (const w of writes) w();
  return model;
}

