// Fused loss kernels: every golden case of losses.json (PyTorch float64), the wasm vs its
// twin at awkward sizes with grad aliasing pred, and the twin's gradients by finite differences.
import { describe, expect, it } from 'vitest';
import { AWKWARD_SIZES, expectClose, loadWasm, randn } from '../helpers/wasm.js';
import { golden } from '../helpers/fixtures.js';
import { ELEMENT_LOSS, elementLoss, l1Penalty, l2HalfPenalty, l2Penalty, softmaxCrossEntropy, softmaxCrossEntropyIndex } from '../../src/reference/losses.js';

const w = loadWasm();
const KERNEL: Record<string, string> = { mse: 'mse_f32', mae: 'mae_f32', smooth_l1: 'smooth_l1_f32', huber: 'huber_f32', bce: 'bce_f32', bce_with_logits: 'bce_logits_f32' };
const PARAM: Record<string, string> = { smooth_l1: 'beta', huber: 'delta' };

function elementwise(kernel: string, pred: number[], target: number[], scale: number, param?: number) {
  const n = pred.length;
  const pp = w.put(pred, 1);
  const pt = w.put(target, 2);
  const pg = w.out(n, 3);
  const s = param === undefined ? w.k[kernel](pg, pp, pt, n, scale) : w.k[kernel](pg, pp, pt, n, scale, param);
  return { sum: s, grad: Array.from(w.f32(pg, n)) };
}

describe('losses.json (PyTorch float64): value and gradient', () => {
  const g = golden('losses.json');
  for (const c of g.losses) {
    it(`${c.name} ${JSON.stringify(c.params)} ${c.reduction}`, () => {
      const rows = c.pred.length;
      const cols = c.pred[0].length;
      const pred = c.pred.flat();
      if (c.name === 'softmax_cross_entropy') {
        const zp = w.put(pred, 1);
        const gp = w.out(rows * cols, 2);
        const index = c.params.labels === 'index';
        let tp: number;
        if (index) {
          tp = w.arena.alloc(rows * 4);
          w.i32(tp, rows).set(c.target);
        } else tp = w.put(c.target.flat(), 3);
        const run = (g0: number, z: number, t: number, r: number, scale: number) =>
          index ? w.k.softmax_ce_index_f32(g0, z, t, r, cols, scale) : w.k.softmax_ce_dense_f32(g0, z, t, r, cols, scale);
        if (c.reduction === 'none') {
          // Per-sample: one row at a time.
          const per = Array.from({ length: rows }, (_, r) => run(gp + r * cols * 4, zp + r * cols * 4, tp + r * (index ? 4 : cols * 4), 1, 1));
          expectClose(per, c.loss, 1e-5, 1e-7, 'per-sample loss');
        } else {
          const sum = run(gp, zp, tp, rows, 1 / rows);
          expectClose([sum / rows], [c.loss], 1e-5, 0, 'loss');
          expectClose(w.f32(gp, rows * cols), c.grad.flat(), 1e-5, 1e-8, 'grad');
        }
        return;
      }
      const n = rows * cols;
      const scale = c.reduction === 'mean' ? 1 / n : 1;
      const { sum, grad } = elementwise(KERNEL[c.name], pred, c.target.flat(), scale, PARAM[c.name] ? c.params[PARAM[c.name]] : undefined);
      expectClose([sum * scale], [c.loss], 1e-5, 0, 'loss');
      expectClose(grad, c.grad.flat(), 1e-5, 1e-8, 'grad');
    });
  }
  it('weight penalties: l1, l2 (Keras lambda*sum w^2) and l2-half', () => {
    const fns: Record<string, typeof l1Penalty> = { l1: l1Penalty, l2: l2Penalty, l2_half: l2HalfPenalty };
    for (const r of g.regularizers) {
      const [p, grad] = fns[r.name](r.w.flat(), r.lambda);
      expectClose([p], [r.penalty], 1e-12, 0, r.name);
      expectClose(grad, r.grad.flat(), 1e-12, 0, `${r.name} grad`);
    }
  });
  it('bce with logits of ±100 and bce on clamped probabilities stay finite', () => {
    const { sum, grad } = elementwise('bce_logits_f32', [100, -100, 100, -100], [1, 0, 0, 1], 1);
    expectClose([sum], [200], 1e-6, 0, 'sum');
    expectClose(grad, [0, 0, 1, -1], 0, 1e-30, 'grad');
    const b = elementwise('bce_f32', [0, 1], [1, 0], 1);
    expect(b.sum).toBe(200); // log clamped at -100, as PyTorch
    expect(b.grad.every(Number.isFinite)).toBe(true);
  });
});

