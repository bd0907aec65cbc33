// The typed export table in src/wasm/exports.ts against both compiled modules: the same
// names, the same arities, nothing extra, so there is no hand-kept copy to drift.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_ARITY } from '../../src/wasm/exports.js';
import { init, relaxedSimdSupported } from 'wasmnn';

for (const file of ['build/wasmnn.wasm', 'build/wasmnn-relaxed.wasm']) {
  describe(file, () => {
    it('exports exactly the table, with the arities it lists, and imports nothing', () => {
      const module = new WebAssembly.Module(readFileSync(file));
      expect(WebAssembly.Module.imports(module)).toEqual([]);
      const fns = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name).sort();
      expect(fns).toEqual(Object.keys(KERNEL_ARITY).sort());
      if (file.includes('relaxed') && !relaxedSimdSupported()) return; // validated where the runtime can run it
      const inst = new WebAssembly.Instance(module, {});
      for (const [name, arity] of Object.entries(KERNEL_ARITY)) expect((inst.exports[name] as Function).length, name).toBe(arity);
    });
  });
}

describe('init', () => {
  it('rejects a module that does not match the table, naming the export', async () => {
    // A valid module with a memory but none of the kernels.
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1, 7, 10, 1, 6, 109, 101, 109, 111, 114, 121, 2, 0]);
    await expect(init(empty)).rejects.toThrow(/export 'heap_base' missing or of the wrong arity/);
  });
  it('rejects a source of the wrong kind and a failed fetch', async () => {
    await expect(init(42 as never)).rejects.toThrow(/takes a WebAssembly.Module, bytes, a Response/);
    await expect(init(new Response('nope', { status: 404, statusText: 'Not Found' }))).rejects.toThrow(/HTTP 404/);
  });
  it('accepts a precompiled Module (the Cloudflare Workers way) and a Response', async () => {
    const bytes = readFileSync('build/wasmnn.wasm');
    const rt = await init(new WebAssembly.Module(bytes), { simd: 'plain' });
    expect(rt.build).toBe('plain');
    const rt2 = await init(new Response(bytes, { headers: { 'content-type': 'application/wasm' } }), { simd: 'plain' });
    expect(typeof rt2.kernels.gemm_nn_f32).toBe('function');
    expect(existsSync('build/wasmnn-relaxed.wasm')).toBe(true);
  });
});
