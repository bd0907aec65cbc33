// test/threads/train.js as an application bundles it: 'wasmnn' resolved by the package's browser
// export, bundled and minified by Vite (runtimes.test.ts builds it into out/bundle/), the wasm as assets.
import * as wasmnn from 'wasmnn';
import { train } from '../../threads/train.js';

const threads = new URLSearchParams(location.search).get('threads');
train(wasmnn, threads === 'auto' ? 'auto' : Number(threads)).then(
  (r) => { window.threadsResult = { ...r, isolated: crossOriginIsolated, where: 'main' }; },
  (e) => { window.threadsResult = { error: e.message }; },
);