describe('bce_logits_f32 (float32 lanes): value and gradient keep relative accuracy at large |x|', () => {
  it('hard labels at x = +-0.5 .. +-80: sigmoid(x) - t without cancellation, the value to 2e-7', () => {
    const xs = [0.5, 2, 5, 9, 15, 30, 60, 80].flatMap((v) => [v, -v]);
    for (const t of [0, 1]) {
      const x = Float32Array.from(xs);
      const tt = xs.map(() => t);
      const want = new Float64Array(x.length);
      elementLoss('bce_logits', want, Array.from(x), tt, 1, 0);
      const px = w.put(x, 1);
      const pg = w.out(x.length, 2);
      w.k.bce_logits_f32(pg, px, w.put(tt, 3), x.length, 1);
      const got = w.f32(pg, x.length);
      // The exact gradient: sigmoid(x) - t in float64, rounded once.
      x.forEach((v, i) => {
        const g = t === 1 ? -1 / (1 + Math.exp(v)) : 1 / (1 + Math.exp(-v));
        expect(Math.abs(got[i] - g), `x=${v} t=${t}: ${got[i]} vs ${g}`).toBeLessThanOrEqual(4 * 2 ** -24 * Math.abs(g));
        expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(4 * 2 ** -24 * Math.abs(g));
      });
      // Per-element values, one element at a time: |loss| ranges from 3e-35 to 80.
      x.forEach((v, i) => {
        const one = w.k.bce_logits_f32(0, w.put([v]), w.put([t]), 1, 1);
        const exact = Math.max(v, 0) - v * t + Math.log1p(Math.exp(-Math.abs(v)));
        expect(Math.abs(one - exact), `loss at x=${v} t=${t}`).toBeLessThanOrEqual(2e-7 * exact + 1e-38);
      });
    }
  });
});

describe('losses: wasm vs twin at awkward sizes, grad aliasing pred', () => {
  for (const [name, kernel] of [['mse', 'mse_f32'], ['mae', 'mae_f32'], ['smooth_l1', 'smooth_l1_f32'], ['huber', 'huber_f32'], ['bce_logits', 'bce_logits_f32'], ['bce', 'bce_f32']] as const) {
    it(name, () => {
      for (const n of AWKWARD_SIZES) {
        let pred = Array.from(randn(n, n + 1, 2));
        const target = Array.from(randn(n, n + 2));
        if (name === 'bce') pred = pred.map((v) => 1 / (1 + Math.exp(-v)));
        const t = name.startsWith('bce') ? target.map((v) => (v > 0 ? 1 : 0)) : target.map(Math.fround); // as float32 memory holds them
        const pf = Array.from(Float32Array.from(pred));
        const want = new Float64Array(n);
        const s = elementLoss(name, want, pf, t, 0.5, 0.7);
        const pp = w.put(pf, n % 4);
        const pt = w.put(t, 1);
        const sum = name === 'smooth_l1' || name === 'huber' ? w.k[kernel](pp, pp, pt, n, 0.5, 0.7) : w.k[kernel](pp, pp, pt, n, 0.5);
        expectClose([sum], [s], 1e-6, 1e-9, 'sum');
        expectClose(w.f32(pp, n), want, 1e-6, 1e-9, 'grad (aliased)');
      }
    });
  }
  it('softmax cross-entropy, dense vs index vs twin, at awkward widths', () => {
    for (const cols of [1, 3, 4, 5, 17]) {
      const rows = 5;
      const z = Array.from(Float32Array.from(randn(rows * cols, cols, 3)));
      const labels = Array.from({ length: rows }, (_, r) => (r * 7) % cols);
      const onehot = labels.flatMap((l) => Array.from({ length: cols }, (_, c) => (c === l ? 1 : 0)));
      const want = new Float64Array(rows * cols);
      const s = softmaxCrossEntropy(want, z, onehot, rows, cols, 0.2);
      const zp = w.put(z, 1);
      const gp = w.out(rows * cols, 2);
      const lp = w.arena.alloc(rows * 4);
      w.i32(lp, rows).set(labels);
      expectClose([w.k.softmax_ce_index_f32(gp, zp, lp, rows, cols, 0.2)], [s], 1e-6, 1e-9, 'index sum');
      expectClose(w.f32(gp, rows * cols), want, 1e-6, 1e-8, 'index grad');
      const tp = w.put(onehot, 3);
      expectClose([w.k.softmax_ce_dense_f32(gp, zp, tp, rows, cols, 0.2)], [s], 1e-6, 1e-9, 'dense sum');
      expectClose(w.f32(gp, rows * cols), want, 1e-6, 1e-8, 'dense grad');
    }
  });
});

