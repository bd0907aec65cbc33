// Weight penalties added to the loss (Keras form):
//   l1(l): l*sum|w|   grad l*sign(w)      l2(l): l*sum(w^2)   grad 2*l*w      l1l2: both.
// NOTE: Keras' l2 has no 1/2; PyTorch's weight_decay=wd in SGD equals l2(wd/2) here. For
// penalties that scale with the data set (lambda/(2N)*sum W^2), pass l = lambda/(2N).
import type { Kernels } from '../wasm/exports.js';
import { checkOptions } from '../validate/options.js';

export interface Regularizer {
  readonly name: string;
  readonly l1: number;
  readonly l2: number;
  /** Adds the penalty's gradient into g and the penalty into sum[0], for n weights at w (into a
   *  field, not returned: a double returned from a call V8 does not inline is garbage per step). */
  apply(k: Kernels, g: number, w: number, n: number, sum: Float64Array): void;
  /** The penalty alone. */
  value(k: Kernels, w: number, n: number): number;
  getConfig(): Record<string, unknown>;
}

function make(l1: number, l2: number): Regularizer {
  for (const [name, v] of [['l1', l1], ['l2', l2]] as const) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new RangeError(`wasmnn: regularizer ${name} must be a finite number >= 0, got ${v}`);
  }
  const name = l1 && l2 ? 'l1l2' : l1 ? 'l1' : 'l2';
  return {
    name,
    l1,
    l2,
    apply(k, g, w, n, sum) {
      if (l1) {
        sum[0] += l1 * k.sum_abs_f32(w, n);
        k.add_sign_f32(g, w, n, l1);
      }
      if (l2) {
        sum[0] += l2 * k.sum_sq_f32(w, n);
        k.axpy_f32(g, w, n, 2 * l2);
      }
    },
    value: (k, w, n) => (l1 ? l1 * k.sum_abs_f32(w, n) : 0) + (l2 ? l2 * k.sum_sq_f32(w, n) : 0),
    getConfig: () => ({ name, l1, l2 }),
  };
}

/** The strength of l1(l) or l2(l): a number; Keras' keyword form l2({ l2: 0.01 }) is accepted too. */
function strength(name: 'l1' | 'l2', l: number | { l1?: number; l2?: number }): number {
  if (typeof l !== 'object' || l === null) return l;
  checkOptions(`regularizers.${name}`, l, [name], { [name === 'l1' ? 'l2' : 'l1']: { use: name, note: 'for both penalties use regularizers.l1l2({ l1, l2 })' } });
  return l[name] ?? 0.01;
}

/** l*sum|w|. @example layers.dense({ units: 8, kernelRegularizer: regularizers.l1(1e-4) }) */
export const l1 = (l: number | { l1?: number } = 0.01): Regularizer => make(strength('l1', l), 0);
/** l*sum(w^2) (Keras). @example layers.dense({ units: 8, kernelRegularizer: regularizers.l2(1e-4) }) */
export const l2 = (l: number | { l2?: number } = 0.01): Regularizer => make(0, strength('l2', l));
/** l1*sum|w| + l2*sum(w^2). */
export const l1l2 = (options: { l1?: number; l2?: number } = {}): Regularizer => {
  checkOptions('regularizers.l1l2', options, ['l1', 'l2']);
  const { l1: a = 0.01, l2: b = 0.01 } = options;
  return make(a, b);
};
