// The Cloudflare Workers (workerd) entry. Workers accept only precompiled modules: the wasm
// is imported as a module (the bundler or workerd's config turns the .wasm file into a
// WebAssembly.Module), never compiled from bytes at run time.
// @ts-ignore: a .wasm module import, resolved by workerd / wrangler
import plain from '../build/wasmnn.wasm';
// @ts-ignore: as above
import relaxed from '../build/wasmnn-relaxed.wasm';
import { setDefaultSource } from './wasm/init.js';

setDefaultSource((build) => (build === 'relaxed' ? relaxed : plain) as WebAssembly.Module);

export * from './index.js';
