// Every kernel the threaded runtime splits, on 2 and 3 threads with the threshold at 0 (so every
// call is split, down to one unit a thread), against the single-threaded build: the same bits in
// every output, at awkward sizes, unaligned offsets and with the output aliasing an input.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWasm, randn } from '../helpers/wasm.js';
import { startThreads, type ThreadedParts } from '../../dist/threads/pool.js';
import { SPLITS } from '../../dist/threads/split.js';
import { conv2dGeometry, type Conv2dOptions } from '../../src/reference/conv.js';
import { im2colArgs, im2colGeometry } from '../../src/reference/im2col.js';
import { pool2dArgs, pool2dGeometry, type Pool2dOptions } from '../../src/reference/pool.js';

const plain = loadWasm();
const module = new WebAssembly.Module(readFileSync('build/wasmnn-threads.wasm'));

type Kind = 'f32' | 'pos' | 'i32' | 'zero' | 'holes' | 'adam';
/** A kernel call: its buffers (contents, skew in floats) and how each argument is made. */
interface Call {
  buffers: { kind: Kind; n: number; skew: number; max?: number }[];
  /** Per argument: ['buf', i] for buffer i's pointer, or a number. */
  args: (number | ['buf', number])[];
}

// Builds the buffers in one runtime, calls, and returns every buffer's bits afterwards, then what the call returned.
function run(kernels: Record<string, Function>, arena: { alloc(b: number, a?: number): number }, memory: WebAssembly.Memory, name: string, call: Call, seed: number): [Uint32Array[], unknown] {
  const ptrs = call.buffers.map((b, i) => {
    const p = arena.alloc((b.n + b.skew) * 4 + 16, 64) + b.skew * 4;
    const r = randn(b.n, seed + i);
    if (b.kind === 'i32') new Int32Array(memory.buffer, p, b.n).set(Array.from(r, (v, j) => Math.abs(Math.floor(v * 1000 + j)) % (b.max ?? 1)));
    else if (b.kind === 'adam') new Float64Array(memory.buffer, p - b.skew * 4, 7).set(ADAM_HYPER); // adam_f32's scalars, 8-byte aligned
    else if (b.kind === 'holes') new Float32Array(memory.buffer, p, b.n).set(r.map((v, j) => (j % 7 === 3 ? NaN : j % 11 === 5 ? Infinity * Math.sign(v) : v)));
    else new Float32Array(memory.buffer, p, b.n).set(b.kind === 'pos' ? r.map(Math.abs) : b.kind === 'zero' ? r.map(() => 0) : r);
    return p;
  });
  const args = call.args.map((a) => (typeof a === 'number' ? a : ptrs[a[1]]));
  const result = kernels[name](...args);
  return [call.buffers.map((b, i) => new Uint32Array(memory.buffer, ptrs[i], b.n).slice()), result];
}

const buf = (kind: Kind, n: number, skew = 0, max?: number) => ({ kind, n, skew, max });
const B = (i: number): ['buf', number] => ['buf', i];

