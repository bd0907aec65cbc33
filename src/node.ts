// The Node entry: finds the packaged wasm next to dist/, then the shared surface.
import { readFile } from 'node:fs/promises';
import { setDefaultSource } from './wasm/init.js';

setDefaultSource((build) => readFile(new URL(`../build/${build === 'relaxed' ? 'wasmnn-relaxed' : 'wasmnn'}.wasm`, import.meta.url)));

export * from './index.js';
