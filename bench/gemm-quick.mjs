// Quick GEMM GFLOP/s check (2*M*N*K / median time), single thread, no dependencies beyond the
// built wasm: `node --experimental-wasm-relaxed-simd bench/gemm-quick.mjs [plain|relaxed|file.wasm] [MxNxK,...]`.
// For the kernel author's inner loop; bench/gemm.js is the full comparison. Not part of npm test.
import { readFileSync, existsSync } from 'node:fs';

const build = process.argv[2] ?? 'plain';
const file = build.endsWith('.wasm') ? build : build === 'relaxed' ? 'build/wasmnn-relaxed.wasm' : 'build/wasmnn.wasm';
const shapes = (process.argv[3] ?? '64x64x64,256x256x256,1024x1024x1024,256x784x256').split(',').map((s) => s.split('x').map(Number));
if (!existsSync(file)) throw new Error(`${file} missing: build it first`);

const k = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), {}).exports;
let top = (k.heap_base() + 63) & ~63;
function put(n, fill) {
  const p = top;
  top += ((n * 4 + 16 + 63) & ~63) + 64; // never adjacent, always 64-byte aligned
  const need = Math.ceil(top / 65536) - k.memory.buffer.byteLength / 65536;
  if (need > 0) k.memory.grow(need);
  const v = new Float32Array(k.memory.buffer, p, n);
  let s = 12345;
  for (let i = 0; i < n; i++) v[i] = fill ? ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5 : 0;
  return p;
}

for (const [m, n, kk] of shapes) {
  const a = put(m * kk, true), b = put(kk * n, true), c = put(m * n, false);
  const flops = 2 * m * n * kk;
  const reps = Math.max(1, Math.round(2e8 / flops)); // ~2e8 flops per sample
  const line = [];
  for (const v of (process.env.VARIANTS ?? 'nn,nt,tn').split(',')) {
    // pnn/pnt/ptn: the packed path alone (gemm_packed_f32), whatever the entries choose.
    const pv = ['pnn', 'pnt', 'ptn'].indexOf(v);
    const fn = pv >= 0 ? (c, a, b, m, n, kk, al, be) => k.gemm_packed_f32(c, a, b, m, n, kk, al, be, pv) : k[`gemm_${v}_f32`];
    const sample = () => {
      const t0 = performance.now();
      for (let r = 0; r < reps; r++) fn(c, a, b, m, n, kk, 1, 0);
      return (performance.now() - t0) / reps;
    };
    // Warm up for a fixed time, not a count: V8 tiers wasm up from Liftoff to TurboFan on a
    // background thread, which on a busy machine can lag well behind the first calls.
    for (const t0 = performance.now(); performance.now() - t0 < 400; ) sample();
    const times = Array.from({ length: 9 }, sample).sort((x, y) => x - y);
    // Median, and best in brackets: on a shared machine the best is the steadier figure.
    line.push(`${v.toUpperCase()} ${(flops / (times[4] * 1e6)).toFixed(1)} [${(flops / (times[0] * 1e6)).toFixed(1)}]`);
  }
  console.log(`${build} ${m}x${n}x${kk}: ${line.join('  ')} GFLOP/s, median [best]`);
}