// Calls for one kernel at size s (elements, or rows x cols), cycling offsets and aliasing.
function calls(name: string): Call[] {
  const out: Call[] = [];
  const sizes = [0, 1, 3, 4, 5, 17, 33, 1023, 4099];
  if (name.startsWith('gemm')) {
    const shapes = [[1, 5, 7], [3, 8, 16], [5, 17, 33], [9, 1, 40], [17, 2, 20], [18, 3, 17], [21, 4, 64], [33, 10, 300], [64, 64, 64], [130, 1024, 130], [200, 300, 150], [37, 8, 5]];
    for (const [m, n, k] of shapes) {
      for (const beta of [0, 0.5]) {
        const tn = name === 'gemm_tn_f32' || name === 'gemm_tn_lda_f32';
        const args: Call['args'] = [B(0), B(1), B(2), m, n, k, 1.25, beta];
        if (name === 'gemm_tn_lda_f32') {
          // A of k x (m + 3): the first m of its columns.
          out.push({ buffers: [buf('f32', m * n, 1), buf('f32', k * (m + 3), 2), buf('f32', k * n, 3)], args: [...args, m + 3] });
        } else out.push({ buffers: [buf('f32', m * n, 1), buf('f32', tn ? k * m : m * k, 2), buf('f32', name === 'gemm_nt_f32' ? n * k : k * n, 3)], args });
      }
    }
    return out;
  }
  if (name in BY_IMAGES) return BY_IMAGES[name]();
  if (name in SEQUENCE) return SEQUENCE[name]();
  const s = SPLITS[name as keyof typeof SPLITS]!;
  if (s.align === 4) {
    // Row kernels: rows x cols.
    for (const [rows, cols] of [[1, 1], [3, 3], [4, 4], [5, 10], [17, 3], [33, 17], [130, 300], [9, 256], [9, 257], [2, 18], [40, 64], [7, 259]]) {
      const n = rows * cols;
      if (name.startsWith('col_sum')) {
        for (const beta of [0, 0.5]) {
          const args: Call['args'] = [B(0), B(1), rows, cols, beta];
          if (name === 'col_sum_ld_f32') out.push({ buffers: [buf('f32', cols, 1), buf('f32', rows * (cols + 5), 2)], args: [...args, cols + 5] });
          else out.push({ buffers: [buf('f32', cols, 1), buf('f32', n, 2)], args });
        }
      } else if (name === 'gather_rows_f32') out.push({ buffers: [buf('f32', n, 1), buf('f32', 7 * cols, 2), buf('i32', rows, 0, 7)], args: [B(0), B(1), B(2), rows, cols] });
      else if (name === 'argmax_rows_f32') out.push({ buffers: [buf('i32', rows, 0, 1), buf('f32', n, 3)], args: [B(0), B(1), rows, cols] });
      else if (name.startsWith('bias')) {
        out.push({ buffers: [buf('f32', n, 1), buf('f32', n, 2), buf('f32', cols, 3)], args: [B(0), B(1), B(2), rows, cols] });
        out.push({ buffers: [buf('f32', n, 1), buf('f32', cols, 3)], args: [B(0), B(0), B(1), rows, cols] }); // in place
      } else if (s.arity === 4) out.push({ buffers: [buf('f32', n, 1), buf('f32', n, 2)], args: [B(0), B(1), rows, cols] });
      else out.push({ buffers: [buf('f32', n, 1), buf('f32', n, 2), buf('f32', n, 3)], args: [B(0), B(1), B(2), rows, cols] });
    }
    return out;
  }
  for (const n of sizes) {
    const skew = n % 4;
    if (name === 'count_non_finite_f32') {
      out.push({ buffers: [buf('holes', n, skew)], args: [B(0), n] });
      continue;
    }
    if (name === 'gather_i32') {
      out.push({ buffers: [buf('i32', n, 1, 1), buf('i32', 50, 0, 1), buf('i32', n, 2, 50)], args: [B(0), B(1), B(2), n] });
      continue;
    }
    if (name === 'adam_f32') {
      // Its scalars in memory (buffer 6), the AMSGrad slot, then without it and with a decay mask: int32 0 or 1 per element.
      const kinds: Kind[] = ['f32', 'f32', 'pos', 'pos', 'pos', 'f32'];
      const at = (k: Kind, i: number) => buf(k, n, (skew + i) % 4);
      out.push({ buffers: [...kinds.map(at), buf('adam', 14)], args: [B(0), B(1), B(2), B(3), B(4), 0, n, B(6)] });
      out.push({ buffers: [...kinds.map((k, i) => (i === 5 ? buf('i32', n, 3, 2) : at(k, i))), buf('adam', 14)], args: [B(0), B(1), B(2), B(3), 0, B(5), n, B(6)] });
      out.push({ buffers: [...kinds.map(at), buf('adam', 14)], args: [B(0), B(0), B(2), B(3), 0, 0, n, B(6)] }); // w aliasing g
      continue;
    }
    // Element-wise: `pointers` buffers of n (the state slots positive), the count, then scalars.
    const pointers = s.strides.filter((v) => v === 0).length;
    const kinds: Kind[] = Array.from({ length: pointers }, (_, i) => (i >= 2 && name !== 'mul_f32' && !name.includes('backward') ? 'pos' : 'f32'));
    const scalars = SCALARS[name] ?? [];
    const args: Call['args'] = [...kinds.map((_, i) => B(i)), n, ...scalars];
    out.push({ buffers: kinds.map((k, i) => buf(k, n, (skew + i) % 4)), args });
    if (pointers >= 2) out.push({ buffers: kinds.map((k, i) => buf(k, n, (skew + i) % 4)), args: [B(0), B(0), ...args.slice(2)] }); // output aliasing input
  }
  return out;
}

