// What compile() sets on a model: its loss, optimizer and metrics, and the programs built from its
// graph for each mode (predict, evaluate and train: forward, loss, backward), each compiled once
// and planned for `maxRows` rows (planned again only if a larger batch comes).
import type { Runtime } from '../wasm/init.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { Layer } from '../layers/layer.js';
import { type Loss, type LossName, type CustomLossSpec, resolveLoss, softmaxCrossEntropyIndex } from '../losses/index.js';
import { type MetricName, METRIC_NAMES } from '../metrics/index.js';
import { collect, input, type SymbolicTensor } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import { lower } from '../graph/lower.js';
import { gradients } from '../graph/autodiff.js';
import { Program } from '../graph/program.js';
import { pinGradients } from '../graph/pins.js';
import { lossOf, weightedLossOf } from '../graph/ops/loss.js';
import { toTensor } from '../graph/api.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';
import { lastActivation, type TrainGraph } from './model-graph.js';
import type { Weights } from './weights.js';
import type { CompileOptions, GraphLoss } from './view.js';

const COMPILE_KEYS = optionKeys<CompileOptions>({ loss: true, optimizer: true, metrics: true, batchSize: true });

export type Mode = 'predict' | 'eval' | 'train' | 'weighted';

/** A compiled program and the tensors its callers bind or read. */
export interface Compiled { prog: Program; loss?: SymbolicTensor; target?: SymbolicTensor; weight?: SymbolicTensor }

export class Compilation {
  loss: Loss | GraphLoss | undefined;
  optimizer: Optimizer | undefined;
  metricNames: MetricName[] = [];
  maxRows = 0;
  // Set by compile (read in every trainOnBatch: fields, not getters that compare strings).
  accuracy = false;
  probabilityTargets = false;
  /** predict, eval (dense, index targets), train (dense, index), weighted (dense, index). */
  private readonly programs: (Compiled | undefined)[] = [];
  private readonly targets = { dense: undefined as SymbolicTensor | undefined, index: undefined as SymbolicTensor | undefined };
  /** The graph lowered to primitive ops (the programs' roots). */
  readonly lowered: SymbolicTensor[];
  /** Columns of the first output. */
  readonly outputUnits: number;
  /** Its last dimension (the classes of a softmax) and the positions before it in a sample (1 for [batch, units]; t for [batch, t, classes]). */
  readonly classes: number;
  readonly positions: number;

  constructor(private readonly rt: Runtime, private readonly graph: TrainGraph, private readonly weights: Weights) {
    const out = graph.outputs[0];
    this.outputUnits = out.cols;
    this.classes = out.shape[out.rank - 1];
    this.positions = out.rank > 2 ? this.outputUnits / this.classes : 1;
    this.lowered = lower(graph.outputs);
  }

  /** The compiled loss's name (undefined for a loss written with ops). */
  get lossName(): string | undefined {
    return typeof this.loss === 'function' ? undefined : this.loss?.name;
  }

