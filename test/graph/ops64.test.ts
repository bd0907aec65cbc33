// The float64 reference of the graph ops (test/helpers/ops64.ts) against PyTorch: every op case of
// autodiff.json, value and input gradients of L = sum(out * upstream), to 1e-9 relative; then every
// op of issue #11's list at seeded inputs against float64 central differences. No engine needed.
import { describe, expect, it } from 'vitest';
import { golden } from '../helpers/fixtures.js';
import { KINKS, finiteDifferences64, fromJson, goldenGraph, grad64, opChecks, printGraph, type GoldenOpCase } from '../helpers/ops64.js';

/** Asserts |got - want| <= tol * max(1, |want|) elementwise, naming the first offender. */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]));
    if (!ok) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]} (|got - want| <= ${tol} * max(1, |want|))`);
  }
}

describe('ops64 against autodiff.json (PyTorch float64): |ref - torch| <= 1e-9 * max(1, |torch|)', () => {
  const cases = golden('autodiff.json').ops as GoldenOpCase[];
  it('has the 39 op cases', () => expect(cases.length).toBe(39));
  for (const c of cases) {
    it(`${c.op} ${JSON.stringify(c.params)}`, () => {
      const graph = goldenGraph(c);
      const { values, grads } = grad64(graph);
      expectNear(values[graph.leaves.length].data, fromJson(c.out).data, 1e-9, `${c.op} value`);
      c.grads.forEach((g, k) => {
        if (g !== null) expectNear(grads[k], fromJson(g).data, 1e-9, `${c.op} gradient of input ${k}`);
      });
    });
  }
});

describe('ops64 against float64 central differences: |vjp - fd| <= 1e-6 * max(1, |fd|)', () => {
  for (const { name, graph } of opChecks()) {
    it(name, () => {
      const { grads } = grad64(graph);
      const fd = finiteDifferences64(graph);
      graph.leaves.forEach((leaf, k) => {
        if (leaf.input !== 'int32') expectNear(grads[k], fd[k], 1e-6, `${name}: leaf ${k}\n${printGraph(graph)}\n`);
      });
    });
  }
});

describe('ops64 at ties and kinks (worked by hand from PyTorch 1.13 backward rules)', () => {
  for (const k of KINKS) {
    it(k.name, () => {
      const { grads } = grad64(k.graph);
      k.grads.forEach((want, i) => expectNear(grads[i], want, 0, `${k.name}: leaf ${i}`));
    });
  }
});
