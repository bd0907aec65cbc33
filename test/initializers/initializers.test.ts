// Initialisers: bounds and moments of each, drawn through a model (fan_in 400, fan_out 300).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, Sequential, layers, initializers } from 'wasmnn';

beforeAll(async () => {
  await init();
});

const FAN_IN = 400;
const FAN_OUT = 300;
function draw(kernelInitializer: unknown, biasInitializer?: unknown, seed = 0) {
  const m = new Sequential([layers.dense({ inputDim: FAN_IN, units: FAN_OUT, kernelInitializer: kernelInitializer as never, biasInitializer: biasInitializer as never })], { seed });
  const [W, b] = m.getWeights();
  return { W, b };
}
function moments(a: Float32Array) {
  let m = 0, v = 0;
  for (const x of a) m += x;
  m /= a.length;
  for (const x of a) v += (x - m) ** 2;
  return { mean: m, std: Math.sqrt(v / a.length), min: Math.min(...a), max: Math.max(...a) };
}

describe('initializers', () => {
  // 120 000 draws: standard error of the std is about std/490, of the mean std/346.
  it('default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights and biases (PyTorch nn.Linear)', () => {
    const { W, b } = draw(undefined);
    const bound = 1 / Math.sqrt(FAN_IN);
    const s = moments(W);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.max).toBeLessThan(bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3);
    expect(moments(b).max).toBeLessThan(bound);
    expect(moments(b).min).toBeGreaterThanOrEqual(-bound);
  });
  it('heNormal: N(0, 2/fan_in); heUniform: U(±sqrt(6/fan_in))', () => {
    const n = moments(draw('heNormal').W);
    expect(Math.abs(n.mean)).toBeLessThan(0.0005);
    expect(Math.abs(n.std / Math.sqrt(2 / FAN_IN) - 1)).toBeLessThan(0.01);
    const u = moments(draw('heUniform').W);
    expect(u.max).toBeLessThan(Math.sqrt(6 / FAN_IN));
    expect(Math.abs(u.std / Math.sqrt(2 / FAN_IN) - 1)).toBeLessThan(0.01);
  });
  it('glorotNormal: N(0, 2/(fan_in+fan_out)); glorotUniform: U(±sqrt(6/(fan_in+fan_out)))', () => {
    const want = Math.sqrt(2 / (FAN_IN + FAN_OUT));
    expect(Math.abs(moments(draw('glorotNormal').W).std / want - 1)).toBeLessThan(0.01);
    const u = moments(draw('glorotUniform').W);
    expect(u.max).toBeLessThan(Math.sqrt(6 / (FAN_IN + FAN_OUT)));
    expect(Math.abs(u.std / want - 1)).toBeLessThan(0.01);
  });
  it('zeros, ones, constant, uniform(a, b), normal(mean, std)', () => {
    expect(draw('zeros').W.every((v) => v === 0)).toBe(true);
    expect(draw('ones').W.every((v) => v === 1)).toBe(true);
    expect(draw(initializers.constant(0.25), 'zeros').W.every((v) => v === 0.25)).toBe(true);
    expect(draw(initializers.constant(0.25), 'zeros').b.every((v) => v === 0)).toBe(true);
    const u = moments(draw(initializers.uniform(2, 3)).W);
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(3);
    expect(u.mean).toBeCloseTo(2.5, 2);
    const n = moments(draw(initializers.normal(1, 0.5)).W);
    expect(n.mean).toBeCloseTo(1, 2);
    expect(Math.abs(n.std / 0.5 - 1)).toBeLessThan(0.01);
  });
  it('are seeded: same seed same weights, another seed others', () => {
    expect(draw('heNormal', undefined, 3).W).toEqual(draw('heNormal', undefined, 3).W);
    expect(draw('heNormal', undefined, 3).W).not.toEqual(draw('heNormal', undefined, 4).W);
  });
  it('reject bad names and arguments', () => {
    expect(() => draw('kaiming')).toThrow(/unknown initializer 'kaiming'/);
    expect(() => initializers.uniform(1, 1)).toThrow(/a < b/);
    expect(() => initializers.normal(0, -1)).toThrow(/std must be >= 0/);
    expect(() => initializers.constant(NaN)).toThrow(/finite/);
  });
});
