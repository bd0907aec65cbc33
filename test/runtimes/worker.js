// A Cloudflare Worker serving the smoke program's result; at /threads, the smoke program after
// init({ threads: 'auto' }), with the thread count it got and what the platform has.
import * as wasmnn from '../../dist/workerd.js';
import { smoke } from './smoke.js';

export default {
  async fetch(request) {
    if (new URL(request.url).pathname === '/threads') {
      try {
        const rt = await wasmnn.init({ threads: 'auto' });
        const result = await smoke(wasmnn); // its init() keeps this runtime
        const platform = { sharedArrayBuffer: typeof SharedArrayBuffer, worker: typeof Worker, atomics: typeof Atomics };
        return Response.json({ threads: rt.threads, splitCalls: rt.splitCalls(), platform, smoke: result });
      } catch (e) {
        return new Response(`error: ${e.message}`, { status: 500 });
      }
    }
    return new Response(await smoke(wasmnn));
  },
};
