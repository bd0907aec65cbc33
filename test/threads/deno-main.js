import * as wasmnn from '../../dist/deno.js';
import { train } from './train.js';
console.log(JSON.stringify(await train(wasmnn, Number(Deno.args[0]))));
