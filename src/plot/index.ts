// Pictures as SVG strings (no canvas, no dependency): learning curves, several series
// in one chart, a learning-rate schedule, and a classifier's decision boundary.
import { Matrix } from '../data/matrix.js';
import { PALETTE, axes, document, esc } from './svg.js';

export interface Series {
  name: string;
  values: readonly number[];
}

export interface ChartOptions {
  /** x value of each index (e.g. epoch numbers); by default the index itself. */
  x?: readonly number[];
  title?: string;
  width?: number;
  height?: number;
  xLabel?: string;
  yLabel?: string;
  logY?: boolean;
}

/** Line chart of several series against their index (epoch, step). NaN/Infinity leave gaps. */
export function lines(series: readonly Series[], opts: ChartOptions = {}): string {
  if (series.length === 0 || series.every((s) => s.values.length === 0)) throw new RangeError('wasmnn: plot.lines needs at least one non-empty series');
  const width = opts.width ?? 640, height = opts.height ?? 400;
  const tf = (v: number) => (opts.logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  // Loops, not Math.min(...values): series may hold hundreds of thousands of points.
  let lo = Infinity, hi = -Infinity, n = 0;
  for (const s of series) {
    n = Math.max(n, s.values.length);
    for (const raw of s.values) {
      const v = tf(raw);
      if (Number.isFinite(v)) {
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
  }
  if (lo > hi) [lo, hi] = [0, 1];
  const pad = hi > lo ? 0.05 * (hi - lo) : 1;
  const frame = { width, height, left: 60, right: 160, top: 34, bottom: 40 };
  const xs = opts.x && opts.x.length >= n ? opts.x : undefined;
  const xAt = (i: number) => (xs ? xs[i] : i);
  const { sx, sy, svg } = axes(frame, [xAt(0), Math.max(xAt(0) + 1, xAt(Math.max(0, n - 1)))], [lo - pad, hi + pad], {
    x: opts.xLabel ?? 'epoch', y: opts.yLabel ?? (opts.logY ? 'log10 value' : 'value'), title: opts.title,
  });
  const body: string[] = [svg];
  series.forEach((s, k) => {
    const color = PALETTE[k % PALETTE.length];
    // Split the polyline at non-finite values; thin long series to at most ~1000 points.
    const stride = Math.max(1, Math.floor(s.values.length / 1000));
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1) body.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${run.join(' ')}"/>`);
      run = [];
    };
    for (let i = 0; i < s.values.length; i += stride) {
      const v = tf(s.values[i]);
      if (Number.isFinite(v)) run.push(`${sx(xAt(i)).toFixed(1)},${sy(v).toFixed(1)}`);
      else flush();
    }
    flush();
    const ly = frame.top + 14 + 16 * k;
    body.push(`<line x1="${width - 150}" y1="${ly}" x2="${width - 130}" y2="${ly}" stroke="${color}" stroke-width="2"/><text x="${width - 125}" y="${ly}" dominant-baseline="middle">${esc(s.name)}</text>`);
  });
  return document(width, height, body.join(''));
}

/** Train (and validation) curves from a fit history: every key but `epoch`, or the chosen metrics. */
export function learningCurves(history: Record<string, readonly number[]>, opts: ChartOptions & { metrics?: string[] } = {}): string {
  const keys = opts.metrics ?? Object.keys(history).filter((k) => k !== 'epoch' && /loss/i.test(k));
  if (keys.length === 0) throw new RangeError('wasmnn: plot.learningCurves: the history has no loss series');
  return lines(keys.map((k) => ({ name: k, values: history[k] ?? [] })), { yLabel: 'loss', x: history.epoch, ...opts });
}

/** The rate of a schedule (anything with rate(epoch)) over `epochs` epochs. */
export function schedule(s: { rate(epoch: number): number } | ((epoch: number) => number), epochs: number, opts: ChartOptions = {}): string {
  const f = typeof s === 'function' ? s : (e: number) => s.rate(e);
  return lines([{ name: 'lr', values: Array.from({ length: epochs }, (_, e) => f(e)) }], { yLabel: 'learning rate', ...opts });
}

export interface BoundaryOptions extends ChartOptions {
  resolution?: number;
  /** Decision threshold on a single output: 0 for logits (default), 0.5 for probabilities. */
  threshold?: number;
}

/**
 * A 2-D classifier's decision regions and the points coloured by label. `predict` maps a
 * grid (rows of [x1, x2]) to one output per row (binary, thresholded) or one row of scores (argmax).
 */
export function decisionBoundary(predict: (grid: Matrix) => Matrix | Float32Array, x: Matrix, y: Matrix, opts: BoundaryOptions = {}): string {
  if (x.cols !== 2) throw new RangeError(`wasmnn: plot.decisionBoundary needs 2 input features, x has ${x.cols}`);
  const width = opts.width ?? 480, height = opts.height ?? 480, res = opts.resolution ?? 100, threshold = opts.threshold ?? 0;
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let r = 0; r < x.rows; r++) {
    x0 = Math.min(x0, x.get(r, 0)); x1 = Math.max(x1, x.get(r, 0));
    y0 = Math.min(y0, x.get(r, 1)); y1 = Math.max(y1, x.get(r, 1));
  }
  const mx = 0.1 * (x1 - x0 || 1), my = 0.1 * (y1 - y0 || 1);
  x0 -= mx; x1 += mx; y0 -= my; y1 += my;
  const grid = new Float32Array(res * res * 2);
  for (let j = 0; j < res; j++) for (let i = 0; i < res; i++) {
    grid[2 * (j * res + i)] = x0 + ((i + 0.5) * (x1 - x0)) / res;
    grid[2 * (j * res + i) + 1] = y0 + ((j + 0.5) * (y1 - y0)) / res;
  }
  const out = predict(new Matrix(grid, res * res, 2));
  const data = out instanceof Matrix ? out.data : out;
  const k = data.length / (res * res);
  const cls = (p: number) => {
    if (k === 1) return data[p] > threshold ? 1 : 0;
    let best = 0;
    for (let c = 1; c < k; c++) if (data[p * k + c] > data[p * k + best]) best = c;
    return best;
  };
  const frame = { width, height, left: 50, right: 20, top: 34, bottom: 40 };
  const { sx, sy, svg } = axes(frame, [x0, x1], [y0, y1], { x: 'x1', y: 'x2', title: opts.title });
  const body: string[] = [];
  // Cell edges snapped to whole pixels, so neighbouring rows and runs meet without seams.
  const gx = (i: number) => Math.round(sx(x0) + (i * (sx(x1) - sx(x0))) / res);
  const gy = (j: number) => Math.round(sy(y0) - (j * (sy(y0) - sy(y1))) / res);
  for (let j = 0; j < res; j++) {
    // One rect per run of equal class along the row keeps the file small.
    let start = 0;
    for (let i = 1; i <= res; i++) {
      if (i === res || cls(j * res + i) !== cls(j * res + start)) {
        const c = cls(j * res + start);
        body.push(`<rect x="${gx(start)}" y="${gy(j + 1)}" width="${gx(i) - gx(start)}" height="${gy(j) - gy(j + 1)}" fill="${PALETTE[c % PALETTE.length]}" fill-opacity="0.18" shape-rendering="crispEdges"/>`);
        start = i;
      }
    }
  }
  for (let r = 0; r < x.rows; r++) {
    const label = y.cols === 1 ? Math.round(y.data[r]) : (() => { let b = 0; for (let c = 1; c < y.cols; c++) if (y.get(r, c) > y.get(r, b)) b = c; return b; })();
    body.push(`<circle cx="${sx(x.get(r, 0)).toFixed(1)}" cy="${sy(x.get(r, 1)).toFixed(1)}" r="3" fill="${PALETTE[label % PALETTE.length]}" stroke="white" stroke-width="0.5"/>`);
  }
  return document(width, height, body.join('') + svg);
}
