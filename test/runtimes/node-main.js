// The smoke program under another Node (the node22 / node24 npm packages in .tools/).
import * as wasmnn from '../../dist/node.js';
import { smoke } from './smoke.js';
console.log(await smoke(wasmnn));
