// im2col_f32 / col2im_f32 against their float64 twins (src/reference/im2col.ts), and convolution as
// im2col + GEMM against src/reference/conv.ts and PyTorch's float64 goldens (conv.json):
//   forward  y = col @ W               (gemm_nn_f32, W the HWIO filter as [kh*kw*cg, cout])
//   dW       = col^T @ dy              (gemm_tn_f32)
//   dx       = col2im(dy @ W^T)        (gemm_nt_f32, then col2im_f32)
// per group for grouped convolutions (channels c0 = g*cg .. of x, the group's columns of W and dy).
// Tolerances: im2col exact (a copy), col2im exact against the twin accumulating in a Float32Array
// (the same additions in the same order); the products |got - want| <= (K + 2) * 2^-24 * m, where m
// is the same product on |x|, |w|, |dy| and K the terms in each sum (a float32 sum's error bound),
// against goldens rel 1e-5 + 1e-5 * max |want| (the inputs rounded to float32 first).
import { describe, expect, it } from 'vitest';
import { conv1dGeometry, conv2d, conv2dBackward, conv2dGeometry, type Conv2dGeometry, type Conv2dOptions } from '../../src/reference/conv.js';
import { col2im, im2col, im2colArgs, im2colGeometry, type Im2colGeometry } from '../../src/reference/im2col.js';
import { golden } from '../helpers/fixtures.js';
import { expectClose, loadWasm, randn } from '../helpers/wasm.js';

const w = loadWasm();
const U = 2 ** -24;
const GUARD = 8; // floats past each output that must stay NaN

/** An output block of n floats (NaN-filled) with GUARD more, and a check that the guard is untouched. */
function outBlock(n: number, skew: number): [number, () => void] {
  const p = w.out(n + GUARD, skew);
  return [p, () => expect(Array.from(w.f32(p + n * 4, GUARD)).every(Number.isNaN), 'nothing written past the output').toBe(true)];
}
const read = (p: number, n: number) => Float32Array.from(w.f32(p, n));

/** Convolution geometries: [name, x shape, w shape, options]. */
const CASES: [string, number[], number[], Conv2dOptions][] = [];
for (const c of [1, 3, 4, 5, 16]) {
  CASES.push([`c ${c}, 3x3, stride 1, valid, batch 3`, [3, 7, 6, c], [3, 3, c, 4], {}]);
  CASES.push([`c ${c}, 3x3, stride 2, same`, [3, 7, 8, c], [3, 3, c, 3], { strides: [2, 2], padding: 'same' }]);
  CASES.push([`c ${c}, 3x2, strides [1, 2], explicit pads [[2, 0], [1, 3]]`, [2, 5, 7, c], [3, 2, c, 5], { strides: [1, 2], padding: [[2, 0], [1, 3]] }]);
  CASES.push([`c ${c}, 3x3, dilation 2, same`, [3, 9, 7, c], [3, 3, c, 2], { dilations: [2, 2], padding: 'same' }]);
}
CASES.push(['c 16, dilations [2, 1], strides [2, 1], same', [2, 9, 7, 16], [3, 3, 16, 8], { strides: [2, 1], dilations: [2, 1], padding: 'same' }]);
CASES.push(['c 33 (16-float steps and a tail), 3x3, same', [2, 5, 6, 33], [3, 3, 33, 7], { padding: 'same' }]);
CASES.push(['c 5, 1x1 kernel, stride 2', [3, 5, 7, 5], [1, 1, 5, 6], { strides: [2, 2] }]);
CASES.push(['c 3, even kernel 4x2, same', [2, 5, 5, 3], [4, 2, 3, 4], { padding: 'same' }]);
CASES.push(['c 2, kernel 2 on pads of 3: windows wholly in padding', [2, 3, 4, 2], [2, 2, 2, 3], { padding: [[3, 3], [3, 3]], strides: [1, 2] }]);
CASES.push(['c 4, 3x3 on a 1x1 input, pads [[1, 1], [1, 1]]', [3, 1, 1, 4], [3, 3, 4, 2], { padding: [[1, 1], [1, 1]] }]);
CASES.push(['c 2, stride 3 past kernel 2 (pixels skipped)', [2, 8, 7, 2], [2, 2, 2, 3], { strides: [3, 3] }]);
CASES.push(['groups 2: c 4, cg 2, stride 2, same', [3, 6, 5, 4], [3, 3, 2, 6], { groups: 2, strides: [2, 2], padding: 'same' }]);
CASES.push(['groups 4: c 16, cg 4, dilation 2, same', [2, 7, 7, 16], [3, 3, 4, 8], { groups: 4, dilations: [2, 2], padding: 'same' }]);
CASES.push(['depthwise: c 5, groups 5, multiplier 2, pads [[0, 2], [1, 0]]', [3, 6, 5, 5], [3, 3, 1, 10], { groups: 5, padding: [[0, 2], [1, 0]] }]);
CASES.push(['groups 3: c 15, cg 5, 3x3, valid', [2, 5, 6, 15], [3, 3, 5, 3], { groups: 3 }]);
CASES.push(['batch 0', [0, 5, 5, 3], [3, 3, 3, 2], { padding: 'same' }]);

