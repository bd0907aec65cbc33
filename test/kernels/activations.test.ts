// Activations: golden values from PyTorch (float64), the wasm against its TS twin at
// awkward sizes/offsets with aliasing, and the twin's derivatives by finite differences.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, expectClose, loadWasm, maxRelErr, randn } from '../helpers/wasm.js';
import { golden } from '../helpers/fixtures.js';
import { ELEMENTWISE, softmaxRows, softmaxRowsBackward } from '../../src/reference/activations.js';

const w = loadWasm();
const NAME: Record<string, string> = {
  identity: 'identity', sigmoid: 'sigmoid', tanh: 'tanh', relu: 'relu', leaky_relu: 'leaky_relu', elu: 'elu',
  gelu: 'gelu', softplus: 'softplus', silu: 'silu',
};
const WITH_ALPHA = new Set(['leaky_relu', 'elu']);

function kernelName(c: { name: string; params: Record<string, unknown> }): string {
  return c.name === 'gelu' && c.params.approximate === 'tanh' ? 'gelu_tanh' : NAME[c.name];
}

function run(name: string, x: ArrayLike<number>, alpha: number, skew = 0) {
  const n = x.length;
  const px = w.put(x, skew);
  const py = w.out(n, (skew + 1) % 4);
  const fwd = w.k[`${name}_f32`];
  const bwd = w.k[`${name}_backward_f32`];
  if (WITH_ALPHA.has(name)) fwd(py, px, n, alpha);
  else fwd(py, px, n);
  const pdy = w.put(new Float32Array(n).fill(1), (skew + 2) % 4);
  if (WITH_ALPHA.has(name)) bwd(pdy, pdy, px, py, n, alpha); // dx aliases dy
  else bwd(pdy, pdy, px, py, n);
  return { y: Array.from(w.f32(py, n)), d: Array.from(w.f32(pdy, n)) };
}

describe('activations: golden (PyTorch float64)', () => {
  const g = golden('activations.json');
  for (const c of g.elementwise) {
    const name = kernelName(c);
    const alpha = (c.params.alpha as number) ?? 0;
    it(`${name} ${JSON.stringify(c.params)}: |got - want| <= 1e-5*|want| + 1e-15`, () => {
      const { y, d } = run(name, c.x, alpha);
      // The absolute 1e-15 covers two things float32 and PyTorch's float64 formulas disagree on
      // at no practical scale: subnormal results (sigmoid(-100) ~ 3.7e-44) and derivatives PyTorch
      // rounds to exactly 0 (tanh'(20) = 1 - y^2 = 0 in float64; the true value is 1.7e-17, which we give).
      const check = (got: number[], want: number[], what: string) =>
        want.forEach((v, i) => expect(Math.abs(got[i] - v), `${what} at x=${c.x[i]}: ${got[i]} vs ${v}`).toBeLessThanOrEqual(1e-5 * Math.abs(v) + 1e-15));
      check(y, c.y, 'value');
      check(d, c.dydx, 'derivative');
    });
  }
  it('softmax and log-softmax with vector-Jacobian products, logits up to ±1000', () => {
    for (const c of g.softmax) {
      const rows = c.z.length;
      const cols = c.z[0].length;
      const z = w.put(c.z.flat(), 1);
      const up = w.put(c.upstream.flat(), 2);
      for (const [fwd, bwd, yKey, vjpKey] of [
        ['softmax_rows_f32', 'softmax_rows_backward_f32', 'softmax', 'softmax_vjp'],
        ['log_softmax_rows_f32', 'log_softmax_rows_backward_f32', 'log_softmax', 'log_softmax_vjp'],
      ]) {
        const y = w.out(rows * cols, 3);
        w.k[fwd](y, z, rows, cols);
        expect(maxRelErr(w.f32(y, rows * cols), c[yKey].flat(), 1e-30)).toBeLessThan(1e-5);
        const dx = w.out(rows * cols);
        w.k[bwd](dx, up, y, rows, cols);
        // The VJP cancels (dy - sum(dy*y)) near 0; its scale is |upstream| <= 1, so float32 gives ~1e-7 absolute.
        expectClose(w.f32(dx, rows * cols), c[vjpKey].flat(), 1e-5, 1e-6, vjpKey);
      }
    }
  });
});

