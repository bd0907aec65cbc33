// The PyTorch equivalent of a Sequential model, module by module, as a PyTorch user would write it:
// dense -> nn.Linear (then the activation's module, if any), batchNorm -> nn.BatchNorm1d,
// dropout -> nn.Dropout, activation -> its module. Indices count modules as nn.Sequential does,
// so state_dict names are `${index}.weight`. One small function per layer kind, so that graph
// ops can be added beside them.
import type { ModelView } from '../model/view.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Dropout } from '../layers/dropout.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { Tensor } from '../memory/tensor.js';

/** Where a state_dict entry's values live in wasmnn. */
export type StateSource =
  | { param: Parameter; transpose: boolean }
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
}

/** Each layer's parameters, in parameters() order. */
export function layerParams(model: ModelView): Parameter[][] {
  const all = model.parameters();
  let o = 0;
  return model.layers.map((l) => {
    const n = l.paramSpecs().length;
    return all.slice(o, (o += n));
  });
}

// A number as Python would read it back: 1.0 rather than 1, 1e-05 rather than 0.00001.
const py = (x: number) => (Number.isInteger(x) ? x.toFixed(1) : x !== 0 && Math.abs(x) < 1e-4 ? x.toExponential().replace(/e-(\d)$/, 'e-0$1') : String(x));

/** The nn module of an activation, or undefined for the identity. */
export function torchActivation(a: Activation): string | undefined {
  switch (a.name) {
    case 'linear':
    case 'identity':
      return undefined;
    case 'sigmoid': return 'nn.Sigmoid()';
    case 'tanh': return 'nn.Tanh()';
    case 'relu': return 'nn.ReLU()';
    case 'leakyRelu': return `nn.LeakyReLU(negative_slope=${py(a.alpha)})`;
    case 'elu': return `nn.ELU(alpha=${py(a.alpha)})`;
    case 'gelu': return 'nn.GELU()';
    case 'geluTanh': return "nn.GELU(approximate='tanh')";
    case 'softplus': return 'nn.Softplus()';
    case 'silu': return 'nn.SiLU()';
    case 'softmax': return 'nn.Softmax(dim=-1)';
  }
}

const act = (a: Activation, layer: number): TorchModule[] => {
  const text = torchActivation(a);
  return text ? [{ text, state: [], layer }] : [];
};

function dense(l: Dense, ps: Parameter[], layer: number): TorchModule[] {
  const [W, b] = ps;
  const state: StateEntry[] = [{ name: 'weight', dtype: 'F32', shape: [l.outputUnits, l.inputUnits], source: { param: W, transpose: true } }];
  if (b) state.push({ name: 'bias', dtype: 'F32', shape: [l.outputUnits], source: { param: b, transpose: false } });
  const linear = `nn.Linear(${l.inputUnits}, ${l.outputUnits}${b ? '' : ', bias=False'})`;
  return [{ text: linear, state, layer }, ...act(l.activation, layer)];
}

function batchNorm(l: BatchNorm, ps: Parameter[], layer: number, steps: number): TorchModule[] {
  const [gamma, beta] = ps;
  const n = l.inputUnits;
  const f = (name: string, source: StateSource): StateEntry => ({ name, dtype: 'F32', shape: [n], source });
  return [{
    text: `nn.BatchNorm1d(${n}, eps=${py(l.eps)}, momentum=${py(l.momentum)})`,
    state: [
      f('weight', { param: gamma, transpose: false }),
      f('bias', { param: beta, transpose: false }),
      f('running_mean', { tensor: l.runningMean }),
      f('running_var', { tensor: l.runningVar }),
      { name: 'num_batches_tracked', dtype: 'I64', shape: [], source: { counter: steps } },
    ],
    layer,
  }];
}

/** The modules one layer becomes; `steps` is written as batch norm's num_batches_tracked. */
export function torchModulesOf(l: Layer, ps: Parameter[], layer: number, steps: number): TorchModule[] {
  switch (l.kind) {
    case 'dense': return dense(l as Dense, ps, layer);
    case 'batchNorm': return batchNorm(l as BatchNorm, ps, layer, steps);
    case 'dropout': return [{ text: `nn.Dropout(p=${py((l as Dropout).rate)})`, state: [], layer }];
    case 'activation': return act((l as { activation: Activation } & Layer).activation, layer);
    default: throw new RangeError(`wasmnn: layer ${layer} (${l.name}) of kind '${l.kind}' has no PyTorch equivalent here`);
  }
}

/**
 * The nn.Sequential modules of a model, in order. num_batches_tracked is the optimizer's step
 * count (every training step passes each batch norm once); wasmnn keeps no counter of its own.
 */
export function torchModules(model: ModelView): TorchModule[] {
  if (!model.isChain()) throw new RangeError("wasmnn: a functional graph (branches, graph ops, several inputs or outputs) has no nn.Sequential equivalent; use safetensors' layout 'wasmnn' or ONNX");
  const ps = layerParams(model);
  const steps = model.optimizer?.iterations ?? 0;
  return model.layers.flatMap((l, i) => torchModulesOf(l, ps[i], i, steps));
}

/** The state_dict of the equivalent nn.Sequential: `${module index}.${key}` entries. */
export function torchStateEntries(model: ModelView): StateEntry[] {
  return torchModules(model).flatMap((m, i) => m.state.map((s) => ({ ...s, name: `${i}.${s.name}` })));
}

/**
 * The equivalent PyTorch module as Python source, e.g.
 * `nn.Sequential(\n    nn.Linear(2, 16),  # 0\n    nn.ReLU(),  # 1\n)`. With it,
 * `model.load_state_dict(safetensors.torch.load_file(path))` loads toSafetensors(m, { layout: 'pytorch' }).
 */
export function toPytorchModule(model: ModelView): string {
  const lines = torchModules(model).map((m, i) => `    ${m.text},  # ${i}`);
  return ['nn.Sequential(', ...lines, ')'].join('\n');
}