  compile(options: CompileOptions): void {
    this.weights.alive();
    checkOptions('compile', options, COMPILE_KEYS, { learningRate: { use: 'optimizer', note: "the rate is the optimizer's: optimizers.adam({ lr: 1e-3 })" }, lr: { use: 'optimizer', note: "the rate is the optimizer's: optimizers.adam({ lr: 1e-3 })" } });
    if (!options || options.loss === undefined) throw new TypeError('wasmnn: compile needs a loss');
    if (!options.optimizer || typeof options.optimizer.step !== 'function') throw new TypeError('wasmnn: compile needs an optimizer, e.g. optimizers.sgd({ lr: 0.1 })');
    const outputs = this.graph.outputs;
    if (outputs.length !== 1) throw new RangeError(`wasmnn: compile/fit train a model with one output; this one has ${outputs.length} (use valueAndGrad for a loss over several)`);
    const loss = typeof options.loss === 'function' ? (options.loss as GraphLoss) : resolveLoss(options.loss as LossName | Loss | CustomLossSpec);
    if (typeof loss !== 'function') {
      const lastAct = lastActivation(outputs[0]);
      if ((loss.name === 'softmaxCrossEntropy' && lastAct === 'softmax') || (loss.name === 'bceWithLogits' && lastAct === 'sigmoid')) {
        throw new RangeError(
          `wasmnn: loss '${loss.name}' takes raw scores (logits) but the last layer applies '${lastAct}': remove the activation, or use ${loss.name === 'bceWithLogits' ? "'bce'" : 'a loss on probabilities'}`,
        );
      }
    }
    for (const m of options.metrics ?? []) {
      if (!METRIC_NAMES.includes(m)) throw new RangeError(`wasmnn: unknown metric '${m}'; known: ${METRIC_NAMES.join(', ')}`);
    }
    if (typeof loss !== 'function') checkLossFits(loss.name, this.classes, lastActivation(outputs[0]));
    const opt = options.optimizer;
    const identity = this.weights.identity;
    if (opt.owner && opt.owner !== identity) throw new Error(`wasmnn: this ${opt.kind} optimizer already trains the model '${opt.owner.name}'; give each model an optimizer of its own`);
    if (!opt.owner && opt.parameters.length > 0) throw new Error(`wasmnn: this ${opt.kind} optimizer already updates ${opt.parameters.length} parameter(s) of its own (${opt.parameters[0].name}, ...); give the model an optimizer of its own`);
    const rows = checkBatchSize(options.batchSize ?? 32);
    this.dropPrograms(true);
    if (this.optimizer !== opt) this.optimizer?.dispose();
    this.loss = loss;
    this.metricNames = [...(options.metrics ?? [])];
    this.accuracy = this.metricNames.includes('accuracy');
    // Targets in [0, 1] for the probability losses.
    this.probabilityTargets = typeof loss !== 'function' && (loss.name === 'bce' || loss.name === 'bceWithLogits' || loss.name === 'softmaxCrossEntropy');
    this.optimizer = opt;
    opt.attach(this.weights.params, identity);
    this.maxRows = rows;
    try {
      this.program('train', false);
    } catch (e) {
      // A plan that does not fit leaves the model uncompiled, holding nothing it took here.
      opt.dispose();
      this.optimizer = undefined;
      this.loss = undefined;
      this.maxRows = 0;
      throw e;
    }
  }

  // An assertion, not a getter: returning { loss, optimizer } allocated on every training step.
  requireCompiled(what: string): void {
    this.weights.alive();
    if (!this.loss || !this.optimizer) throw new Error(`wasmnn: call model.compile({ loss, optimizer }) before ${what}`);
  }

  /** The program for a mode (and target kind), compiled on first use and planned for maxRows. */
  program(mode: Mode, index: boolean): Compiled {
    // By number, not by a string key: building the key would allocate on every training step.
    const key = mode === 'predict' ? 0 : (mode === 'eval' ? 1 : mode === 'train' ? 3 : 5) + (index ? 1 : 0);
    let p = this.programs[key];
    if (!p) {
      const built = this.buildProgram(mode, index);
      this.weights.held.programs.add(built.prog);
      try {
        built.prog.ensure(this.maxRows);
      } catch (e) {
        // Out of memory (or any failure): release what the new program took, keep the model as it was.
        built.prog.dispose();
        this.weights.held.programs.delete(built.prog);
        throw e;
      }
      this.programs[key] = p = built;
    }
    p.prog.ensure(this.maxRows);
    return p;
  }

  /** Bytes of the largest planned program (activations, their gradients, inputs and targets). */
  get planBytes(): number {
    let b = 0;
    for (const p of this.programs) if (p) b = Math.max(b, p.prog.planBytes);
    return b;
  }

  /** Binary decisions are made at 0 on logits (bceWithLogits) and at 0.5 otherwise. */
  binaryThreshold(): number {
    return this.lossName === 'bceWithLogits' ? 0 : 0.5;
  }