describe('activations: wasm vs twin, awkward sizes, unaligned, aliased', () => {
  for (const [name, [f, df]] of Object.entries(ELEMENTWISE)) {
    it(name, () => {
      for (const n of AWKWARD_SIZES) {
        const x = Float32Array.from(randn(n, n + 5, 3));
        const { y, d } = run(name, x, 0.2, n % 4);
        // float32 results of O(1) functions: 2e-6 relative plus 1e-7 absolute where they cross zero.
        expectClose(y, Array.from(x, (v) => f(v, 0.2)), 2e-6, 1e-7, `${name}(x) n=${n}`);
        expectClose(d, Array.from(x, (v) => df(v, 0.2)), 2e-6, 1e-7, `${name}'(x) n=${n}`);
        // In place: y aliases x.
        const px = w.put(x, 1);
        if (WITH_ALPHA.has(name)) w.k[`${name}_f32`](px, px, n, 0.2);
        else w.k[`${name}_f32`](px, px, n);
        expect(Array.from(w.f32(px, n))).toEqual(y);
      }
    });
  }
  it('softmax rows vs twin at awkward widths', () => {
    for (const cols of AWKWARD_SIZES.filter((c) => c > 0)) {
      const rows = 3;
      const x = Float32Array.from(randn(rows * cols, cols, 4));
      const want = new Float64Array(rows * cols);
      softmaxRows(want, x, rows, cols);
      const p = w.put(x, 2);
      w.k.softmax_rows_f32(p, p, rows, cols);
      expect(maxRelErr(w.f32(p, rows * cols), want, 1e-12)).toBeLessThan(1e-5);
    }
  });
});

describe('activations: float32 accuracy over the whole range (dense sweep against the float64 twin)', () => {
  // -90..90 in steps of 0.0225, and +-10^e for e in -30..0: every branch of the SIMD exp, tanh,
  // expm1 and log1p, their seams (|x| = 0.625, 20) and the underflow edge at -87.3.
  const xs: number[] = [];
  for (let i = -4000; i <= 4000; i++) xs.push(i * 0.0225);
  for (let e = -30; e <= 0; e += 0.05) xs.push(10 ** e, -(10 ** e));
  const x = Float32Array.from(xs);
  // How many float32 ulps, and of what: the value itself, except where the float32 formula has a
  // reason to lose relative accuracy, which its bound then names.
  const [sig, dsig] = ELEMENTWISE.sigmoid;
  const K = Math.sqrt(2 / Math.PI), C = 0.044715;
  const u2 = (v: number) => 2 * K * (v + C * v ** 3);
  const phi = (v: number) => Math.exp(-0.5 * v * v) / Math.sqrt(2 * Math.PI);
  const bounds: Record<string, { ulps: number; value?: (v: number, f: number) => number; deriv?: (v: number, d: number) => number }> = {
    sigmoid: { ulps: 3 }, tanh: { ulps: 3 }, elu: { ulps: 3 }, softplus: { ulps: 3 }, relu: { ulps: 3 }, leaky_relu: { ulps: 3 },
    // sigmoid(x) + x*sigmoid'(x) cancels near x = -1.28 (in PyTorch's float32 too): relative to the two terms.
    silu: { ulps: 3, deriv: (v) => sig(v, 0) + Math.abs(v * dsig(v, 0)) },
    // erfc by Numerical Recipes' formula (1.2e-7 relative) on top of float32 rounding; the derivative
    // erfc/2 + x*phi(x) cancels near x = -0.75: relative to the two terms.
    gelu: { ulps: 4, deriv: (v) => Math.abs(ELEMENTWISE.gelu[1](v, 0) - v * phi(v)) + Math.abs(v * phi(v)) },
    // 2u = 2k(x + c x^3) is formed in float32: its rounding (|2u| ulps of 1) scales the result's
    // relative error by 1 + |2u|; the derivative cancels near x = -0.75 like gelu's.
    gelu_tanh: {
      ulps: 3,
      value: (v, f) => Math.abs(f) * (1 + Math.abs(u2(v))),
      deriv: (v) => (sig(u2(v), 0) + Math.abs(v * dsig(u2(v), 0) * 2 * K * (1 + 3 * C * v * v))) * (1 + Math.abs(u2(v))),
    },
  };
  for (const [name, b] of Object.entries(bounds)) {
    it(`${name}: value and derivative within ${b.ulps} ulp of the bound's scale, or 1e-35 absolute (below float32's normal range)`, () => {
      const [f, df] = ELEMENTWISE[name];
      const alpha = name === 'elu' ? 1.3 : 0.2;
      const { y, d } = run(name, x, alpha, 3);
      const within = (got: number, want: number, scale: number) => Math.abs(got - want) <= Math.max(1e-35, b.ulps * 2 ** -23 * scale);
      x.forEach((v, i) => {
        const fv = f(v, Math.fround(alpha)), dv = df(v, Math.fround(alpha));
        if (!within(y[i], fv, b.value ? b.value(v, fv) : Math.abs(fv))) expect.fail(`${name}(${v}) = ${y[i]}, want ${fv}`);
        if (!within(d[i], dv, b.deriv ? b.deriv(v, dv) : Math.abs(dv))) expect.fail(`${name}'(${v}) = ${d[i]}, want ${dv}`);
      });
    });
  }
});

