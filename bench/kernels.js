// Raw access to a wasm build for benchmarks (bytes are compiled once; an arena hands out blocks).
import { readFileSync, existsSync } from 'node:fs';
import { Arena } from '../dist/memory/arena.js';

export function loadKernels(file) {
  if (!existsSync(file)) return undefined;
  let module;
  try {
    module = new WebAssembly.Module(readFileSync(file));
  } catch {
    return undefined; // e.g. relaxed SIMD without --experimental-wasm-relaxed-simd
  }
  const k = new WebAssembly.Instance(module, {}).exports;
  const arena = new Arena(k.memory, k.heap_base());
  return {
    k,
    put(values) {
      const p = arena.alloc(values.length * 4 + 16);
      new Float32Array(k.memory.buffer, p, values.length).set(values);
      return p;
    },
  };
}