  /** Forgets every program (and the optimizer) of a disposed model; the holdings free their memory. */
  dispose(): void {
    for (let i = 0; i < this.programs.length; i++) this.programs[i] = undefined;
    this.optimizer?.dispose();
  }

  private buildProgram(mode: Mode, index: boolean): Compiled {
    const out = this.lowered[0];
    if (mode === 'predict') return { prog: new Program(this.rt, { roots: this.lowered, training: false }) };
    // Class indices: one per sample, or one per position of a [batch, t, classes] output.
    const target = index ? (this.targets.index ??= input(this.positions === 1 ? [1] : out.shape.slice(1, -1), { dtype: 'int32', name: 'target' })) : (this.targets.dense ??= input([this.outputUnits], { name: 'target' }));
    const weight = mode === 'weighted' ? input([1], { name: 'weight' }) : undefined;
    const loss = weight ? weightedLossOf(index ? softmaxCrossEntropyIndex() : (this.loss as Loss), out, target, weight) : this.lossTensor(out, target, index);
    // The target is a root too: metrics read it (and the output) after the run, so the planner
    // must not hand its bytes to the backward pass.
    if (mode === 'eval') return { prog: new Program(this.rt, { roots: [loss, out, target], training: false }), loss, target };
    const eqns = collect([loss]);
    const params = this.weights.params.map((p) => paramTensorOf(this.graph.layers, p));
    const grads = gradients(eqns, loss, params);
    const { pins } = pinGradients(params, grads);
    // Last layer's gradients first: the backward pass runs from the loss down.
    pins.reverse();
    const prog = new Program(this.rt, { roots: [loss, out, target], pins, training: true, dropoutState: this.weights.dropoutState });
    return { prog, loss, target, weight };
  }

  private lossTensor(out: SymbolicTensor, target: SymbolicTensor, index: boolean): SymbolicTensor {
    this.requireCompiled('training');
    const l = this.loss!;
    if (typeof l === 'function') {
      const t = toTensor(l(out, target), "the custom loss's result");
      if (t.rows !== 1 || t.cols !== 1) throw new ShapeError(`wasmnn: a custom loss must return a single value, got shape ${t}`);
      return lower([t])[0];
    }
    return lossOf(index ? softmaxCrossEntropyIndex() : l, out, target);
  }

  private dropPrograms(all: boolean): void {
    this.programs.forEach((p, key) => {
      if (p && (all || key !== 0)) {
        p.prog.dispose();
        this.weights.held.programs.delete(p.prog);
        this.programs[key] = undefined;
      }
    });
  }
}

export function checkBatchSize(b: number): number {
  if (!Number.isInteger(b) || b <= 0) throw new RangeError(`wasmnn: batchSize must be a positive integer, got ${describe(b)}`);
  return b;
}

/** Refuses a loss (and metric) that cannot mean anything for this output. */
function checkLossFits(loss: string, units: number, lastAct: string | undefined): void {
  if (loss === 'softmaxCrossEntropy' && units === 1) {
    throw new RangeError("wasmnn: softmaxCrossEntropy over one output unit is 0 whatever the weights; use bceWithLogits for a binary output, or give the last layer one unit per class");
  }
  if (loss === 'bce' && lastAct !== 'sigmoid' && lastAct !== 'softmax') {
    throw new RangeError(`wasmnn: bce takes probabilities, but the model's output ${lastAct && lastAct !== 'linear' && lastAct !== 'identity' ? `ends with '${lastAct}'` : 'is not a sigmoid'}; end it with activation 'sigmoid', or use bceWithLogits on raw scores`);
  }
}

function paramTensorOf(layers: readonly Layer[], p: Parameter): SymbolicTensor {
  for (const l of layers) {
    const t = l.weightTensorOf(p);
    if (t) return t;
  }
  throw new Error(`wasmnn: internal: parameter ${p.name} belongs to no layer`);
}