// Convolution and pooling, split by images: batches of 1 (one thread) to 7, odd sizes, padding,
// strides, dilation, a channel group of im2col/col2im (dx's other channels must keep their bits).
const CONV: [number[], number[], Conv2dOptions][] = [
  [[1, 5, 5, 3], [3, 3, 3, 2], { padding: 'same' }],
  [[2, 7, 6, 1], [3, 3, 1, 4], {}],
  [[3, 9, 7, 16], [3, 3, 16, 8], { strides: [2, 2], padding: 'same' }],
  [[5, 6, 7, 5], [3, 2, 5, 3], { dilations: [2, 1], padding: [[2, 0], [1, 3]] }],
  [[7, 5, 5, 4], [3, 3, 2, 4], { groups: 2, padding: 'same' }],
];
const POOL: [number[], Pool2dOptions][] = [
  [[1, 4, 4, 3], { poolSize: [2, 2] }],
  [[2, 7, 6, 16], { poolSize: [3, 3], strides: [2, 2], padding: 'same' }],
  [[3, 5, 7, 5], { poolSize: [2, 3], strides: [1, 2], padding: [[1, 0], [0, 2]] }],
  [[7, 6, 6, 1], { poolSize: [3, 3], strides: [1, 1], padding: 'same' }],
];
const convCalls = (col2im: boolean): Call[] =>
  CONV.flatMap(([xs, ws, opts]) => {
    const g = conv2dGeometry(xs, ws, opts);
    return Array.from({ length: g.groups }, (_, grp) => {
      const ig = im2colGeometry(g, grp);
      const nx = g.n * g.h * g.w * g.cin, ncol = g.n * g.oh * g.ow * g.kh * g.kw * ig.cg;
      return { buffers: col2im ? [buf('f32', nx, 1), buf('f32', ncol, 2)] : [buf('f32', ncol, 1), buf('f32', nx, 3)], args: [B(0), B(1), ...im2colArgs(ig)] };
    });
  });
const poolCalls = (f: (g: ReturnType<typeof pool2dGeometry>, nx: number, ny: number) => Call[]): Call[] =>
  POOL.flatMap(([xs, opts]) => {
    const g = pool2dGeometry(xs, opts);
    return f(g, g.n * g.h * g.w * g.c, g.n * g.oh * g.ow * g.c);
  });