const f32 = (a: ArrayLike<number>) => Float32Array.from(a);
const abs = (a: ArrayLike<number>) => Float64Array.from(a, Math.abs);

/** Columns lo .. lo + width - 1 of rows of `cols` floats, as a compact [rows, width] block. */
function columns(a: ArrayLike<number>, cols: number, lo: number, width: number): Float32Array {
  const rows = a.length / cols;
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) for (let k = 0; k < width; k++) out[r * width + k] = a[r * cols + lo + k];
  return out;
}
function setColumns(a: Float64Array | Float32Array, cols: number, lo: number, block: ArrayLike<number>, width: number): void {
  for (let r = 0; r < a.length / cols; r++) for (let k = 0; k < width; k++) a[r * cols + lo + k] = block[r * width + k];
}

/** The wasm convolution of f32 x, wt, dy: y, dw, dx, group by group, through im2col and the GEMMs. */
function wasmConv(geo: Conv2dGeometry, x: Float32Array, wt: Float32Array, dy: Float32Array, skew: number) {
  const M = geo.n * geo.oh * geo.ow;
  const og = geo.cout / geo.groups;
  const y = new Float32Array(M * geo.cout);
  const dw = new Float32Array(wt.length);
  const [pdx, dxGuard] = outBlock(x.length, (skew + 3) % 4); // NaN: col2im must overwrite every channel
  const px = w.put(x, skew);
  for (let grp = 0; grp < geo.groups; grp++) {
    const ig = im2colGeometry(geo, grp);
    const K = geo.kh * geo.kw * ig.cg;
    const [pcol, colGuard] = outBlock(M * K, (skew + 1) % 4);
    w.k.im2col_f32(pcol, px, ...im2colArgs(ig));
    colGuard();
    const pw = w.put(columns(wt, geo.cout, grp * og, og), skew);
    const pdy = w.put(columns(dy, geo.cout, grp * og, og), (skew + 2) % 4);
    const [py] = outBlock(M * og, skew);
    w.k.gemm_nn_f32(py, pcol, pw, M, og, K, 1, 0);
    setColumns(y, geo.cout, grp * og, read(py, M * og), og);
    const [pdw] = outBlock(K * og, skew);
    w.k.gemm_tn_f32(pdw, pcol, pdy, K, og, M, 1, 0);
    setColumns(dw, geo.cout, grp * og, read(pdw, K * og), og);
    const [pdcol] = outBlock(M * K, (skew + 1) % 4);
    w.k.gemm_nt_f32(pdcol, pdy, pw, M, K, og, 1, 0);
    w.k.col2im_f32(pdx, pdcol, ...im2colArgs(ig));
  }
  dxGuard();
  return { y, dw, dx: read(pdx, x.length) };
}

describe('im2col_f32 and col2im_f32 against the twins, exactly', () => {
  for (const [name, xs, ws, opts] of CASES) {
    it(name, () => {
      const geo = conv2dGeometry(xs, ws, opts);
      const x = f32(randn(xs.reduce((a, b) => a * b, 1), xs[3] + xs[1]));
      for (let grp = 0; grp < geo.groups; grp++) {
        const ig = im2colGeometry(geo, grp);
        const K = ig.kh * ig.kw * ig.cg;
        const M = ig.n * ig.oh * ig.ow;
        for (const skew of [0, 1, 3]) {
          const [pcol, guard] = outBlock(M * K, skew);
          w.k.im2col_f32(pcol, w.put(x, (skew + 2) % 4), ...im2colArgs(ig));
          guard();
          expect(read(pcol, M * K), `group ${grp} skew ${skew}`).toEqual(f32(im2col(x, ig)));
          // col2im over garbage: dx's channels of this group all written, the others untouched.
          const dcol = f32(randn(M * K, 7 + grp + skew));
          const before = f32(randn(x.length, 9));
          before[0] = NaN;
          const pdx = w.put(before, skew);
          w.k.col2im_f32(pdx, w.put(dcol, (skew + 1) % 4), ...im2colArgs(ig));
          expect(read(pdx, x.length), `col2im group ${grp} skew ${skew}`).toEqual(col2im(dcol, ig, Float32Array.from(before)));
        }
      }
    });
  }
});

