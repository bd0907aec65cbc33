// The browser entry: fetches the packaged wasm relative to this module (bundlers that copy
// assets can instead pass a URL, Response or compiled Module to init()).
import { setDefaultSource } from './wasm/init.js';

setDefaultSource((build) => fetch(new URL(`../build/${build === 'relaxed' ? 'wasmnn-relaxed' : 'wasmnn'}.wasm`, import.meta.url)));

export * from './index.js';
