// Loads build/wasmnn.wasm directly (not through init's full export check), so a
// kernel family can be tested on its own. Gives the raw exports and an arena.
import { readFileSync } from 'node:fs';
import { Arena } from '../../src/memory/arena.js';

export interface RawWasm {
  k: Record<string, (...args: number[]) => number>;
  memory: WebAssembly.Memory;
  arena: Arena;
  /** Copies values into a fresh f32 block at an offset of `skew` floats past a 64-byte boundary. */
  put(values: ArrayLike<number>, skew?: number): number;
  /** A fresh f32 block of n elements (filled with NaN so unwritten outputs show), skewed as in put. */
  out(n: number, skew?: number): number;
  f32(ptr: number, n: number): Float32Array;
  i32(ptr: number, n: number): Int32Array;
}

export function loadWasm(file = process.env.WASMNN_WASM ?? 'build/wasmnn.wasm'): RawWasm {
  const module = new WebAssembly.Module(readFileSync(file));
  const instance = new WebAssembly.Instance(module, {});
  const k = instance.exports as unknown as RawWasm['k'] & { memory: WebAssembly.Memory; heap_base(): number };
  const memory = k.memory;
  const arena = new Arena(memory, k.heap_base());
  const f32 = (ptr: number, n: number) => new Float32Array(memory.buffer, ptr, n);
  const block = (n: number, skew: number) => arena.alloc((n + skew) * 4 + 16, 64) + skew * 4;
  return {
    k,
    memory,
    arena,
    f32,
    i32: (ptr, n) => new Int32Array(memory.buffer, ptr, n),
    put(values, skew = 0) {
      const p = block(values.length, skew);
      f32(p, values.length).set(values);
      return p;
    },
    out(n, skew = 0) {
      const p = block(n, skew);
      f32(p, n).fill(NaN);
      return p;
    },
  };
}

/** Deterministic test data: a small LCG, so tests need no RNG of the library's. */
export function randn(n: number, seed = 1, scale = 1): Float64Array {
  let s = seed >>> 0 || 1;
  const u = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) + 0.5) / 4294967296;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

/** Max over i of |a-b| / max(|b|, floor): a relative error that does not explode near zero. */
export function maxRelErr(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), floor);
    if (Number.isNaN(d)) return Infinity; // a NaN anywhere is a failure
    if (d > m) m = d;
  }
  return m;
}

export const AWKWARD_SIZES = [0, 1, 3, 4, 5, 17, 1023] as const;

/** Asserts |got[i] - want[i]| <= rel*|want[i]| + abs for every i, naming the first offender. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, rel: number, abs: number, what = ''): void {
  if (got.length !== want.length) throw new Error(`${what}: length ${got.length} vs ${want.length}`);
  for (let i = 0; i < want.length; i++) {
    const tol = rel * Math.abs(want[i]) + abs;
    if (!(Math.abs(got[i] - want[i]) <= tol)) throw new Error(`${what}[${i}]: got ${got[i]}, want ${want[i]} (tolerance ${tol})`);
  }
}
