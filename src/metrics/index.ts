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
  // NOTE: sum and count live in a typed array, not in closure variables: V8 boxes a double kept
  // in a closure context, so `sum += ...` there would allocate on every batch.
  const acc = new Float64Array(2); // [sum, count]
  const reset = () => acc.fill(0);
  if (name === 'accuracy') {
    return {
      name, reset,
      result: () => (acc[1] === 0 ? NaN : acc[0] / acc[1]),
      add(F, I, p, t, rows, cols, indexTargets) {
        let correct = 0;
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
          if (guess === truth) correct++;
        }
        acc[0] += correct;
        acc[1] += rows;
      },
    };
  }
  const abs = name === 'mae';
  return {
    name, reset,
    result: () => (acc[1] === 0 ? NaN : acc[0] / acc[1]),
    add(F, _I, p, t, rows, cols) {
      const n = rows * cols;
      let s = 0;
      for (let i = 0; i < n; i++) {
        const d = F[p + i] - F[t + i];
        s += abs ? Math.abs(d) : d * d;
      }
      acc[0] += s;
      acc[1] += n;
    },
  };
}

function argmax(F: Float32Array, start: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (F[start + i] > F[start + best]) best = i;
  return best;
}
