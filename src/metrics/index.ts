// Metrics accumulated batch by batch over views of wasm memory (no allocation per batch).
// accuracy: binary (one output column) by threshold — 0 for logits, 0.5 for probabilities —
// or multi-class by argmax against an index label or the argmax of a one-hot target.

export type MetricName = 'accuracy' | 'mse' | 'mae';
export const METRIC_NAMES: readonly MetricName[] = ['accuracy', 'mse', 'mae'];

export interface MetricAccumulator {
  readonly name: MetricName;
  reset(): void;
  /** pred: f32 view of memory at index p (floats); targets at t (f32 floats, or i32 labels when indexTargets). */
  add(heapF: Float32Array, heapI: Int32Array, p: number, t: number, rows: number, cols: number, indexTargets: boolean): void;
  result(): number;
}

export function makeMetric(name: MetricName, binaryThreshold: number): MetricAccumulator {
  let sum = 0;
  let count = 0;
  const reset = () => {
    sum = 0;
    count = 0;
  };
  if (name === 'accuracy') {
    return {
      name, reset,
      result: () => (count === 0 ? NaN : sum / count),
      add(F, I, p, t, rows, cols, indexTargets) {
        for (let r = 0; r < rows; r++) {
          const pr = p + r * cols;
          let guess: number;
          let truth: number;
          if (cols === 1) {
            guess = F[pr] > binaryThreshold ? 1 : 0;
            truth = indexTargets ? I[t + r] : F[t + r] > 0.5 ? 1 : 0;
          } else {
            guess = argmax(F, pr, cols);
            truth = indexTargets ? I[t + r] : argmax(F, t + r * cols, cols);
          }
          if (guess === truth) sum++;
        }
        count += rows;
      },
    };
  }
  const abs = name === 'mae';
  return {
    name, reset,
    result: () => (count === 0 ? NaN : sum / count),
    add(F, _I, p, t, rows, cols) {
      const n = rows * cols;
      for (let i = 0; i < n; i++) {
        const d = F[p + i] - F[t + i];
        sum += abs ? Math.abs(d) : d * d;
      }
      count += n;
    },
  };
}

function argmax(F: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (F[start + i] > F[start + best]) best = i;
  return best;
}
