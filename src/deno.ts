// The Deno entry: reads the packaged wasm next to dist/, then the shared surface.
import { setDefaultSource } from './wasm/init.js';

const deno = (globalThis as unknown as { Deno: { readFile(url: URL): Promise<Uint8Array> } }).Deno;
setDefaultSource((build) => deno.readFile(new URL(`../build/${build === 'relaxed' ? 'wasmnn-relaxed' : 'wasmnn'}.wasm`, import.meta.url)));

export * from './index.js';