describe('softmax cross-entropy: index twin, aliasing, extreme logits, bad labels', () => {
  const labelsAt = (labels: number[]) => {
    const p = w.arena.alloc(Math.max(labels.length, 1) * 4);
    w.i32(p, labels.length).set(labels);
    return p;
  };
  it('index kernel vs its twin at awkward widths, skewed, grad aliasing the logits', () => {
    for (const cols of AWKWARD_SIZES.filter((c) => c > 0)) {
      for (const rows of [1, 3]) {
        const z = Array.from(Float32Array.from(randn(rows * cols, cols + rows, 4)));
        const labels = Array.from({ length: rows }, (_, r) => (r * 5 + 2) % cols);
        const want = new Float64Array(rows * cols);
        const s = softmaxCrossEntropyIndex(want, z, labels, rows, cols, 1 / rows);
        const zp = w.put(z, cols % 4);
        const sum = w.k.softmax_ce_index_f32(zp, zp, labelsAt(labels), rows, cols, 1 / rows);
        expectClose([sum], [s], 1e-6, 1e-9, `sum ${rows}x${cols}`);
        expectClose(w.f32(zp, rows * cols), want, 1e-6, 1e-8, `grad ${rows}x${cols}`);
      }
    }
  });
  it('dense kernel with soft labels vs its twin, grad aliasing the logits', () => {
    const rows = 3;
    const cols = 17;
    const z = Array.from(Float32Array.from(randn(rows * cols, 5, 3)));
    const t = Array.from(Float32Array.from(randn(rows * cols, 6).map((v) => Math.abs(v)))); // unnormalised: sum(t) != 1
    const want = new Float64Array(rows * cols);
    const s = softmaxCrossEntropy(want, z, t, rows, cols, 0.5);
    const zp = w.put(z, 3);
    expectClose([w.k.softmax_ce_dense_f32(zp, zp, w.put(t, 1), rows, cols, 0.5)], [s], 1e-6, 1e-9, 'sum');
    expectClose(w.f32(zp, rows * cols), want, 1e-6, 1e-8, 'grad');
  });
  it('is exact at logits of ±1000', () => {
    // Row 0: lse = 1000 (exp(-2000) vanishes), label 0 -> 0, label 1 -> 2000.
    // Row 1: all equal -> lse = -1000 + log 3, loss log 3, softmax 1/3 each.
    const z = [1000, -1000, -1000, -1000, -1000, -1000];
    const zp = w.put(z, 1);
    const gp = w.out(6, 2);
    const sum = w.k.softmax_ce_index_f32(gp, zp, labelsAt([1, 2]), 2, 3, 1);
    expectClose([sum], [2000 + Math.log(3)], 1e-12, 0, 'index sum');
    expectClose(w.f32(gp, 6), [1, -1, 0, 1 / 3, 1 / 3, -2 / 3], 1e-7, 1e-30, 'index grad');
    const dense = w.k.softmax_ce_dense_f32(gp, zp, w.put([1, 0, 0, 0, 0, 1]), 2, 3, 1);
    expectClose([dense], [Math.log(3)], 1e-12, 0, 'dense sum');
    expectClose(w.f32(gp, 6), [0, 0, 0, 1 / 3, 1 / 3, -2 / 3], 1e-7, 1e-30, 'dense grad');
  });
  it('labels outside [0, cols) add nothing and get zero gradient rows', () => {
    const z = Array.from(Float32Array.from(randn(12, 9)));
    const labels = [-1, 3, 2, 1 << 30];
    const want = new Float64Array(12);
    const s = softmaxCrossEntropyIndex(want, z, labels, 4, 3, 1);
    const gp = w.out(12);
    const sum = w.k.softmax_ce_index_f32(gp, w.put(z), labelsAt(labels), 4, 3, 1);
    expectClose([sum], [s], 1e-6, 0, 'sum');
    expectClose(w.f32(gp, 12), want, 1e-6, 1e-8, 'grad');
    expect(Array.from(w.f32(gp, 12)).filter((v, i) => i < 6 || i >= 9)).toEqual(new Array(9).fill(0));
  });
  it('grad == 0 computes the loss only', () => {
    const z = w.put([0.5, -0.5, 2, 1]);
    const withGrad = w.k.softmax_ce_index_f32(w.out(4), z, labelsAt([0, 1]), 2, 2, 1);
    expect(w.k.softmax_ce_index_f32(0, z, labelsAt([0, 1]), 2, 2, 1)).toBe(withGrad);
    expect(Array.from(w.f32(z, 4))).toEqual([0.5, -0.5, 2, 1]);
    const pp = w.put([0.25, 2]);
    expect(w.k.mse_f32(0, pp, w.put([0, 0]), 2, 1)).toBe(0.0625 + 4);
  });
});

