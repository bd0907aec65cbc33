// im2col and its adjoint col2im in plain loops, channels-last: the twins of assembly/conv.ts.
//   col[(b*oh + i)*ow + j, (p*kw + q)*cg + ch] = x[b, i*sh + p*dh - pt, j*sw + q*dw - pl, c0 + ch]
// (0 where the row or column is outside x), so that conv2d's y [n*oh*ow, cout] = col @ W with W the
// HWIO filter read as [kh*kw*cg, cout]; col2im scatters dcol back, dx = the sum of the entries read
// from each element. Group g of a grouped convolution is channels c0 = g*cg .. c0 + cg - 1.
import type { Arr, Conv2dGeometry } from './conv.js';

/** The arguments of im2col_f32 / col2im_f32 after the two pointers, by name. */
export interface Im2colGeometry {
  n: number; h: number; w: number; c: number; c0: number; cg: number;
  kh: number; kw: number; oh: number; ow: number;
  sh: number; sw: number; dh: number; dw: number; pt: number; pl: number;
}

/** The im2col geometry of group `group` of a conv2d (all channels when groups is 1). */
export function im2colGeometry(g: Conv2dGeometry, group = 0): Im2colGeometry {
  const cg = g.cin / g.groups;
  return { n: g.n, h: g.h, w: g.w, c: g.cin, c0: group * cg, cg, kh: g.kh, kw: g.kw, oh: g.oh, ow: g.ow, sh: g.sh, sw: g.sw, dh: g.dh, dw: g.dw, pt: g.pt, pl: g.pl };
}

/** The 16 numbers after the pointers, in the kernels' order. */
export const im2colArgs = (g: Im2colGeometry): number[] => [g.n, g.h, g.w, g.c, g.c0, g.cg, g.kh, g.kw, g.oh, g.ow, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl];

/** Calls f(col index, x index or -1 for padding) for every entry of col, in order. */
function eachEntry(g: Im2colGeometry, f: (ci: number, xi: number) => void): void {
  let ci = 0;
  for (let b = 0; b < g.n; b++) {
    for (let i = 0; i < g.oh; i++) {
      for (let j = 0; j < g.ow; j++) {
        for (let p = 0; p < g.kh; p++) {
          const r = i * g.sh + p * g.dh - g.pt;
          for (let q = 0; q < g.kw; q++) {
            const col = j * g.sw + q * g.dw - g.pl;
            const inside = r >= 0 && r < g.h && col >= 0 && col < g.w;
            for (let ch = 0; ch < g.cg; ch++) f(ci++, inside ? ((b * g.h + r) * g.w + col) * g.c + g.c0 + ch : -1);
          }
        }
      }
    }
  }
}

/** col [n*oh*ow, kh*kw*cg] of x [n, h, w, c]. */
export function im2col(x: Arr, g: Im2colGeometry): Float64Array {
  const col = new Float64Array(g.n * g.oh * g.ow * g.kh * g.kw * g.cg);
  eachEntry(g, (ci, xi) => (col[ci] = xi < 0 ? 0 : x[xi]));
  return col;
}

/**
 * dx [n, h, w, c] of dcol: channels c0 .. c0 + cg - 1 the sums, in col's order, of the entries
 * read from there, the others 0 (or as given in `dx`, whose channels c0 .. c0 + cg - 1 are zeroed
 * first). A Float32Array dx rounds after each addition: the kernel's float32 result exactly.
 */
export function col2im(dcol: Arr, g: Im2colGeometry, dx: Float64Array | Float32Array = new Float64Array(g.n * g.h * g.w * g.c)): Float64Array | Float32Array {
  for (let k = 0; k < g.n * g.h * g.w; k++) dx.fill(0, k * g.c + g.c0, k * g.c + g.c0 + g.cg);
  eachEntry(g, (ci, xi) => {
    if (xi >= 0) dx[xi] += dcol[ci];
  });
  return dx;
}