const BY_IMAGES: Record<string, () => Call[]> = {
  im2col_f32: () => convCalls(false),
  col2im_f32: () => convCalls(true),
  maxpool2d_f32: () => poolCalls((g, nx, ny) => [{ buffers: [buf('f32', ny, 1), buf('holes', nx, 2)], args: [B(0), B(1), ...pool2dArgs(g)] }]),
  maxpool2d_backward_f32: () => poolCalls((g, nx, ny) => [{ buffers: [buf('f32', nx, 1), buf('f32', ny, 2), buf('holes', nx, 3)], args: [B(0), B(1), B(2), ...pool2dArgs(g)] }]),
  avgpool2d_f32: () => poolCalls((g, nx, ny) => [0, 1].map((countPad) => ({ buffers: [buf('f32', ny, 1), buf('f32', nx, 2)], args: [B(0), B(1), ...pool2dArgs(g), countPad] }))),
  avgpool2d_backward_f32: () => poolCalls((g, nx, ny) => [0, 1].map((countPad) => ({ buffers: [buf('f32', nx, 1), buf('f32', ny, 2)], args: [B(0), B(1), ...pool2dArgs(g), countPad] }))),
  global_avgpool_f32: () => [[1, 9, 3], [2, 49, 16], [3, 7, 5], [7, 1, 33]].map(([n, hw, c]) => ({ buffers: [buf('f32', n * c, 1), buf('f32', n * hw * c, 2)], args: [B(0), B(1), n, hw, c] })),
  global_avgpool_backward_f32: () => [[1, 9, 3], [2, 49, 16], [3, 7, 5], [7, 1, 33]].map(([n, hw, c]) => ({ buffers: [buf('f32', n * hw * c, 1), buf('f32', n * c, 2)], args: [B(0), B(1), n, hw, c] })),
};

// Sequence models: the table gradient by table rows (indices with repeats, a vocabulary of 1 to
// 300 rows), the norms by rows and their parameter gradients by columns.
const SHAPES = [[1, 1], [3, 3], [4, 4], [5, 10], [17, 3], [33, 17], [130, 300], [9, 257], [7, 1]];
const SEQUENCE: Record<string, () => Call[]> = {
  scatter_add_rows_f32: () => SHAPES.map(([vocab, cols], i) => {
    const n = 3 * vocab + i;
    return { buffers: [buf('f32', vocab * cols, 1), buf('f32', n * cols, 2), buf('i32', n, 3, vocab)], args: [B(0), B(0), B(1), B(2), vocab, n, cols] };
  }),
  layer_norm_f32: () => SHAPES.flatMap(([rows, cols]) => [
    { buffers: [buf('f32', rows * cols, 1), buf('f32', rows, 2), buf('f32', rows, 3), buf('f32', rows * cols, 2), buf('f32', cols, 0), buf('f32', cols, 1), buf('pos', 1, 2)], args: [B(0), B(1), B(2), B(3), B(4), B(5), B(6), rows, cols] },
    { buffers: [buf('f32', rows * cols, 1), buf('f32', rows, 2), buf('f32', rows, 3), buf('f32', cols, 0), buf('f32', cols, 1), buf('pos', 1, 3)], args: [B(0), B(1), B(2), B(0), B(3), B(4), B(5), rows, cols] }, // in place
  ]),
  rms_norm_f32: () => SHAPES.map(([rows, cols]) => ({ buffers: [buf('f32', rows * cols, 1), buf('f32', rows, 2), buf('f32', rows * cols, 3), buf('f32', cols, 0), buf('pos', 1, 1)], args: [B(0), B(1), B(2), B(3), B(4), rows, cols] })),
  norm_rows_backward_f32: () => SHAPES.flatMap(([rows, cols]) => [0, 1].map((rms) => (
    { buffers: [buf('f32', rows * cols, 1), buf('f32', rows * cols, 2), buf('f32', rows * cols, 3), buf('f32', rows, 0), buf('pos', rows, 1), buf('f32', cols, 2)], args: [B(0), B(1), B(2), B(3), B(4), B(5), rows, cols, rms] }))),
  norm_param_grad_f32: () => SHAPES.flatMap(([rows, cols]) => [0, 1].map((rms) => (
    { buffers: [buf('f32', cols, 1), buf('f32', cols, 2), buf('f32', rows * cols, 3), buf('f32', rows * cols, 0), buf('f32', rows, 1), buf('pos', rows, 2)], args: [B(0), B(1), B(2), B(3), B(4), B(5), rows, cols, cols, rms] }))),
};
// Attention, split by (batch, head) pairs: 1 (one thread) to 7 pairs, tile tails, causal with
// both diagonals, a shared mask, dropout factors per pair (any numbers: each pair reads its own);
// the backward's lse and o need not come from the forward here.
const ATTENTION: [number, number, number, number, number, number, number, boolean, boolean][] = [
  // bh, tq, tk, d, dv, causal, diag, mask, drop
  [1, 5, 5, 4, 4, 0, 0, false, false],
  [2, 17, 70, 7, 5, 1, 0, true, true],
  [3, 70, 33, 16, 16, 1, -37, false, true],
  [5, 33, 65, 32, 8, 0, 0, true, false],
  [7, 3, 4, 1, 3, 1, 0, false, true],
];
const attentionCalls = (backward: boolean): Call[] =>
  ATTENTION.map(([bh, tq, tk, d, dv, causal, diag, mask, drop]) => {
    const scalars = [bh, tq, tk, d, dv, 1 / Math.sqrt(d), causal, diag];
    const m = mask ? B(backward ? 9 : 5) : 0, z = drop ? B(backward ? 10 : 6) : 0;
    if (!backward) return { buffers: [buf('f32', bh * tq * dv, 1), buf('f32', bh * tq, 2), buf('f32', bh * tq * d, 3), buf('f32', bh * tk * d, 0), buf('f32', bh * tk * dv, 1), buf('f32', tq * tk, 2), buf('f32', bh * tq * tk, 3)], args: [B(0), B(1), B(2), B(3), B(4), m, z, ...scalars] };
    const sizes = [bh * tq * d, bh * tk * d, bh * tk * dv, bh * tq * d, bh * tk * d, bh * tk * dv, bh * tq * dv, bh * tq * dv, bh * tq, tq * tk, bh * tq * tk];
    return { buffers: sizes.map((n, i) => buf(i === 8 ? 'pos' : 'f32', n, i % 4)), args: [...sizes.slice(0, 9).map((_, i) => B(i)), m, z, ...scalars] };
  });
