// Fused attention (assembly/attention.ts) against the unfused kernels the graph would otherwise
// run for softmax(scale q k^T) v per (batch, head): gemm_nt (scores, alpha = scale), softmax_rows,
// gemm_nn (P v); single thread, the plain build. GFLOP/s counts 4*tq*tk*d a pair (QK^T and PV;
// dv = d) over the median time; the backward counts 2.5 times the forward's flops (FlashAttention's
// convention: the five products of its backward over the forward's two).
// `npm run build` first; `node bench/attention.mjs [file.wasm]`. Not part of npm test.
import { loadKernels } from './kernels.js';
import { rand } from './data.js';

const file = process.argv[2] ?? 'build/wasmnn.wasm';
const wasm = loadKernels(file);
if (!wasm) throw new Error(`${file} missing or not valid here: build it first`);
const { k } = wasm;

// Median and best ms per call of each of fs, sampled in turn, after 300 ms of warm-up each.
function times(fs, flops) {
  const reps = Math.max(1, Math.round(1e8 / flops));
  const sample = (f) => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    return (performance.now() - t0) / reps;
  };
  for (const f of fs) for (const t0 = performance.now(); performance.now() - t0 < 300; ) sample(f);
  const t = fs.map(() => []);
  for (let s = 0; s < 15; s++) fs.forEach((f, i) => t[i].push(sample(f)));
  return t.map((a) => a.sort((x, y) => x - y)).map((a) => ({ med: a[7], best: a[0] }));
}
const gf = (flops, ms) => (flops / (ms * 1e6)).toFixed(1);

const batch = 4, heads = 4, d = 32;
console.log(`${file}, one thread, batch ${batch} x ${heads} heads, d ${d}; GFLOP/s median [best]`);
for (const t of [64, 256]) {
  for (const causal of [0, 1]) {
    const bh = batch * heads, n = bh * t * d;
    const q = wasm.put(rand(n, 1)), kk = wasm.put(rand(n, 2)), v = wasm.put(rand(n, 3)), dO = wasm.put(rand(n, 4));
    const o = wasm.put(new Float32Array(n)), lse = wasm.put(new Float32Array(bh * t));
    const dq = wasm.put(new Float32Array(n)), dk = wasm.put(new Float32Array(n)), dv = wasm.put(new Float32Array(n));
    const s = wasm.put(new Float32Array(bh * t * t));
    const scale = 1 / Math.sqrt(d), flops = 4 * bh * t * t * d;
    const fused = () => k.attention_f32(o, lse, q, kk, v, 0, 0, bh, t, t, d, d, scale, causal, 0);
    const backward = () => k.attention_backward_f32(dq, dk, dv, q, kk, v, o, dO, lse, 0, 0, bh, t, t, d, d, scale, causal, 0);
    const unfused = () => {
      for (let u = 0; u < bh; u++) {
        const off = u * t * d * 4, so = s + u * t * t * 4;
        k.gemm_nt_f32(so, q + off, kk + off, t, t, d, scale, 0);
        k.softmax_rows_f32(so, so, t, t);
        k.gemm_nn_f32(o + off, so, v + off, t, d, t, 1, 0);
      }
    };
    const fs = causal ? [fused, backward] : [fused, backward, unfused];
    const [f, b, u] = times(fs, flops);
    const tail = u ? `, unfused kernels (gemm_nt, softmax, gemm_nn) ${gf(flops, u.med)} [${gf(flops, u.best)}]` : '';
    console.log(`t ${t}${causal ? ' causal (flops as dense)' : ''}: fused forward ${gf(flops, f.med)} [${gf(flops, f.best)}], backward ${gf(2.5 * flops, b.med)} [${gf(2.5 * flops, b.best)}]${tail}`);
  }
}

// Through the graph: Model.predict of the fused op against the unfused ops (transpose k, batched
// matmul, scale, softmax, batched matmul), both on the plain build, one thread, data copied in and
// the output out on every call alike.
const { init, input, ops, Model } = await import('../dist/node.js');
await init({ simd: 'plain', threads: 1 });
console.log(`graph, Model.predict, batch ${batch} x ${heads} heads, d ${d}; GFLOP/s median [best]`);
for (const t of [64, 256]) {
  const shape = [heads, t, d], n = batch * heads * t * d;
  const qi = input({ shape }), ki = input({ shape }), vi = input({ shape });
  const fusedModel = new Model({ inputs: [qi, ki, vi], outputs: ops.dotProductAttention(qi, ki, vi) });
  const scores = ops.mul(ops.matmul(qi, ops.transpose(ki, [0, 1, 3, 2])), 1 / Math.sqrt(d));
  const unfusedModel = new Model({ inputs: [qi, ki, vi], outputs: ops.matmul(ops.softmax(scores), vi) });
  const data = [1, 2, 3].map((s) => ({ data: rand(n, s), shape: [batch, ...shape] }));
  const flops = 4 * batch * heads * t * t * d;
  const [f, u] = times([() => fusedModel.predict(data), () => unfusedModel.predict(data)], flops);
  const a = fusedModel.predict(data).data, b = unfusedModel.predict(data).data;
  const diff = a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i])), 0);
  console.log(`t ${t}: fused ${gf(flops, f.med)} [${gf(flops, f.best)}], unfused ${gf(flops, u.med)} [${gf(flops, u.best)}] (largest difference ${diff.toExponential(1)})`);
}
