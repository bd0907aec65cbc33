// The PyTorch equivalent of a Sequential model, module by module, as a PyTorch user would write it:
// dense -> nn.Linear (then the activation's module, if any), batchNorm -> nn.BatchNorm1d
// (nn.BatchNorm2d on images), dropout -> nn.Dropout, activation -> its module, the image layers
// as pytorch-image.ts says (the module takes images NCHW, as PyTorch does, and sequences
// [n, c, width] when the first layer is a conv1d or batch norm); batch norm of a sequence
// [n, width, c] -> nn.BatchNorm1d on [n, c, width]. Indices count modules as nn.Sequential does,
// so state_dict names are `${index}.weight`. One small function per layer kind, so that graph
// ops can be added beside them.
import type { ModelView } from '../model/view.js';
import type { Layer } from '../layers/layer.js';
import type { Dense } from '../layers/dense.js';
import type { BatchNorm } from '../layers/batch-norm.js';
import type { Dropout } from '../layers/dropout.js';
import type { Activation } from '../layers/activations.js';
import type { Parameter } from '../optimizers/parameter.js';
import { py, type StateEntry, type StateSource, type TorchModule } from './torch-state.js';
import { gptOf, gptStateEntries, gptModuleSource } from './pytorch-gpt.js';
import { torchImageModules, HELPERS } from './pytorch-image.js';

export type { StateSource, StateEntry, TorchModule } from './torch-state.js';

/** Each layer's parameters, in parameters() order. */
export function layerParams(model: ModelView): Parameter[][] {
  const all = model.parameters();
  let o = 0;
  return model.layers.map((l) => {
    const n = l.paramSpecs().length;
    return all.slice(o, (o += n));
  });
}


/** The nn module of an activation, or undefined for the identity; `dim`: a softmax's (1: the channels of NCHW images). */
export function torchActivation(a: Activation, dim = -1): string | undefined {
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
    case 'softmax': return `nn.Softmax(dim=${dim})`;
  }
}

const act = (a: Activation, layer: number, dim = -1): TorchModule[] => {
  const text = torchActivation(a, dim);
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
  const images = l.inputShape.length === 3;
  const f = (name: string, source: StateSource): StateEntry => ({ name, dtype: 'F32', shape: [n], source });
  return [{
    text: `nn.BatchNorm${images ? 2 : 1}d(${n}, eps=${py(l.eps)}, momentum=${py(l.momentum)})`,
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

/**
 * The modules one layer becomes; `steps` is written as batch norm's num_batches_tracked;
 * `channelsFirst`: a sequence input [batch, width, c] is [batch, c, width] in PyTorch.
 */
export function torchModulesOf(l: Layer, ps: Parameter[], layer: number, steps: number, channelsFirst = false): TorchModule[] {
  const rank = l.inputShape.length + 1;
  const refuse = (why: string): never => {
    throw new RangeError(`wasmnn: layer ${layer} (${l.name}) of kind '${l.kind}' ${why}`);
  };
  switch (l.kind) {
    case 'dense':
      if (rank === 4) refuse('on images [batch, h, w, c] has no PyTorch equivalent here (nn.Linear would see NCHW; flatten first)');
      return dense(l as Dense, ps, layer);
    case 'batchNorm':
      if (rank > 4) refuse(`on a rank-${rank} input has no PyTorch equivalent here (BatchNorm1d and BatchNorm2d normalise axis 1 of rank 2 to 4)`);
      return batchNorm(l as BatchNorm, ps, layer, steps); // rank 3: BatchNorm1d on [n, c, width]
    case 'dropout': return [{ text: `nn.Dropout(p=${py((l as Dropout).rate)})`, state: [], layer }];
    case 'spatialDropout2d': return [{ text: `nn.Dropout2d(p=${py((l as Dropout).rate)})`, state: [], layer }]; // whole channels of NCHW
    case 'activation': return act((l as { activation: Activation } & Layer).activation, layer, rank === 4 || (rank === 3 && channelsFirst) ? 1 : -1);
    default: return torchImageModules(l, ps, layer, act) ?? refuse('has no PyTorch equivalent here');
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
  // A sequence [batch, width, c] is channels first in PyTorch where nn.Conv1d or BatchNorm1d reads
  // or wrote it (from the input on, when the first layer is one) and ours elsewhere; a permute between.
  const sequence = (l: Layer) => l.inputShape.length === 2;
  let first = sequence(model.layers[0]) && sequenceWants(model.layers[0]) === 'first';
  return model.layers.flatMap((l, i) => {
    const want = sequence(l) ? sequenceWants(l) : undefined;
    const move: TorchModule[] = want && (want === 'first') !== first ? [{ text: want === 'first' ? 'ChannelsFirst()' : 'ChannelsLast()', state: [], layer: i, helpers: [want === 'first' ? 'ChannelsFirst' : 'ChannelsLast'] }] : [];
    if (want) first = want === 'first';
    const out = [...move, ...torchModulesOf(l, ps[i], i, steps, first)];
    first = l.outputShape.length === 2 && (want === 'first' || (want === undefined && first));
    return out;
  });
}

/** What a layer needs of a sequence in PyTorch: channels first (nn.Conv1d, BatchNorm1d), ours (nn.Linear, flatten, reshape), or either (elementwise). */
function sequenceWants(l: Layer): 'first' | 'last' | undefined {
  switch (l.kind) {
    case 'conv1d':
    case 'maxPooling1d':
    case 'averagePooling1d':
    case 'globalMaxPooling1d':
    case 'globalAveragePooling1d':
    case 'batchNorm': return 'first';
    case 'activation':
    case 'dropout':
    case 'spatialDropout2d': return undefined;
    default: return 'last';
  }
}

/** The state_dict of the equivalent nn.Sequential (`${module index}.${key}` entries), or of nanoGPT's GPT (pytorch-gpt.ts). */
export function torchStateEntries(model: ModelView): StateEntry[] {
  const gpt = model.isChain() ? gptOf(model.layers) : undefined;
  if (gpt) return gptStateEntries(gpt, layerParams(model));
  return torchModules(model).flatMap((m, i) => m.state.map((s) => ({ ...s, name: `${i}.${s.name}` })));
}

/**
 * The equivalent PyTorch module as Python source, e.g.
 * `nn.Sequential(\n    nn.Linear(2, 16),  # 0\n    nn.ReLU(),  # 1\n)`. With it,
 * `model.load_state_dict(safetensors.torch.load_file(path))` loads toSafetensors(m, { layout: 'pytorch' }).
 * A CNN's module may use small helper classes (pytorch-image.ts): their definitions come first,
 * then the nn.Sequential expression. A GPT (embedding, positionalEmbedding, transformerBlocks,
 * layerNormalization, dense) is nanoGPT's classes and the expression `GPT()` (pytorch-gpt.ts).
 */
export function toPytorchModule(model: ModelView): string {
  const gpt = model.isChain() ? gptOf(model.layers) : undefined;
  if (gpt) return gptModuleSource(gpt);
  const modules = torchModules(model);
  const used = new Set(modules.flatMap((m) => m.helpers ?? []));
  const helpers = Object.keys(HELPERS).filter((h) => used.has(h)).map((h) => `${HELPERS[h]}\n\n\n`);
  const lines = modules.map((m, i) => `    ${m.text},  # ${i}`);
  return [...helpers, ['nn.Sequential(', ...lines, ')'].join('\n')].join('');
}