BY_IMAGES.attention_f32 = () => attentionCalls(false);
BY_IMAGES.attention_backward_f32 = () => attentionCalls(true);
// The cached form (a generating model's step): 1 to 7 heads, one query or several, caches of ld >= len rows.
BY_IMAGES.attention_decode_f32 = () =>
  [[1, 1, 5, 5, 4, 4], [2, 1, 70, 73, 7, 5], [3, 17, 33, 40, 16, 16], [4, 1, 65, 65, 32, 32], [7, 3, 4, 9, 1, 3]].map(([bh, tq, len, ld, d, dv]) => ({
    buffers: [buf('f32', bh * tq * dv, 1), buf('f32', bh * tq * d, 2), buf('f32', bh * ld * d, 3), buf('f32', bh * ld * dv, 0)],
    args: [B(0), B(1), B(2), B(3), bh, tq, len, ld, d, dv, 1 / Math.sqrt(d)],
  }));
// Permuted copies: [d0..d5] and p; those that keep axis 0 first split by it, the others stay on one thread.
BY_IMAGES.permute_f32 = () =>
  ([[[5, 7, 3, 4, 1, 1], [0, 2, 1, 3, 4, 5]], [[12, 6, 4, 8, 1, 1], [0, 2, 1, 3, 4, 5]], [[3, 5, 2, 3, 2, 3], [0, 5, 3, 1, 4, 2]], [[1, 9, 9, 1, 1, 1], [0, 2, 1, 3, 4, 5]], [[4, 6, 5, 1, 1, 1], [1, 0, 2, 3, 4, 5]]] as const).map(([d, p]) => {
    const n = d.reduce((a, b) => a * b, 1);
    return { buffers: [buf('f32', n, 1), buf('holes', n, 2)], args: [B(0), B(1), ...d, ...p] };
  });
// adam_f32's scalars, in memory: stepSize, beta1, beta2, eps, invSqrtBc2, wd, keep.
const ADAM_HYPER = [0.001, 0.9, 0.999, 1e-8, 1.2, 0.01, 0.999];