describe('derivatives by central finite differences (float64 twin)', () => {
  const h = 1e-6;
  for (const [name, [f, df]] of Object.entries(ELEMENTWISE)) {
    it(name, () => {
      // Points away from the kinks at 0 (relu family) and the softplus threshold at 20.
      for (const x of [-7.3, -2.1, -0.6, -0.13, 0.27, 0.9, 3.3, 8.1]) {
        const fd = (f(x + h, 0.2) - f(x - h, 0.2)) / (2 * h);
        expect(Math.abs(fd - df(x, 0.2))).toBeLessThan(1e-7 * Math.max(1, Math.abs(fd)));
      }
    });
  }
  it('softmax and log-softmax VJPs', () => {
    const z = [0.3, -1.2, 2.5, 0.1];
    const up = [0.7, -0.2, 0.4, 1.1];
    for (const log of [false, true]) {
      const y = new Float64Array(4);
      softmaxRows(y, z, 1, 4, log);
      const dx = new Float64Array(4);
      softmaxRowsBackward(dx, up, y, 1, 4, log);
      for (let i = 0; i < 4; i++) {
        const plus = z.slice(); plus[i] += h;
        const minus = z.slice(); minus[i] -= h;
        const yp = new Float64Array(4), ym = new Float64Array(4);
        softmaxRows(yp, plus, 1, 4, log);
        softmaxRows(ym, minus, 1, 4, log);
        let fd = 0;
        for (let j = 0; j < 4; j++) fd += (up[j] * (yp[j] - ym[j])) / (2 * h);
        expect(Math.abs(fd - dx[i])).toBeLessThan(1e-8);
      }
    }
  });
});

describe('relu at NaN, signed zeros and infinities, in the SIMD body and the scalar tail', () => {
  it('passes NaN through and maps -0 to +0, as PyTorch; the derivative passes the gradient at NaN (threshold_backward)', () => {
    // Seven values: the first four go through the 4-lane body, the last three through the tail.
    const x = [NaN, -0, -Infinity, 2.5, NaN, -0, Infinity];
    const want = [NaN, 0, 0, 2.5, NaN, 0, Infinity];
    const { y, d } = run('relu', Float32Array.from(x), 0, 1);
    expect(y).toEqual(want);
    expect(y.map((v) => Object.is(v, -0))).toEqual(x.map(() => false));
    expect(d).toEqual([1, 0, 0, 1, 1, 0, 1]); // dy = 1 everywhere
  });
});
