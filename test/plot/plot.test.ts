import { describe, expect, it } from 'vitest';
import { plot, data } from 'wasmnn';

/** Every tag closes in order: a small well-formedness check for the SVG we write. */
function wellFormed(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]);
  }
  return stack.length === 0;
}

describe('plot', () => {
  it('learningCurves draws one polyline per loss series, gaps at NaN, and escapes names', () => {
    const svg = plot.learningCurves({ epoch: [0, 1, 2, 3], loss: [1, 0.5, NaN, 0.2], valLoss: [1.1, 0.7, 0.6, 0.65] });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).not.toMatch(/NaN/);
    expect(svg.match(/<polyline/g)).toHaveLength(2); // loss: only the run before NaN has 2+ points; valLoss one
    const named = plot.lines([{ name: 'a<b & "c"', values: [1, 2] }]);
    expect(named).toContain('a&#60;b &#38; &#34;c&#34;');
    expect(plot.lines([{ name: 'x', values: [3, 1, 2] }])).toBe(plot.lines([{ name: 'x', values: [3, 1, 2] }]));
  });
  it('refuses an empty history and a non-2-D boundary', () => {
    expect(() => plot.learningCurves({ epoch: [] })).toThrow(/no loss series/);
    expect(() => plot.lines([])).toThrow(/at least one non-empty series/);
    const x = new data.Matrix(new Float32Array(3), 1, 3);
    expect(() => plot.decisionBoundary(() => new Float32Array(1), x, x)).toThrow(/2 input features/);
  });
  it('decisionBoundary colours regions by the prediction and draws every point', () => {
    const { x, y } = data.makeMoons({ n: 40, seed: 1 });
    const svg = plot.decisionBoundary((g) => g.data.filter((_, i) => i % 2 === 0).map((v) => v - 0.5), x, y, { resolution: 20 });
    expect(wellFormed(svg)).toBe(true);
    expect(svg.match(/<circle/g)).toHaveLength(40);
    expect(svg).toContain('#d62728'); // class 1 region exists (x1 > 0.5)
    expect(svg).toContain('#1f77b4');
  });
  it('schedule plots rate(epoch)', () => {
    const svg = plot.schedule((e) => 0.1 * 0.5 ** e, 10);
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('learning rate');
  });
});