// The scalars after the count (reasonable hyper-parameters; first steps flagged where it matters).
const SCALARS: Record<string, number[]> = {
  fill_f32: [0.5],
  scale_f32: [1.5],
  axpy_f32: [-0.25],
  add_sign_f32: [0.01],
  clip_f32: [0.5],
  leaky_relu_f32: [0.01],
  leaky_relu_backward_f32: [0.01],
  elu_f32: [1],
  elu_backward_f32: [1],
  sgd_f32: [0.1, 0.01],
  sgd_momentum_f32: [0.1, 0.9, 0.1, 0.01, 0.001, 1],
  adagrad_f32: [0.1, 1e-10, 0.01],
  rmsprop_f32: [0.01, 0.99, 1e-8, 0.9, 0.01],
  adamax_f32: [0.002, 0.9, 0.999, 1e-8, 0.01],
  nadam_f32: [0.001, 0.0005, 0.9, 0.999, 1e-8, 1.1, 0.01],
  adadelta_f32: [1, 0.9, 1e-6, 0.01],
};

const pools: ThreadedParts[] = [];
beforeAll(async () => {
  for (const t of [2, 3]) pools.push(await startThreads(module, t, { minWork: 0, backoff: false }));
});
afterAll(() => pools.forEach((p) => p.close()));

describe('split kernels give the bits of one thread', () => {
  for (const name of Object.keys(SPLITS)) {
    it(`${name} on 2 and 3 threads`, () => {
      const cs = calls(name);
      expect(cs.length).toBeGreaterThan(0);
      cs.forEach((call, i) => {
        const [want, wantResult] = run(plain.k, plain.arena, plain.memory, name, call, 100 + i);
        // 'holes': NaN at j % 7 == 3, an infinity (or NaN) at j % 11 == 5.
        if (name === 'count_non_finite_f32') expect(wantResult).toBe(Array.from({ length: call.args[1] as number }, (_, j) => j % 7 === 3 || j % 11 === 5).filter(Boolean).length);
        for (const p of pools) {
          const before = p.splitCalls();
          const [got, result] = run(p.kernels as unknown as Record<string, Function>, p.arena, p.kernels.memory, name, call, 100 + i);
          expect(result, `${name} call ${i} result, ${p.threads} threads`).toBe(wantResult);
          got.forEach((g, j) => expect(Buffer.from(g.buffer).equals(Buffer.from(want[j].buffer)), `${name} call ${i} (${JSON.stringify(call.args)}) buffer ${j}, ${p.threads} threads`).toBe(true));
          const spec = SPLITS[name as keyof typeof SPLITS]!;
          const units = call.args[spec.count] as number;
          const serial = spec.serial?.(Float64Array.from(call.args, (v) => (typeof v === 'number' ? v : 0))) ?? false;
          expect(p.splitCalls(), `${name} call ${i} split`).toBe(before + (units >= 2 * spec.align && !serial ? 1 : 0));
        }
      });
    });
  }
});

describe('col_sum_ld_f32', () => {
  it('over the first cols of ld columns equals col_sum_f32 on those columns alone, and with ld = cols is col_sum_f32', () => {
    for (const [rows, cols, ld] of [[5, 8, 9], [17, 4, 20], [33, 12, 40], [130, 300, 303], [3, 3, 7], [3, 10, 10], [9, 10, 10], [1, 1, 1]]) {
      const X = Float32Array.from(randn(rows * ld, rows + cols));
      const compact = Float32Array.from({ length: rows * cols }, (_, i) => X[Math.floor(i / cols) * ld + (i % cols)]);
      const o1 = plain.out(cols), o2 = plain.out(cols);
      plain.k.col_sum_ld_f32(o1, plain.put(X, 1), rows, cols, 0, ld);
      plain.k.col_sum_f32(o2, plain.put(compact, 2), rows, cols, 0);
      expect(Array.from(plain.f32(o1, cols)), `${rows}x${cols} ld ${ld}`).toEqual(Array.from(plain.f32(o2, cols)));
    }
  });
});