describe('conv2d as im2col + GEMM against the reference: y, dW, dx within the float32 sum bound', () => {
  for (const [name, xs, ws, opts] of CASES) {
    it(name, () => {
      const geo = conv2dGeometry(xs, ws, opts);
      const x = f32(randn(xs.reduce((a, b) => a * b, 1), 3));
      const wt = f32(randn(ws.reduce((a, b) => a * b, 1), 4));
      const dy = f32(randn(geo.n * geo.oh * geo.ow * geo.cout, 5));
      const got = wasmConv(geo, x, wt, dy, xs[3] % 4);
      const want = conv2dBackward(dy, x, wt, geo);
      const mag = conv2dBackward(abs(dy), abs(x), abs(wt), geo);
      const cg = geo.cin / geo.groups;
      const within = (g: ArrayLike<number>, v: ArrayLike<number>, m: ArrayLike<number>, K: number, what: string) => {
        for (let i = 0; i < v.length; i++) {
          const tol = (K + 2) * U * m[i] + 1e-30;
          if (!(Math.abs(g[i] - v[i]) <= tol)) throw new Error(`${what}[${i}]: got ${g[i]}, want ${v[i]} (tolerance ${tol})`);
        }
      };
      within(got.y, conv2d(x, wt, null, geo), conv2d(abs(x), abs(wt), null, geo), geo.kh * geo.kw * cg, 'y');
      within(got.dw, want.dw, mag.dw, geo.n * geo.oh * geo.ow, 'dw');
      within(got.dx, want.dx, mag.dx, geo.cout / geo.groups + geo.kh * geo.kw, 'dx');
    });
  }
});

describe('conv.json: im2col + GEMM (+ bias) against PyTorch float64, rel 1e-5 + 1e-5 * max |want|', () => {
  const g = golden('conv.json');
  const close = (got: ArrayLike<number>, want: { data: number[] }, what: string) =>
    expectClose(got, want.data, 1e-5, 1e-5 * want.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0), what);
  const cases = [
    ...g.conv2d.map((c: any) => [`conv2d ${c.name}`, c, conv2dGeometry(c.x.shape, c.w.shape, { strides: c.strides, dilations: c.dilations, padding: c.padding, groups: c.groups })]),
    ...g.conv1d.map((c: any) => [`conv1d ${c.name}`, c, conv1dGeometry(c.x.shape, c.w.shape, { stride: c.stride, dilation: c.dilation, padding: c.padding, groups: c.groups })]),
  ] as [string, any, Conv2dGeometry][];
  for (const [name, c, geo] of cases) {
    it(name, () => {
      const got = wasmConv(geo, f32(c.x.data), f32(c.w.data), f32(c.dy.data), 1);
      if (c.bias) {
        const py = w.put(got.y);
        w.k.bias_add_f32(py, py, w.put(f32(c.bias)), got.y.length / geo.cout, geo.cout);
        got.y.set(w.f32(py, got.y.length));
      }
      close(got.y, c.out, 'out');
      close(got.dw, c.dw, 'dw');
      close(got.dx, c.dx, 'dx');
    });
  }
});

describe('im2col_f32 by hand', () => {
  it('x [1, 2, 3, 1] = [[1, 2, 3], [4, 5, 6]], 2x2 kernel, pads [[0, 1], [1, 0]]: rows of 4 taps, 0 in the padding', () => {
    const ig: Im2colGeometry = { n: 1, h: 2, w: 3, c: 1, c0: 0, cg: 1, kh: 2, kw: 2, oh: 2, ow: 3, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 1 };
    const [p] = outBlock(24, 0);
    w.k.im2col_f32(p, w.put([1, 2, 3, 4, 5, 6]), ...im2colArgs(ig));
    // Output (i, j) reads rows i, i+1 and columns j-1, j of x.
    expect(Array.from(w.f32(p, 24))).toEqual([0, 1, 0, 4, 1, 2, 4, 5, 2, 3, 5, 6, 0, 4, 0, 0, 4, 5, 0, 0, 5, 6, 0, 0]);
  });
});
