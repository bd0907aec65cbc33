// A Cloudflare Worker serving the smoke program's result.
import * as wasmnn from '../../dist/workerd.js';
import { smoke } from './smoke.js';

export default {
  async fetch() {
    return new Response(await smoke(wasmnn));
  },
};
