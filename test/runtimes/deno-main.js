import * as wasmnn from '../../dist/deno.js';
import { smoke } from './smoke.js';
console.log(await smoke(wasmnn));
