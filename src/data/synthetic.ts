// Synthetic data sets, seeded (xoshiro128**, the same generator as the wasm core).
// makeMoons follows scikit-learn: n_out = floor(n/2) outer points (cos t, sin t), n_in = n - n_out
// inner points (1 - cos t, 1 - sin t - 0.5), t = linspace(0, pi); labels 0 outer, 1 inner;
// shuffled, then N(0, noise^2) added to each coordinate.
import { Matrix } from './matrix.js';
import { Xoshiro128 } from '../reference/rng.js';
import { checkOptions } from '../validate/options.js';

export interface Labeled {
  x: Matrix;
  y: Matrix;
}

function checkN(n: number): void {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`wasmnn: n must be an integer >= 2, got ${n}`);
}
function checkNoise(noise: number): void {
  if (!(noise >= 0) || !Number.isFinite(noise)) throw new RangeError(`wasmnn: noise must be a finite number >= 0, got ${noise}`);
}

function linspace(a: number, b: number, n: number, i: number): number {
  return n === 1 ? a : a + ((b - a) * i) / (n - 1);
}

/** Two interleaving half circles (scikit-learn's make_moons). */
export function makeMoons(options: { n?: number; noise?: number; seed?: number; shuffle?: boolean } = {}): Labeled {
  checkOptions('data.makeMoons', options, ['n', 'noise', 'seed', 'shuffle']);
  const { n = 100, noise = 0, seed = 0, shuffle = true } = options;
  checkN(n);
  checkNoise(noise);
  const rng = new Xoshiro128(seed >>> 0, 0x6d6f6f6e);
  const nOut = Math.floor(n / 2);
  const nIn = n - nOut;
  const pts: [number, number, number][] = [];
  for (let i = 0; i < nOut; i++) {
    const t = linspace(0, Math.PI, nOut, i);
    pts.push([Math.cos(t), Math.sin(t), 0]);
  }
  for (let i = 0; i < nIn; i++) {
    const t = linspace(0, Math.PI, nIn, i);
    pts.push([1 - Math.cos(t), 1 - Math.sin(t) - 0.5, 1]);
  }
  if (shuffle) rng.shuffle(pts as unknown as { [i: number]: number; length: number });
  return toLabeled(pts, noise, rng);
}

function toLabeled(pts: [number, number, number][], noise: number, rng: Xoshiro128): Labeled {
  const x = new Float32Array(pts.length * 2);
  const y = new Float32Array(pts.length);
  pts.forEach(([a, b, l], i) => {
    x[2 * i] = a + (noise > 0 ? noise * rng.normal() : 0);
    x[2 * i + 1] = b + (noise > 0 ? noise * rng.normal() : 0);
    y[i] = l;
  });
  return { x: new Matrix(x, pts.length, 2), y: new Matrix(y, pts.length, 1) };
}

/** Two concentric circles (scikit-learn's make_circles): outer radius 1 (label 0), inner `factor` (label 1). */
export function makeCircles(options: { n?: number; noise?: number; factor?: number; seed?: number } = {}): Labeled {
  checkOptions('data.makeCircles', options, ['n', 'noise', 'factor', 'seed']);
  const { n = 100, noise = 0, factor = 0.5, seed = 0 } = options;
  checkN(n);
  checkNoise(noise);
  if (!(factor > 0 && factor < 1)) throw new RangeError(`wasmnn: factor must be in (0, 1), got ${factor}`);
  const rng = new Xoshiro128(seed >>> 0, 0x63697263);
  const nOut = Math.floor(n / 2);
  const pts: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const outer = i < nOut;
    const m = outer ? nOut : n - nOut;
    const t = (2 * Math.PI * (outer ? i : i - nOut)) / m;
    const r = outer ? 1 : factor;
    pts.push([r * Math.cos(t), r * Math.sin(t), outer ? 0 : 1]);
  }
  rng.shuffle(pts as unknown as { [i: number]: number; length: number });
  return toLabeled(pts, noise, rng);
}

/** Two interleaved spirals (labels 0 and 1). */
export function makeSpirals(options: { n?: number; noise?: number; turns?: number; seed?: number } = {}): Labeled {
  checkOptions('data.makeSpirals', options, ['n', 'noise', 'turns', 'seed']);
  const { n = 100, noise = 0, turns = 1.5, seed = 0 } = options;
  checkN(n);
  checkNoise(noise);
  const rng = new Xoshiro128(seed >>> 0, 0x73706972);
  const pts: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const r = (Math.floor(i / 2) + 1) / Math.ceil(n / 2);
    const t = 2 * Math.PI * turns * r + label * Math.PI;
    pts.push([r * Math.cos(t), r * Math.sin(t), label]);
  }
  return toLabeled(pts, noise, rng);
}

/** Points uniform in [-1, 1]^2, labelled 1 where x1*x2 > 0 (XOR of the signs). */
export function makeXor(options: { n?: number; noise?: number; seed?: number } = {}): Labeled {
  checkOptions('data.makeXor', options, ['n', 'noise', 'seed']);
  const { n = 100, noise = 0, seed = 0 } = options;
  checkN(n);
  checkNoise(noise);
  const rng = new Xoshiro128(seed >>> 0, 0x786f72);
  const pts: [number, number, number][] = [];
  for (let i = 0; i < n; i++) {
    const a = 2 * rng.uniform() - 1;
    const b = 2 * rng.uniform() - 1;
    pts.push([a, b, a * b > 0 ? 1 : 0]);
  }
  return toLabeled(pts, noise, rng);
}

/** Linear regression data y = x.w + bias + N(0, noise^2), x ~ N(0, 1); returns the true w. */
export function makeRegression(options: { n?: number; features?: number; noise?: number; bias?: number; seed?: number; weights?: number[] } = {}): Labeled & { w: Float64Array } {
  checkOptions('data.makeRegression', options, ['n', 'features', 'noise', 'bias', 'seed', 'weights']);
  const { n = 100, features = 1, noise = 0, bias = 0, seed = 0, weights } = options;
  checkN(n);
  checkNoise(noise);
  if (!Number.isInteger(features) || features < 1) throw new RangeError(`wasmnn: features must be a positive integer, got ${features}`);
  if (weights && weights.length !== features) throw new RangeError(`wasmnn: weights has ${weights.length} values for ${features} features`);
  const rng = new Xoshiro128(seed >>> 0, 0x72656772);
  const w = Float64Array.from(weights ?? Array.from({ length: features }, () => rng.normal()));
  const x = new Float32Array(n * features);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = bias;
    for (let j = 0; j < features; j++) {
      const v = rng.normal();
      x[i * features + j] = v;
      s += v * w[j];
    }
    y[i] = s + (noise > 0 ? noise * rng.normal() : 0);
  }
  return { x: new Matrix(x, n, features), y: new Matrix(y, n, 1), w };
}
