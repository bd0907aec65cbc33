// Weight initialisers, drawn in wasm from the model's seeded PRNG state.
// default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (PyTorch nn.Linear, weights and biases)
// heNormal N(0, 2/fan_in), heUniform U(+-sqrt(6/fan_in)) (PyTorch kaiming_*_, a=0, fan_in)
// glorotNormal N(0, 2/(fan_in+fan_out)), glorotUniform U(+-sqrt(6/(fan_in+fan_out)))
// NOTE: Keras' he_normal / glorot_normal draw from a truncated normal; we follow
// PyTorch's untruncated normal.
import type { Kernels } from '../wasm/exports.js';
import { checkOptions } from '../validate/options.js';

export interface InitContext {
  k: Kernels;
  /** Pointer to the 4 x u32 PRNG state. */
  state: number;
  fanIn: number;
  fanOut: number;
}

export interface Initializer {
  readonly name: string;
  /** Fills n floats at ptr. */
  fill(ptr: number, n: number, ctx: InitContext): void;
  getConfig(): Record<string, unknown>;
}

function make(name: string, fill: Initializer['fill'], config: Record<string, unknown> = {}): Initializer {
  return { name, fill, getConfig: () => ({ name, ...config }) };
}

const uniformBound = (bound: (c: InitContext) => number) => (ptr: number, n: number, c: InitContext) => {
  const b = bound(c);
  c.k.rng_uniform_f32(ptr, n, -b, b, c.state);
};
const normalStd = (std: (c: InitContext) => number) => (ptr: number, n: number, c: InitContext) => {
  c.k.rng_normal_f32(ptr, n, 0, std(c), c.state);
};

function finite(name: string, v: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`wasmnn: initializer ${name} must be a finite number, got ${v}`);
  return v;
}

export const zeros = (): Initializer => make('zeros', (p, n, c) => c.k.fill_f32(p, n, 0));
export const ones = (): Initializer => make('ones', (p, n, c) => c.k.fill_f32(p, n, 1));
/** The positional arguments of an initializer given as one options object (Keras' keywords): checked and unpacked. */
function unpack<K extends string>(where: string, first: unknown, rest: number[], keys: readonly K[]): unknown[] {
  if (first === null || typeof first !== 'object') return [first, ...rest];
  checkOptions(`initializers.${where}`, first, keys);
  return keys.map((k) => (first as Record<K, unknown>)[k]);
}

export const constant = (valueOrOptions: number | { value: number }): Initializer => {
  const [value] = unpack('constant', valueOrOptions, [], ['value']) as [number];
  finite('constant value', value);
  return make('constant', (p, n, c) => c.k.fill_f32(p, n, value), { value });
};
/** U(a, b); also uniform({ a, b }). */
export const uniform = (aOrOptions: number | { a?: number; b?: number } = -0.05, bArg = 0.05): Initializer => {
  const [a = -0.05, b = 0.05] = unpack('uniform', aOrOptions, [bArg], ['a', 'b']) as [number?, number?];
  if (!(finite('uniform a', a) < finite('uniform b', b))) throw new RangeError(`wasmnn: uniform(a, b) needs a < b, got ${a}, ${b}`);
  return make('uniform', (p, n, c) => c.k.rng_uniform_f32(p, n, a, b, c.state), { a, b });
};
/** N(mean, std^2); also normal({ mean, std }). */
export const normal = (meanOrOptions: number | { mean?: number; std?: number } = 0, stdArg = 1): Initializer => {
  const [mean = 0, std = 1] = unpack('normal', meanOrOptions, [stdArg], ['mean', 'std']) as [number?, number?];
  if (!(finite('normal std', std) >= 0)) throw new RangeError(`wasmnn: normal std must be >= 0, got ${std}`);
  finite('normal mean', mean);
  return make('normal', (p, n, c) => c.k.rng_normal_f32(p, n, mean, std, c.state), { mean, std });
};
export const heNormal = (): Initializer => make('heNormal', normalStd((c) => Math.sqrt(2 / c.fanIn)));
export const heUniform = (): Initializer => make('heUniform', uniformBound((c) => Math.sqrt(6 / c.fanIn)));
export const glorotNormal = (): Initializer => make('glorotNormal', normalStd((c) => Math.sqrt(2 / (c.fanIn + c.fanOut))));
export const glorotUniform = (): Initializer => make('glorotUniform', uniformBound((c) => Math.sqrt(6 / (c.fanIn + c.fanOut))));
/** PyTorch's nn.Linear default, U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for weights and biases alike. */
export const defaultUniform = (): Initializer => make('defaultUniform', uniformBound((c) => 1 / Math.sqrt(c.fanIn)));

const BY_NAME: Record<string, () => Initializer> = {
  zeros, ones, heNormal, heUniform, glorotNormal, glorotUniform, defaultUniform,
  uniform: () => uniform(), normal: () => normal(),
};

export type InitializerName = 'zeros' | 'ones' | 'uniform' | 'normal' | 'heNormal' | 'heUniform' | 'glorotNormal' | 'glorotUniform' | 'defaultUniform';

export function resolveInitializer(spec: InitializerName | Initializer | undefined, fallback: () => Initializer): Initializer {
  if (spec === undefined) return fallback();
  if (typeof spec === 'string') {
    const f = BY_NAME[spec];
    if (!f) throw new RangeError(`wasmnn: unknown initializer '${spec}'; known: ${Object.keys(BY_NAME).join(', ')}`);
    return f();
  }
  if (typeof spec.fill !== 'function') throw new TypeError('wasmnn: an initializer must be a name or an object with fill()');
  return spec;
}
