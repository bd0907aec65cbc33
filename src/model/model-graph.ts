// The graph a model trains: its inputs and outputs as given to new Model, checked, and its layers
// in the order they are first applied (the getWeights() order), each renamed by its place.
import type { Layer } from '../layers/layer.js';
import { collect, SymbolicTensor } from '../graph/symbolic.js';
import { isPrimitive } from '../graph/op.js';
import type { ModelGraph } from './view.js';

export interface TrainGraph {
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly layers: readonly Layer[];
}

/** The inputs and outputs of `graph` as lists, checked: symbolic tensors, the inputs made by input(). */
export function modelEnds(graph: ModelGraph): { inputs: SymbolicTensor[]; outputs: SymbolicTensor[] } {
  if (!graph || graph.inputs === undefined || graph.outputs === undefined) throw new TypeError('wasmnn: new Model({ inputs, outputs }) needs the input tensors and the output tensors');
  const inputs = Array.isArray(graph.inputs) ? [...graph.inputs] : [graph.inputs as SymbolicTensor];
  const outputs = Array.isArray(graph.outputs) ? [...graph.outputs] : [graph.outputs as SymbolicTensor];
  if (inputs.length === 0 || outputs.length === 0) throw new RangeError('wasmnn: a model needs at least one input and one output');
  for (const t of [...inputs, ...outputs]) if (!(t instanceof SymbolicTensor)) throw new TypeError('wasmnn: a model\'s inputs and outputs are symbolic tensors (from input(), layers and ops)');
  for (const t of inputs) if (t.kind !== 'input') throw new TypeError(`wasmnn: a model input must be an input(...) tensor, got one of shape ${t} computed by an op`);
  return { inputs, outputs };
}

/** The graph's layers in order of first application, renamed by it; every leaf must be a model input, and no layer another model's. */
export function modelGraph(inputs: readonly SymbolicTensor[], outputs: readonly SymbolicTensor[]): TrainGraph {
  // The layers in order of first application; every leaf must be a model input.
  const calls = collect(outputs);
  const layers: Layer[] = [];
  for (const e of calls) {
    if (!isPrimitive(e.op) && !layers.includes(e.op as Layer)) layers.push(e.op as Layer);
    for (const t of e.inputs) {
      if (t.kind === 'input' && !inputs.includes(t)) throw new RangeError(`wasmnn: the model's outputs depend on an input${t.name ? ` '${t.name}'` : ''} of shape ${t} that is not among its inputs`);
      if (t.kind === 'param') throw new RangeError(`wasmnn: a model's weights come from its layers; the graph reads the free parameter '${t.slot!.label}' (use a layer, or valueAndGrad for your own parameters)`);
    }
  }
  for (const t of outputs) if (t.kind === 'input' && !inputs.includes(t)) throw new RangeError('wasmnn: a model output is an input that is not among its inputs');
  layers.sort((a, b) => firstCall(calls, a) - firstCall(calls, b));
  for (const l of layers) {
    if (l.owner) throw new Error(`wasmnn: the layer '${l.name}' already belongs to another model; a layer's weights live in one model (apply it several times within one model to share them)`);
  }
  layers.forEach((l, i) => l.rename(i));
  return { inputs, outputs, layers };
}

/** True when the graph is a chain of layer calls from the one input (saved in the Sequential format). */
export function isChain(g: TrainGraph): boolean {
  if (g.inputs.length !== 1 || g.outputs.length !== 1) return false;
  const calls = collect(g.outputs);
  let prev: SymbolicTensor = g.inputs[0];
  for (const e of calls) {
    if (isPrimitive(e.op) || e.inputs[0] !== prev || e.inputs.length !== 1) return false;
    prev = e.outputs[0];
  }
  return calls.length === g.layers.length && prev === g.outputs[0];
}

/** The name of the activation the output ends with, if a layer applies one. */
export function lastActivation(t: SymbolicTensor): string | undefined {
  const p = t.producer;
  if (!p) return undefined;
  if (!isPrimitive(p.op)) return ((p.op as { activation?: { name: string } }).activation)?.name;
  if (p.op.name === 'activation') return (p.attrs.act as { name: string }).name;
  return undefined;
}

function firstCall(calls: readonly { op: unknown; id: number }[], layer: Layer): number {
  let best = Infinity;
  for (const e of calls) if (e.op === layer && e.id < best) best = e.id;
  return best;
}