describe('loss gradients by central finite differences (float64 twin)', () => {
  const h = 1e-6;
  for (const name of Object.keys(ELEMENT_LOSS)) {
    it(name, () => {
      // Points away from kinks (|p - t| = 0, beta, delta) and inside (0, 1) for bce.
      const pts = name === 'bce' ? [[0.2, 1], [0.7, 0], [0.45, 0.3]] : [[0.3, -1.1], [2.4, 0.2], [-0.25, 0.1], [1.3, 1.0]];
      for (const [p, t] of pts) {
        const f = (v: number) => ELEMENT_LOSS[name](v, t, 0.5)[0];
        const fd = (f(p + h) - f(p - h)) / (2 * h);
        expect(Math.abs(fd - ELEMENT_LOSS[name](p, t, 0.5)[1])).toBeLessThan(1e-6);
      }
    });
  }
  it('softmax cross-entropy with integer labels', () => {
    const z = [0.4, -1.3, 2.2, 0.1, 0.9, -0.6];
    const labels = [2, 0];
    const g = new Float64Array(6);
    softmaxCrossEntropyIndex(g, z, labels, 2, 3, 0.5);
    for (let i = 0; i < 6; i++) {
      const zp = z.slice(); zp[i] += h;
      const zm = z.slice(); zm[i] -= h;
      const fd = (0.5 * softmaxCrossEntropyIndex(null, zp, labels, 2, 3, 1) - 0.5 * softmaxCrossEntropyIndex(null, zm, labels, 2, 3, 1)) / (2 * h);
      expect(Math.abs(fd - g[i])).toBeLessThan(1e-8);
    }
  });
  it('softmax cross-entropy with soft labels', () => {
    const z = [0.4, -1.3, 2.2];
    const t = [0.2, 0.5, 0.3];
    const g = new Float64Array(3);
    softmaxCrossEntropy(g, z, t, 1, 3, 1);
    for (let i = 0; i < 3; i++) {
      const zp = z.slice(); zp[i] += h;
      const zm = z.slice(); zm[i] -= h;
      const fd = (softmaxCrossEntropy(null, zp, t, 1, 3, 1) - softmaxCrossEntropy(null, zm, t, 1, 3, 1)) / (2 * h);
      expect(Math.abs(fd - g[i])).toBeLessThan(1e-8);
    }
  });
});
