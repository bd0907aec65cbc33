// The public surface of wasmnn: everything a user imports comes from here.
export { init, relaxedSimdSupported, type WasmSource, type InitOptions } from './wasm/init.js';
export { OutOfMemoryError } from './memory/arena.js';