describe('gemm_tn_lda_f32', () => {
  it('over the first m of lda columns of A equals gemm_tn_f32 on those columns alone', () => {
    for (const [m, n, k, lda] of [[5, 3, 20, 9], [17, 1, 33, 20], [33, 10, 7, 40], [130, 64, 300, 135], [8, 2, 64, 8]]) {
      const A = Float32Array.from(randn(k * lda, m));
      const compact = Float32Array.from({ length: k * m }, (_, i) => A[Math.floor(i / m) * lda + (i % m)]);
      const b = plain.put(randn(k * n, n));
      const c1 = plain.out(m * n), c2 = plain.out(m * n);
      plain.k.gemm_tn_lda_f32(c1, plain.put(A, 1), b, m, n, k, 1, 0, lda);
      plain.k.gemm_tn_f32(c2, plain.put(compact, 2), b, m, n, k, 1, 0);
      expect(Array.from(plain.f32(c1, m * n)), `${m}x${n}x${k} lda ${lda}`).toEqual(Array.from(plain.f32(c2, m * n)));
    }
  });
});

// Products big enough (gridWork 0 here) go in a grid of row and column blocks when the largest
// block costs less (its multiply-adds and the rows of A and columns of B it copies; dispatch.ts).
// Shapes chosen so that 2, 3 and 4 threads take 1 x 2, 1 x 3, 2 x 2 and 1 x 4 grids, with ragged
// last blocks in both dimensions.
describe('GEMM split by rows and columns', () => {
  const grids: ThreadedParts[] = [];
  beforeAll(async () => {
    for (const t of [2, 3, 4]) grids.push(await startThreads(module, t, { minWork: 0, gridWork: 0, backoff: false }));
  });
  afterAll(() => grids.forEach((p) => p.close()));
  // [m, n, k] and the grid each pool (2, 3, 4 threads) takes: 'r' rows alone, else pr x pc.
  const SHAPES: [number, number, number, string[]][] = [
    [20, 64, 9, ['1x2', '1x3', '1x4']],
    [64, 40, 30, ['r', 'r', 'r']],
    [30, 100, 17, ['r', '1x3', 'r']],
    [40, 72, 33, ['r', '1x3', '2x2']],
    [13, 130, 5, ['1x2', '1x3', '1x4']],
    [9, 16, 300, ['1x2', 'r', '2x2']], // 9 rows go 8 + 1 by rows: 2 x 8 columns balance
    [128, 256, 784, ['1x2', '1x3', '2x2']],
  ];
  for (const name of ['gemm_nn_f32', 'gemm_nt_f32', 'gemm_tn_f32', 'gemm_tn_lda_f32']) {
    it(`${name}: the bits of one thread on 2, 3 and 4 threads, in the grids the copies decide`, () => {
      SHAPES.forEach(([m, n, k, expected], s) => {
        for (const beta of [0, 0.5]) {
          const tn = name.startsWith('gemm_tn');
          const lda = name === 'gemm_tn_lda_f32' ? m + 3 : m;
          const call: Call = {
            buffers: [buf('f32', m * n, 1), buf('f32', tn ? k * lda : m * k, 2), buf('f32', name === 'gemm_nt_f32' ? n * k : k * n, 3)],
            args: [B(0), B(1), B(2), m, n, k, 1.25, beta, ...(name === 'gemm_tn_lda_f32' ? [lda] : [])],
          };
          const [want] = run(plain.k, plain.arena, plain.memory, name, call, 7 + s);
          grids.forEach((p, g) => {
            const before = p.gridCalls();
            const [got] = run(p.kernels as unknown as Record<string, Function>, p.arena, p.kernels.memory, name, call, 7 + s);
            expect(Buffer.from(got[0].buffer).equals(Buffer.from(want[0].buffer)), `${name} ${m}x${n}x${k} beta ${beta}, ${p.threads} threads`).toBe(true);
            expect(p.gridCalls() - before, `${name} ${m}x${n}x${k} on ${p.threads} threads: grid ${expected[g]}`).toBe(expected[g] === 'r' ? 0 : 1);
          });
        }
      });
    });
  }
});
