// Convolution as im2col + GEMM on the MNIST CNN's shapes (batch 128, 3x3 kernels, valid), single
// thread, the plain build: GFLOP/s (2*M*N*K / median time) of each pass as a whole against the GEMM
// alone on the same [M,K]x[K,N] shape, and the im2col/col2im share of the pass.
//   forward  im2col + gemm_nn (y = col @ W)
//   dW       gemm_tn (col^T @ dy; col kept from the forward, as training does)
//   dx       gemm_nt (dcol = dy @ W^T) + col2im
// `npm run build` first; `node bench/conv-kernels.mjs [file.wasm]`. Not part of npm test.
import { loadKernels } from './kernels.js';
import { rand } from './data.js';

const file = process.argv[2] ?? 'build/wasmnn.wasm';
const wasm = loadKernels(file);
if (!wasm) throw new Error(`${file} missing or not valid here: build it first`);
const { k } = wasm;

// [name, n, h, w, cin, cout]: the three conv layers of the MNIST CNN (3x3, valid; 2x2 pooling between).
const LAYERS = [
  ['x [128,28,28,1] -> 16', 128, 28, 28, 1, 16],
  ['x [128,13,13,16] -> 32', 128, 13, 13, 16, 32],
  ['x [128,5,5,32] -> 32', 128, 5, 5, 32, 32],
];

/**
 * Median and best ms per call of each of fs, sampled in turn (interleaved, so that the shared
 * machine's drift hits them alike), ~5 ms a sample, 15 samples, after 400 ms of warm-up of each
 * (V8 tiers wasm up in the background).
 */
function times(fs, flops) {
  const reps = Math.max(1, Math.round(2.5e8 / flops));
  const sample = (f) => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) f();
    return (performance.now() - t0) / reps;
  };
  for (const f of fs) for (const t0 = performance.now(); performance.now() - t0 < 400; ) sample(f);
  const t = fs.map(() => []);
  for (let s = 0; s < 15; s++) fs.forEach((f, i) => t[i].push(sample(f)));
  return t.map((a) => a.sort((x, y) => x - y)).map((a) => ({ med: a[7], best: a[0] }));
}
const gf = (flops, ms) => (flops / (ms * 1e6)).toFixed(1);

console.log(`${file}, one thread; GFLOP/s median [best]`);
for (const [name, n, h, w, c, cout] of LAYERS) {
  const kh = 3, kw = 3, oh = h - 2, ow = w - 2;
  const M = n * oh * ow, K = kh * kw * c, N = cout;
  const geo = [n, h, w, c, 0, c, kh, kw, oh, ow, 1, 1, 1, 1, 0, 0];
  const x = wasm.put(rand(n * h * w * c, 1));
  const W = wasm.put(rand(K * N, 2));
  const dy = wasm.put(rand(M * N, 3));
  const col = wasm.put(new Float32Array(M * K));
  const dcol = wasm.put(new Float32Array(M * K));
  const y = wasm.put(new Float32Array(M * N));
  const dW = wasm.put(new Float32Array(K * N));
  const dx = wasm.put(new Float32Array(n * h * w * c));
  const flops = 2 * M * N * K;
  k.im2col_f32(col, x, ...geo);
  const rows = [
    ['forward', () => { k.im2col_f32(col, x, ...geo); k.gemm_nn_f32(y, col, W, M, N, K, 1, 0); }, () => k.gemm_nn_f32(y, col, W, M, N, K, 1, 0), () => k.im2col_f32(col, x, ...geo), 'NN'],
    ['dW', () => k.gemm_tn_f32(dW, col, dy, K, N, M, 1, 0), () => k.gemm_tn_f32(dW, col, dy, K, N, M, 1, 0), null, 'TN'],
    ['dx', () => { k.gemm_nt_f32(dcol, dy, W, M, K, N, 1, 0); k.col2im_f32(dx, dcol, ...geo); }, () => k.gemm_nt_f32(dcol, dy, W, M, K, N, 1, 0), () => k.col2im_f32(dx, dcol, ...geo), 'NT'],
  ];
  for (const [pass, whole, gemm, copy, v] of rows) {
    const [a, g, c2] = times(copy ? [whole, gemm, copy] : [whole, gemm], flops);
    const share = c2 ? `, ${copy === rows[0][3] ? 'im2col' : 'col2im'} ${c2.med.toFixed(3)} ms (${((100 * c2.med) / a.med).toFixed(0)}%)` : '';
    console.log(`${name} ${pass.padEnd(7)} ${M}x${N}x${K} ${v}: conv ${gf(flops, a.med)} [${gf(flops, a.best)}], GEMM alone ${gf(flops, g.med)} [${gf(flops, g.best)}]; ${a.med.toFixed(3)} ms${share}`);
  }
}
