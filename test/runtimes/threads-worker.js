// test/threads/train.js inside a dedicated worker of test/runtimes/threads.html, which posts init's `threads`.
import * as wasmnn from '/dist/browser.js';
import { train } from '/test/threads/train.js';

self.onmessage = (e) => train(wasmnn, e.data).then(
  (r) => self.postMessage({ ...r, isolated: crossOriginIsolated, where: 'worker' }),
  (err) => self.postMessage({ error: err.message }),
);
