// What a PyTorch state_dict entry and module are to the writers (pytorch.ts, pytorch-image.ts,
// safetensors.ts): where each entry's values live in wasmnn, and how they are laid out there.
import type { Parameter } from '../optimizers/parameter.js';
import type { Tensor } from '../memory/tensor.js';

/** Where a state_dict entry's values live in wasmnn. */
export type StateSource =
  /** transpose: a dense kernel [in, out] as [out, in]; 'oihw': a convolution kernel HWIO as OIHW. */
  | { param: Parameter; transpose: boolean | 'oihw' }
  | { tensor: Tensor }
  /** An integer counter wasmnn does not keep (num_batches_tracked): written as `value`, ignored on load. */
  | { counter: number };

export interface StateEntry {
  name: string;
  dtype: 'F32' | 'I64';
  shape: number[];
  source: StateSource;
}

export interface TorchModule {
  /** The constructor as Python text, e.g. `nn.Linear(2, 16)`. */
  text: string;
  /** Its state_dict entries, keys without the `${index}.` prefix. */
  state: StateEntry[];
  /** The wasmnn layer it comes from. */
  layer: number;
  /** Helper classes its text uses (pytorch-image.ts HELPERS). */
  helpers?: string[];
}

/** A number as Python would read it back: 1.0 rather than 1, 1e-05 rather than 0.00001. */
export const py = (x: number): string => (Number.isInteger(x) ? x.toFixed(1) : x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential().replace(/e-(\d)$/, 'e-0$1') : String(x));
