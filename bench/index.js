// npm run bench: every suite, printed as ratios against baselines measured in the same run.
import { benchGemm } from './gemm.js';

console.log('GEMM, single thread, median GFLOP/s; (Nx) = how many times faster wasmnn plain is than that contender\n');
await benchGemm();
