// A model: a graph from inputs to outputs (Keras' functional API, tfjs' tf.model) trained end to
// end on the graph engine. Memory:
//   parameters | gradients    one flat region each, in the order layers are first applied, so an
//                             optimizer step is one kernel call over all of them;
//   programs                  predict, evaluate and train (forward, loss, backward) compiled from
//                             the graph once, each with a memory plan for `maxRows` rows (planned
//                             again only if a larger batch comes);
//   data                      fit() copies the training (and validation) set into wasm once; a
//                             batch is a pointer into it, or a gather of shuffled rows.
// A training step therefore allocates nothing, in wasm or in JS.
import { runtime, type Runtime } from '../wasm/init.js';
import { Matrix, type MatrixLike } from '../data/matrix.js';
import type { Layer } from '../layers/layer.js';
import { Parameter } from '../optimizers/parameter.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { type Loss, type LossName, type CustomLossSpec, resolveLoss, softmaxCrossEntropyIndex } from '../losses/index.js';
import { type MetricAccumulator, type MetricName, METRIC_NAMES, makeMetric } from '../metrics/index.js';
import type { Regularizer } from '../regularizers/index.js';
import { summarize } from './summary.js';
import { saveModel, loadModel, type SavedModel, type ModelSource } from './serialize.js';
import { TrainingError, type EpochLogs, type FitOptions, type History } from './types.js';
import { BATCH, collect, input, SymbolicTensor } from '../graph/symbolic.js';
import { isPrimitive, ShapeError } from '../graph/op.js';
import { lower } from '../graph/lower.js';
import { gradients } from '../graph/autodiff.js';
import { Program } from '../graph/program.js';
import { pinGradients } from '../graph/pins.js';
import { lossOf, weightedLossOf } from '../graph/ops/loss.js';
import { Feed } from '../graph/feed.js';
import { toTensor, type Operand } from '../graph/api.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { checkCallbacks } from '../callbacks/index.js';
import { whenCollected, forget } from '../memory/finalize.js';
import type { Arena } from '../memory/arena.js';
import { toSafetensors, fromSafetensors, type SafetensorsOptions, type SafetensorsLayout } from '../interop/safetensors.js';
import { toTfjs, type TfjsArtifacts } from '../interop/tfjs.js';
import type { OnnxExportOptions } from '../interop/onnx-export.js';
import type { OnnxImportOptions } from '../interop/onnx-import.js';
import { describe } from '../validate/describe.js';

export interface ModelOptions {
  /** Seed of every random draw: initial weights, shuffling, dropout masks. Default 0. */
  seed?: number;
  name?: string;
}

/** A loss written with ops: `(pred, target) => scalar`; its gradient is derived. */
export type GraphLoss = ((pred: SymbolicTensor, target: SymbolicTensor) => Operand) & { lossName?: string };

export interface CompileOptions {
  loss: LossName | Loss | CustomLossSpec | GraphLoss;
  optimizer: Optimizer;
  metrics?: MetricName[];
  /** The batch size to plan memory for (fit replans if it is given a larger one). Default 32. */
  batchSize?: number;
}

export interface ModelGraph {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
}

/** A data set copied into wasm memory. */
interface Resident {
  x: number[];
  y: number;
  rows: number;
  release(): void;
}

const MODEL_KEYS = optionKeys<ModelOptions>({ seed: true, name: true });
const COMPILE_KEYS = optionKeys<CompileOptions>({ loss: true, optimizer: true, metrics: true, batchSize: true });
const FIT_KEYS = optionKeys<FitOptions>({ epochs: true, initialEpoch: true, batchSize: true, shuffle: true, validationData: true, validationSplit: true, classWeight: true, onEpochEnd: true, callbacks: true, scheduleUnit: true });

const STREAM_INIT = 1;
const STREAM_SHUFFLE = 2;
const STREAM_DROPOUT = 3;

type Mode = 'predict' | 'eval' | 'train' | 'weighted';

export class Model {
  /** The layers, in the order they are first applied (getWeights() order). */
  readonly layers: readonly Layer[];
  readonly inputs: readonly SymbolicTensor[];
  readonly outputs: readonly SymbolicTensor[];
  readonly seed: number;
  readonly name: string;
  /** Columns of the first input and of the first output. */
  readonly inputUnits: number;
  readonly outputUnits: number;
  protected readonly rt: Runtime;
  private readonly params: Parameter[] = [];
  /** Parameters with a weight penalty, and the penalty. */
  private readonly penalties: { p: Parameter; r: Regularizer }[] = [];
  private readonly paramRegion: number;
  private readonly gradRegion: number;
  private readonly paramCount: number;
  /** Three PRNG states of 16 bytes: init, shuffle, dropout. */
  private readonly rngStates: number;
  private readonly lowered: SymbolicTensor[];
  private loss: Loss | GraphLoss | undefined;
  private optimizerRef: Optimizer | undefined;
  private metricNames: MetricName[] = [];
  private maxRows = 0;
  /** predict, eval (dense, index targets), train (dense, index). */
  private readonly programs: ({ prog: Program; loss?: SymbolicTensor; target?: SymbolicTensor; weight?: SymbolicTensor } | undefined)[] = [];
  private readonly targets = { dense: undefined as SymbolicTensor | undefined, index: undefined as SymbolicTensor | undefined };
  private heapF!: Float32Array;
  private heapI!: Int32Array;
  private disposed = false;
  /** Who owns a layer or an optimizer: a token, not the model, so that holding a layer or an
   *  optimizer does not keep a forgotten model (and its memory) alive. */
  private readonly identity: { readonly name: string };
  /** What the model holds in wasm memory, released by dispose() or when the model is collected. */
  private readonly held: Holdings;
  /** The row order the last shuffled fit left: the next fit on as many rows shuffles it on. */
  private order: Int32Array | undefined;

  constructor(graph: ModelGraph, options: ModelOptions = {}) {
    checkOptions('new Model', options, MODEL_KEYS);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`wasmnn: seed must be a non-negative integer, got ${seed}`);
    if (!graph || graph.inputs === undefined || graph.outputs === undefined) throw new TypeError('wasmnn: new Model({ inputs, outputs }) needs the input tensors and the output tensors');
    const inputs = Array.isArray(graph.inputs) ? [...graph.inputs] : [graph.inputs as SymbolicTensor];
    const outputs = Array.isArray(graph.outputs) ? [...graph.outputs] : [graph.outputs as SymbolicTensor];
    if (inputs.length === 0 || outputs.length === 0) throw new RangeError('wasmnn: a model needs at least one input and one output');
    for (const t of [...inputs, ...outputs]) if (!(t instanceof SymbolicTensor)) throw new TypeError('wasmnn: a model\'s inputs and outputs are symbolic tensors (from input(), layers and ops)');
    for (const t of inputs) if (t.kind !== 'input') throw new TypeError(`wasmnn: a model input must be an input(...) tensor, got one of shape ${t} computed by an op`);
    this.rt = runtime();
    this.held = new Holdings(this.rt.arena);
    this.seed = seed;
    this.name = options.name ?? 'model';
    this.identity = { name: this.name };
    this.inputs = inputs;
    this.outputs = outputs;
    this.inputUnits = inputs[0].cols;
    this.outputUnits = outputs[0].cols;

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
    this.layers = layers;

    const { arena, kernels: k } = this.rt;
    const specs = layers.map((l) => l.paramSpecs());
    this.paramCount = specs.flat().reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    this.paramRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.gradRegion = arena.alloc(Math.max(1, this.paramCount) * 4);
    this.rngStates = arena.alloc(48, 16);
    for (const stream of [STREAM_INIT, STREAM_SHUFFLE, STREAM_DROPOUT]) {
      k.rng_seed(this.rngStates + 16 * (stream - 1), seed >>> 0, (Math.floor(seed / 2 ** 32) + stream * 0x9e3779b9) >>> 0);
    }
    let offset = 0;
    specs.forEach((layerSpecs, i) => {
      const ps = layerSpecs.map((s) => {
        const p = new Parameter(this.rt, s.name, s.shape, this.paramRegion + offset, this.gradRegion + offset);
        offset += p.size * 4;
        s.initializer.fill(p.valuePtr, p.size, { k, state: this.rngStates, fanIn: s.fanIn, fanOut: s.fanOut });
        if (s.regularizer) this.penalties.push({ p, r: s.regularizer });
        this.params.push(p);
        return p;
      });
      layers[i].bindParams(ps);
      layers[i].owner = this.identity;
    });
    k.fill_f32(this.gradRegion, this.paramCount, 0);
    this.held.blocks.push(this.paramRegion, this.gradRegion, this.rngStates, ...layers.flatMap((l) => l.heldBlocks().map((b) => b.ptr)));
    // A model nobody disposes gives its memory back when it is garbage-collected.
    whenCollected(this, this.held.releaser());
    this.lowered = lower(outputs);
  }

  /** The three PRNG states (init, shuffle, dropout) as 12 unsigned 32-bit words, for save(). */
  exportRng(): number[] {
    return Array.from(this.rt.arena.u32(this.rngStates, 12));
  }

  /** Restores exportRng() output, so a loaded model continues the same random streams. */
  importRng(words: readonly number[]): void {
    if (!Array.isArray(words) || words.length !== 12 || words.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new RangeError('wasmnn: the PRNG state must be 12 unsigned 32-bit integers');
    }
    this.rt.arena.u32(this.rngStates, 12).set(words);
  }

  /** A copy of the row order shuffling has reached (a permutation of 0..n-1), if fit has shuffled. */
  exportShuffleOrder(): Int32Array | undefined {
    return this.order?.slice();
  }

  /** Restores exportShuffleOrder() output, so the next fit on as many rows continues the same shuffle. */
  importShuffleOrder(order: ArrayLike<number> | undefined): void {
    if (order === undefined) {
      this.order = undefined;
      return;
    }
    const seen = new Uint8Array(order.length);
    for (let i = 0; i < order.length; i++) {
      const v = order[i];
      if (!Number.isInteger(v) || v < 0 || v >= order.length || seen[v]) throw new RangeError(`wasmnn: the shuffle order must be a permutation of 0..${order.length - 1}; entry ${i} is ${v}${seen[v] ? ', a repeat' : ''}`);
      seen[v] = 1;
    }
    this.order = Int32Array.from(order);
  }

  /** The compiled loss's config ({ name, ...options }). */
  get lossConfig(): Record<string, unknown> | undefined {
    const l = this.loss;
    if (!l) return undefined;
    return typeof l === 'function' ? { name: l.lossName ?? 'custom' } : l.getConfig();
  }

  /** The compiled metric names. */
  get metrics(): readonly MetricName[] {
    return this.metricNames;
  }

  /** The topology (JSON) and one float32 buffer of weights; with includeOptimizer, what resuming training needs. */
  save(options: { includeOptimizer?: boolean } = {}): SavedModel {
    this.alive();
    checkOptions('save', options, ['includeOptimizer']);
    return saveModel(this, options);
  }

  /** Rebuilds a model from save() (its weights as any byte view) or encodeModel()'s bytes; refuses a damaged or foreign file with an error that says what is wrong. */
  static load(saved: ModelSource): Model {
    return loadModel(saved, chainModel, (graph, options) => new Model(graph, options));
  }

  /** True when the graph is a chain of layer calls from the one input (saved in the Sequential format). */
  isChain(): boolean {
    if (this.inputs.length !== 1 || this.outputs.length !== 1) return false;
    const calls = collect(this.outputs);
    let prev: SymbolicTensor = this.inputs[0];
    for (const e of calls) {
      if (isPrimitive(e.op) || e.inputs[0] !== prev) return false;
      prev = e.outputs[0];
    }
    return calls.length === this.layers.length && prev === this.outputs[0];
  }

  /** The optimizer given to compile(), if compiled. */
  get optimizer(): Optimizer | undefined {
    return this.optimizerRef;
  }

  /** The trainable parameters, in getWeights() order (kernel then bias, layer by layer). */
  parameters(): readonly Parameter[] {
    return this.params;
  }

  countParams(): number {
    return this.paramCount;
  }

  /** Bytes of the largest planned program (activations, their gradients, inputs and targets). */
  get planBytes(): number {
    let b = 0;
    for (const p of this.programs) if (p) b = Math.max(b, p.prog.planBytes);
    return b;
  }

  compile(options: CompileOptions): void {
    this.alive();
    checkOptions('compile', options, COMPILE_KEYS, { learningRate: { use: 'optimizer', note: "the rate is the optimizer's: optimizers.adam({ lr: 1e-3 })" }, lr: { use: 'optimizer', note: "the rate is the optimizer's: optimizers.adam({ lr: 1e-3 })" } });
    if (!options || options.loss === undefined) throw new TypeError('wasmnn: compile needs a loss');
    if (!options.optimizer || typeof options.optimizer.step !== 'function') throw new TypeError('wasmnn: compile needs an optimizer, e.g. optimizers.sgd({ lr: 0.1 })');
    if (this.outputs.length !== 1) throw new RangeError(`wasmnn: compile/fit train a model with one output; this one has ${this.outputs.length} (use valueAndGrad for a loss over several)`);
    const loss = typeof options.loss === 'function' ? (options.loss as GraphLoss) : resolveLoss(options.loss as LossName | Loss | CustomLossSpec);
    if (typeof loss !== 'function') {
      const lastAct = lastActivation(this.outputs[0]);
      if ((loss.name === 'softmaxCrossEntropy' && lastAct === 'softmax') || (loss.name === 'bceWithLogits' && lastAct === 'sigmoid')) {
        throw new RangeError(
          `wasmnn: loss '${loss.name}' takes raw scores (logits) but the last layer applies '${lastAct}': remove the activation, or use ${loss.name === 'bceWithLogits' ? "'bce'" : 'a loss on probabilities'}`,
        );
      }
    }
    for (const m of options.metrics ?? []) {
      if (!METRIC_NAMES.includes(m)) throw new RangeError(`wasmnn: unknown metric '${m}'; known: ${METRIC_NAMES.join(', ')}`);
    }
    if (typeof loss !== 'function') checkLossFits(loss.name, this.outputUnits, lastActivation(this.outputs[0]));
    const opt = options.optimizer;
    if (opt.owner && opt.owner !== this.identity) throw new Error(`wasmnn: this ${opt.kind} optimizer already trains the model '${opt.owner.name}'; give each model an optimizer of its own`);
    if (!opt.owner && opt.parameters.length > 0) throw new Error(`wasmnn: this ${opt.kind} optimizer already updates ${opt.parameters.length} parameter(s) of its own (${opt.parameters[0].name}, ...); give the model an optimizer of its own`);
    const rows = checkBatchSize(options.batchSize ?? 32);
    this.dropPrograms(true);
    if (this.optimizerRef !== opt) this.optimizerRef?.dispose();
    this.loss = loss;
    this.metricNames = [...(options.metrics ?? [])];
    this.accuracy = this.metricNames.includes('accuracy');
    // Targets in [0, 1] for the probability losses.
    this.probabilityTargets = typeof loss !== 'function' && (loss.name === 'bce' || loss.name === 'bceWithLogits' || loss.name === 'softmaxCrossEntropy');
    this.optimizerRef = opt;
    opt.attach(this.params, this.identity);
    this.maxRows = rows;
    try {
      this.program('train', false);
    } catch (e) {
      // A plan that does not fit leaves the model uncompiled, holding nothing it took here.
      opt.dispose();
      this.optimizerRef = undefined;
      this.loss = undefined;
      this.maxRows = 0;
      throw e;
    }
  }

  /** The program for a mode (and target kind), compiled on first use and planned for maxRows. */
  private program(mode: Mode, index: boolean): { prog: Program; loss?: SymbolicTensor; target?: SymbolicTensor; weight?: SymbolicTensor } {
    // By number, not by a string key: building the key would allocate on every training step.
    const key = mode === 'predict' ? 0 : (mode === 'eval' ? 1 : mode === 'train' ? 3 : 5) + (index ? 1 : 0);
    let p = this.programs[key];
    if (!p) {
      const built = this.buildProgram(mode, index);
      this.held.programs.add(built.prog);
      try {
        built.prog.ensure(this.maxRows);
      } catch (e) {
        // Out of memory (or any failure): release what the new program took, keep the model as it was.
        built.prog.dispose();
        this.held.programs.delete(built.prog);
        throw e;
      }
      this.programs[key] = p = built;
    }
    p.prog.ensure(this.maxRows);
    return p;
  }

  private buildProgram(mode: Mode, index: boolean): { prog: Program; loss?: SymbolicTensor; target?: SymbolicTensor; weight?: SymbolicTensor } {
    const out = this.lowered[0];
    if (mode === 'predict') return { prog: new Program(this.rt, { roots: this.lowered, training: false }) };
    const target = index ? (this.targets.index ??= input([1], { dtype: 'int32', name: 'target' })) : (this.targets.dense ??= input([this.outputUnits], { name: 'target' }));
    const weight = mode === 'weighted' ? input([1], { name: 'weight' }) : undefined;
    const loss = weight ? weightedLossOf(index ? softmaxCrossEntropyIndex() : (this.loss as Loss), out, target, weight) : this.lossTensor(out, target, index);
    // The target is a root too: metrics read it (and the output) after the run, so the planner
    // must not hand its bytes to the backward pass.
    if (mode === 'eval') return { prog: new Program(this.rt, { roots: [loss, out, target], training: false }), loss, target };
    const eqns = collect([loss]);
    const params = this.params.map((p) => paramTensorOf(this.layers, p));
    const grads = gradients(eqns, loss, params);
    const { pins } = pinGradients(params, grads);
    // Last layer's gradients first: the backward pass runs from the loss down.
    pins.reverse();
    const prog = new Program(this.rt, { roots: [loss, out, target], pins, training: true, dropoutState: this.rngStates + 32 });
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
        this.held.programs.delete(p.prog);
        this.programs[key] = undefined;
      }
    });
  }

  /** Frees every block this model holds in wasm memory; the model is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    forget(this);
    for (let i = 0; i < this.programs.length; i++) this.programs[i] = undefined;
    for (const l of this.layers) l.owner = undefined;
    for (const p of this.params) p.disposed = true;
    this.optimizerRef?.dispose();
    this.held.release();
  }

  private alive(): void {
    if (this.disposed) throw new Error(`wasmnn: the model '${this.name}' was disposed`);
  }

  // An assertion, not a getter: returning { loss, optimizer } allocated on every training step.
  private requireCompiled(what: string): void {
    this.alive();
    if (!this.loss || !this.optimizerRef) throw new Error(`wasmnn: call model.compile({ loss, optimizer }) before ${what}`);
  }

  // ---- data ------------------------------------------------------------------

  /** x as one matrix per model input. */
  private inputList(xIn: MatrixLike | readonly MatrixLike[], what: string): MatrixLike[] {
    if (this.inputs.length === 1) return [xIn as MatrixLike];
    if (!Array.isArray(xIn) || xIn.length !== this.inputs.length || !xIn.every((v) => v !== null && typeof v === 'object' && (Array.isArray(v) || ArrayBuffer.isView(v) || 'data' in v || v instanceof Matrix))) {
      throw new RangeError(`wasmnn: this model has ${this.inputs.length} inputs: pass ${what} as a list of ${this.inputs.length} matrices`);
    }
    return xIn as MatrixLike[];
  }

  /** Validates x (and y) against the model and decides how targets are stored. */
  /** What the data being checked is called in messages: '' for x and y, 'validationData ' for fit's validation set. */
  private label = '';

  private checkData(xIn: MatrixLike | readonly MatrixLike[], yIn?: MatrixLike): { x: Matrix[]; y?: Matrix; index: boolean } {
    const x = this.inputList(xIn, 'x').map((v, i) => Matrix.from(v, this.inputs.length === 1 ? `${this.label}x` : `${this.label}x[${i}]`));
    if (yIn === undefined) {
      this.checkShapes(x);
      return { x, index: false };
    }
    const y = Matrix.from(yIn, `${this.label}y`);
    return { x, y, index: this.checkShapes(x, y.data, y.rows, y.cols) };
  }

  // The shape checks of every entry point; true when y holds class indices (one column into a
  // softmax cross-entropy over several outputs), which are checked here too.
  // `scan`: also check the target values against the loss and the metrics (trainOnBatch scans in
  // wasm instead, after copying, and comes back here only to name a bad value).
  private checkShapes(x: readonly { rows: number; cols: number }[], y?: ArrayLike<number>, yRows = 0, yCols = 0, scan = true): boolean {
    for (let i = 0; i < x.length; i++) {
      const m = x[i], want = this.inputs[i].cols;
      if (m.cols !== want) throw new RangeError(`wasmnn: ${this.label}${this.inputs.length === 1 ? 'x' : `x[${i}]`} has ${m.cols} columns but the model takes ${want} inputs${this.inputs.length === 1 ? ' (inputDim)' : ' there'}`);
      if (m.rows !== x[0].rows) throw new RangeError(`wasmnn: ${this.label}x[${i}] has ${m.rows} rows but x[0] has ${x[0].rows}`);
    }
    if (y === undefined) return false;
    const xRows = x[0].rows;
    if (yRows !== xRows) throw new RangeError(`wasmnn: ${this.label}x has ${xRows} rows but y has ${yRows}`);
    const lossName = typeof this.loss === 'function' ? undefined : this.loss?.name;
    const index = lossName === 'softmaxCrossEntropy' && yCols === 1 && this.outputUnits > 1;
    if (index) {
      for (let r = 0; r < yRows; r++) {
        const v = y[r];
        if (!Number.isInteger(v) || v < 0 || v >= this.outputUnits) {
          throw new RangeError(`wasmnn: ${this.label}y row ${r}: label ${v} is not a class index in [0, ${this.outputUnits - 1}]`);
        }
      }
    } else if (yCols !== this.outputUnits) {
      throw new RangeError(`wasmnn: ${this.label}y has ${yCols} columns but the model outputs ${this.outputUnits}`);
    }
    if (scan) this.checkTargetValues(y, yRows, yCols, index);
    return index;
  }


  private checkTargetValues(y: ArrayLike<number>, yRows: number, yCols: number, index: boolean): void {
    const lossName = typeof this.loss === 'function' ? undefined : this.loss?.name;
    if (!index && this.probabilityTargets) {
      // Probabilities: binary targets or soft labels in [0, 1] (PyTorch's rule for BCE; one-hot or
      // soft rows for cross-entropy). Anything else trains toward a meaningless optimum.
      const n = yRows * yCols;
      for (let i = 0; i < n; i++) {
        const v = y[i];
        if (!(v >= 0 && v <= 1)) throw new RangeError(`wasmnn: ${this.label}y row ${Math.floor(i / yCols)}: ${v} is not a probability in [0, 1], as ${lossName} targets must be${lossName === 'softmaxCrossEntropy' ? ' (or give one column of class indices)' : ''}`);
      }
    }
    if (yCols === 1 && !index && this.accuracy) {
      // Binary accuracy compares 0/1 classes: on continuous targets (a regression) it means nothing.
      for (let r = 0; r < yRows; r++) {
        const v = y[r];
        if (v !== 0 && v !== 1) throw new RangeError(`wasmnn: ${this.label}y row ${r}: ${v} is not a class (0 or 1), which the metric 'accuracy' counts; for a regression use the metrics 'mse' or 'mae'`);
      }
    }
  }

  // Set by compile (read in every trainOnBatch: fields, not getters that compare strings).
  private accuracy = false;
  private probabilityTargets = false;

  /** Each row's weight from its class (classWeight): index labels, one-hot rows or 0/1 targets. */
  private classWeights(spec: Record<number, number> | readonly number[], y: Matrix, index: boolean): Float32Array {
    const name = typeof this.loss === 'function' ? undefined : this.loss?.name;
    if (name !== 'bce' && name !== 'bceWithLogits' && name !== 'softmaxCrossEntropy') {
      throw new RangeError(`wasmnn: fit: classWeight weighs the classes of a classification loss (bce, bceWithLogits, softmaxCrossEntropy), not ${name ?? 'a custom loss'}`);
    }
    if (spec === null || typeof spec !== 'object') throw new TypeError('wasmnn: fit: classWeight maps class indices to weights: { 0: 1, 1: 5 } or [1, 5]');
    const classes = this.outputUnits === 1 ? 2 : this.outputUnits;
    const table = new Float64Array(classes).fill(1);
    for (const [key, w] of Object.entries(spec)) {
      const c = Number(key);
      if (!Number.isInteger(c) || c < 0 || c >= classes) throw new RangeError(`wasmnn: fit: classWeight has class ${JSON.stringify(key)}, not a class index in [0, ${classes - 1}]`);
      if (typeof w !== 'number' || !(w >= 0) || !Number.isFinite(w)) throw new RangeError(`wasmnn: fit: classWeight for class ${c} must be a finite number >= 0, got ${JSON.stringify(w)}`);
      table[c] = w;
    }
    const out = new Float32Array(y.rows);
    for (let r = 0; r < y.rows; r++) {
      let c: number;
      if (index || y.cols === 1) {
        c = y.data[r];
        if (c !== Math.floor(c)) throw new RangeError(`wasmnn: fit: classWeight needs a class per row; y row ${r} is ${c}`);
      } else {
        c = 0;
        for (let j = 1; j < y.cols; j++) if (y.data[r * y.cols + j] > y.data[r * y.cols + c]) c = j;
      }
      out[r] = table[c];
    }
    return out;
  }

  /** fit, evaluate, trainOnBatch and lossAndGradients need targets. */
  private requireTargets(y: unknown, what: string): void {
    if (y === undefined || y === null) throw new TypeError(`wasmnn: ${what}(x, y) needs the targets y (without them it would train toward zero)`);
  }

  // trainOnBatch's operands, read without allocating (src/graph/feed.ts).
  private feed: Feed | undefined;

  private makeResident(x: Matrix[], y: Matrix | undefined, index: boolean): Resident {
    const { arena } = this.rt;
    const xp = x.map((m) => {
      const p = arena.alloc(m.data.length * 4);
      arena.f32(p, m.data.length).set(m.data);
      return p;
    });
    const yp = y ? arena.alloc(y.data.length * 4) : 0;
    if (y) {
      if (index) arena.i32(yp, y.data.length).set(y.data);
      else arena.f32(yp, y.data.length).set(y.data);
    }
    return {
      x: xp,
      y: yp,
      rows: x[0].rows,
      release: () => {
        for (const p of xp) arena.release(p);
        if (yp) arena.release(yp);
      },
    };
  }

  // Views are re-derived only after the arena grew memory (the one place memory grows): reading
  // memory.buffer is a call into the engine, which a training step need not make.
  private heapGrows = -1;
  private refreshHeap(): void {
    const { arena } = this.rt;
    if (this.heapGrows === arena.grows) return;
    const buf = arena.memory.buffer;
    this.heapF = new Float32Array(buf);
    this.heapI = new Int32Array(buf);
    this.heapGrows = arena.grows;
  }

  // ---- the step --------------------------------------------------------------

  // The step's loss goes to a field rather than a return value: a double returned from a call
  // that is not inlined is boxed (16 bytes of garbage per step); a double field is updated in place.
  private stepLoss = 0.5;
  private readonly lossSum = new Float64Array(1);
  private readonly penaltySum = new Float64Array(1);
  private readonly lossValue = new Float64Array(1);

  /** Runs the train program (forward, loss, backward) on its bound inputs, the loss into stepLoss; parameter gradients are overwritten. */
  private trainRun(p: { prog: Program; loss?: SymbolicTensor }, rows: number): void {
    p.prog.exec(rows);
    // Every weight penalty's gradient, and the summed penalty (part of the reported loss).
    const penalty = this.penaltySum;
    penalty[0] = 0;
    for (let i = 0; i < this.penalties.length; i++) {
      const { p: w, r } = this.penalties[i];
      r.apply(this.rt.kernels, w.gradPtr, w.valuePtr, w.size, penalty);
    }
    p.prog.scalarInto(p.loss!, this.lossValue, 0);
    this.stepLoss = this.lossValue[0] + penalty[0];
    // Before the update, not after it: a non-finite loss or gradient stops training with the
    // weights as they were (one SIMD scan of the gradient region, a fraction of a percent of a step).
    this.stepBad = !Number.isFinite(this.stepLoss) || this.rt.kernels.count_non_finite_f32(this.gradRegion, this.paramCount) > 0;
  }

  private stepBad = false;

  /** The TrainingError for a step whose loss or gradient is not finite (built only then). */
  private stepError(where: string): TrainingError {
    const v = this.stepLoss;
    const weightsBad = this.rt.kernels.count_non_finite_f32(this.paramRegion, this.paramCount) > 0;
    const what = Number.isFinite(v) ? `the gradient became non-finite (the loss was ${v})` : `the loss became ${v}`;
    const state = weightsBad
      ? 'the weights were already non-finite, from an earlier update (too large a learning rate?)'
      : 'the weights are left as they were before this step';
    return new TrainingError(`wasmnn: ${what}${where}; ${state}. Lower the learning rate, or check the data and the loss`);
  }

  // ---- public training API ----------------------------------------------------

  /**
   * Trains for `epochs` passes over the data. Returns the per-epoch history.
   * Throws a TrainingError (leaving the weights of the last good step) if the loss becomes NaN or infinite.
   */
  async fit(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: FitOptions = {}): Promise<History> {
    this.requireCompiled('fit');
    this.requireTargets(yIn, 'fit');
    checkOptions('fit', options, FIT_KEYS, { sampleWeight: { use: 'classWeight', note: 'weights per row are not supported; classWeight weighs each class' } });
    checkCallbacks('fit', options.callbacks);
    if (options.scheduleUnit !== undefined && options.scheduleUnit !== 'epoch' && options.scheduleUnit !== 'batch') throw new RangeError(`wasmnn: fit: scheduleUnit must be 'epoch' or 'batch', got ${JSON.stringify(options.scheduleUnit)}`);
    const optimizer = this.optimizerRef as Optimizer;
    const epochs = options.epochs ?? 1;
    if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`wasmnn: epochs must be a non-negative integer, got ${describe(epochs)}`);
    // Epochs are numbered on from where the optimizer's training stopped (its epoch count), so
    // fit(k) then fit(n - k) numbers, schedules and shuffles as one fit(n) does.
    const first = options.initialEpoch ?? optimizer.epochs;
    if (!Number.isSafeInteger(first) || first < 0) throw new RangeError(`wasmnn: initialEpoch must be a non-negative integer, got ${describe(first)}`);
    const checked = this.checkData(xIn, yIn);
    let { x, y } = checked;
    const index = checked.index;
    let val: { x: Matrix[]; y: Matrix; index: boolean } | undefined;
    if (options.validationSplit !== undefined) {
      // As Keras: the last rows, taken before any shuffling, are the validation data.
      const s = options.validationSplit;
      if (typeof s !== 'number' || !(s > 0 && s < 1)) throw new RangeError(`wasmnn: fit: validationSplit must be a fraction in (0, 1), got ${JSON.stringify(s)}`);
      if (options.validationData) throw new RangeError('wasmnn: fit: give validationData or validationSplit, not both');
      const at = Math.floor(x[0].rows * (1 - s));
      if (at === 0 || at === x[0].rows) throw new RangeError(`wasmnn: fit: validationSplit ${s} of ${x[0].rows} rows leaves ${at === 0 ? 'no training' : 'no validation'} rows`);
      const part = (m: Matrix, from: number, to: number) => new Matrix(m.data.subarray(from * m.cols, to * m.cols), to - from, m.cols);
      val = { x: x.map((m) => part(m, at, m.rows)), y: part(y!, at, y!.rows), index };
      x = x.map((m) => part(m, 0, at));
      y = part(y!, 0, at);
    }
    const n = x[0].rows;
    const batch = Math.min(checkBatchSize(options.batchSize ?? 32), n);
    const shuffle = options.shuffle ?? true;
    const perBatch = options.scheduleUnit === 'batch';
    if (options.validationData) {
      const [vx, vy] = options.validationData;
      this.label = 'validationData ';
      let c;
      try {
        c = this.checkData(vx, vy);
      } finally {
        this.label = '';
      }
      val = { x: c.x, y: c.y as Matrix, index: c.index };
    }

    const rowWeights = options.classWeight === undefined ? undefined : this.classWeights(options.classWeight, y!, index);
    if (batch > this.maxRows) this.maxRows = batch;
    const p = this.program(rowWeights ? 'weighted' : 'train', index);
    const prog = p.prog;
    const { arena, kernels: k } = this.rt;
    const data = this.makeResident(x, y, index);
    const weights = rowWeights ? arena.alloc(n * 4) : 0;
    if (rowWeights) arena.f32(weights, n).set(rowWeights);
    const weight = p.weight;
    const valData = val ? this.makeResident(val.x, val.y, val.index) : undefined;
    const idx = shuffle ? arena.alloc(n * 4) : 0;
    if (idx) {
      // The order the last shuffle left (the permutation continues, as the PRNG stream does);
      // a data set of another size starts from the identity.
      const view = arena.i32(idx, n);
      if (this.order?.length === n) view.set(this.order);
      else for (let i = 0; i < n; i++) view[i] = i;
    }
    const metrics = this.metricNames.map((m) => makeMetric(m, this.binaryThreshold()));
    const history: History = { epoch: [], loss: [] };
    for (const m of metrics) history[m.name] = [];
    if (val) {
      history.valLoss = [];
      for (const m of metrics) history[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = [];
    }
    const inputs = this.inputs;
    const nIn = inputs.length;
    const target = p.target!;
    const out = this.lowered[0];
    const tCols = index ? 1 : this.outputUnits;
    const shuffleState = this.rngStates + 16;
    let lastYield = Date.now();
    const cbs = options.callbacks ?? [];
    for (const cb of cbs) cb.onTrainBegin?.(this);

    try {
      for (let epoch = first; epoch < first + epochs; epoch++) {
        if (!perBatch) optimizer.scheduleStep = epoch;
        for (const cb of cbs) cb.onEpochBegin?.(epoch, this);
        if (idx) k.shuffle_i32(idx, n, shuffleState);
        for (const m of metrics) m.reset();
        // The epoch's loss sum in a typed array: a double local that the optimised loop keeps
        // tagged is boxed anew on every `+=` (16 bytes a step).
        const lossSum = this.lossSum;
        lossSum[0] = 0;
        for (let start = 0, b = 0; start < n; start += batch, b++) {
          const rows = Math.min(batch, n - start);
          let yp: number;
          if (idx) {
            for (let i = 0; i < nIn; i++) {
              prog.unbind(inputs[i]);
              k.gather_rows_f32(prog.ptr(inputs[i]), data.x[i], idx + start * 4, rows, inputs[i].cols);
            }
            prog.unbind(target);
            yp = prog.ptr(target);
            if (index) k.gather_i32(yp, data.y, idx + start * 4, rows);
            else k.gather_rows_f32(yp, data.y, idx + start * 4, rows, tCols);
            if (weight) {
              prog.unbind(weight);
              k.gather_rows_f32(prog.ptr(weight), weights, idx + start * 4, rows, 1);
            }
          } else {
            if (weight) prog.bind(weight, weights + start * 4);
            for (let i = 0; i < nIn; i++) prog.bind(inputs[i], data.x[i] + start * inputs[i].cols * 4);
            yp = data.y + start * tCols * 4;
            prog.bind(target, yp);
          }
          this.trainRun(p, rows);
          const value = this.stepLoss;
          if (this.stepBad) throw this.stepError(` at epoch ${epoch}, batch ${b}`);
          if (metrics.length) {
            this.refreshHeap();
            const o = prog.ptr(out) >>> 2;
            // Indexed loops in the step: no iterator objects per batch.
            for (let mi = 0; mi < metrics.length; mi++) metrics[mi].add(this.heapF, this.heapI, o, yp >>> 2, rows, this.outputUnits, index);
          }
          if (perBatch) optimizer.scheduleStep = epoch * Math.ceil(n / batch) + b;
          optimizer.step();
          lossSum[0] += value * rows;
        }
        optimizer.epochs = epoch + 1;
        const logs: EpochLogs = { loss: lossSum[0] / n };
        for (const m of metrics) logs[m.name] = m.result();
        if (valData && val) {
          const v = this.evaluateResident(valData, val.index, metrics);
          logs.valLoss = v.loss;
          for (const m of metrics) logs[`val${m.name[0].toUpperCase()}${m.name.slice(1)}`] = v[m.name];
        }
        // A plateau schedule reacts to the monitored metric: validation loss if there is one.
        const lr = optimizer.lr as { observe?: (m: number) => number };
        if (typeof lr === 'object' && typeof lr.observe === 'function') lr.observe(logs.valLoss ?? logs.loss);
        history.epoch.push(epoch);
        for (const key of Object.keys(logs)) history[key].push(logs[key]);
        let stop = false;
        for (const cb of cbs) if (cb.onEpochEnd?.(epoch, logs, this) === false) stop = true;
        if (options.onEpochEnd && (await options.onEpochEnd(epoch, logs)) === false) stop = true;
        if (stop) break;
        if (Date.now() - lastYield > 100) {
          // Let timers, I/O and the UI run during long fits.
          await new Promise((r) => setTimeout(r, 0));
          lastYield = Date.now();
        }
      }
    } finally {
      for (const t of inputs) prog.unbind(t);
      prog.unbind(target);
      data.release();
      valData?.release();
      if (weights) arena.release(weights);
      if (weight) prog.unbind(weight);
      if (idx) {
        this.order = arena.i32(idx, n).slice();
        arena.release(idx);
      }
    }
    for (const cb of cbs) cb.onTrainEnd?.(this);
    return history;
  }

  /** One optimisation step on exactly these rows. Returns the batch's loss. */
  trainOnBatch(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): number {
    // Small enough for V8 to inline into the caller's loop, so the returned double need not be
    // boxed there (a double returned from a call that is not inlined is 16 bytes of garbage).
    this.trainStep(xIn, yIn);
    return this.stepLoss;
  }

  private trainStep(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): void {
    this.requireCompiled('trainOnBatch');
    this.requireTargets(yIn, 'trainOnBatch');
    const optimizer = this.optimizerRef as Optimizer;
    const k = this.rt.kernels;
    const nIn = this.inputs.length;
    if (nIn !== 1) {
      this.trainStepMulti(this.inputList(xIn, 'x'), yIn);
      optimizer.step();
      return;
    }
    const feed = (this.feed ??= new Feed(this.rt));
    const xd = feed.read(xIn as MatrixLike, 'x');
    const rows = feed.rows, cols = feed.cols;
    const yd = feed.read(yIn, 'y');
    const yRows = feed.rows, yCols = feed.cols;
    const index = this.checkShapes1(rows, cols, yd, yRows, yCols);
    if (rows > this.maxRows) this.maxRows = rows;
    const p = this.program('train', index);
    const prog = p.prog, x = this.inputs[0], target = p.target!;
    // Through the cached heap views: no typed-array view is created per batch.
    this.refreshHeap();
    const xp = prog.ptr(x), tp = prog.ptr(target);
    this.heapF.set(xd, xp >>> 2);
    // NaN/infinity scans in wasm (SIMD); the JS scan only runs to name the bad value.
    if (k.count_non_finite_f32(xp, xd.length) > 0) Matrix.assertFinite(new Matrix(xd, rows, cols), 'x');
    if (index) for (let i = 0; i < yd.length; i++) this.heapI[(tp >>> 2) + i] = yd[i];
    else {
      this.heapF.set(yd, tp >>> 2);
      if (k.count_non_finite_f32(tp, yd.length) > 0) Matrix.assertFinite(new Matrix(yd, rows, yd.length / rows), 'y');
      if (this.probabilityTargets && k.count_outside_f32(tp, yd.length, 0, 1) > 0) this.checkTargetValues(yd, yRows, yCols, index);
    }
    this.trainRun(p, rows);
    if (this.stepBad) throw this.stepError('');
    optimizer.step();
  }

  // checkShapes for one input without building a list (trainOnBatch allocates nothing).
  private readonly one = [{ rows: 0, cols: 0 }];
  private checkShapes1(rows: number, cols: number, y: ArrayLike<number>, yRows: number, yCols: number): boolean {
    this.one[0].rows = rows;
    this.one[0].cols = cols;
    return this.checkShapes(this.one, y, yRows, yCols, false);
  }

  private trainStepMulti(xs: MatrixLike[], yIn: MatrixLike): void {
    this.trainRunData(xs, yIn);
    if (this.stepBad) throw this.stepError('');
  }

  /** Checks x and y, copies them in, and runs the train program once over all their rows (no update). */
  private trainRunData(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): void {
    const { x, y, index } = this.checkData(xIn, yIn);
    const rows = x[0].rows;
    if (rows > this.maxRows) this.maxRows = rows;
    const p = this.program('train', index);
    const data = this.makeResident(x, y, index);
    try {
      this.inputs.forEach((t, i) => p.prog.bind(t, data.x[i]));
      p.prog.bind(p.target!, data.y);
      this.trainRun(p, rows);
    } finally {
      for (const t of this.inputs) p.prog.unbind(t);
      p.prog.unbind(p.target!);
      data.release();
    }
  }


  /**
   * The mean loss of the batch and the gradient of every parameter (getWeights() order), without
   * updating the weights. It is a training-mode step, as a forward pass in PyTorch's train() mode:
   * dropout draws its masks from the model's stream and batch norm updates its running statistics.
   * With `{ pure: true }` both are put back afterwards, so the model is left exactly as it was.
   */
  lossAndGradients(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: { pure?: boolean } = {}): { loss: number; grads: Float32Array[] } {
    this.requireCompiled('lossAndGradients');
    this.requireTargets(yIn, 'lossAndGradients');
    checkOptions('lossAndGradients', options, ['pure']);
    const { arena } = this.rt;
    const dropout = options.pure ? arena.u32(this.rngStates + 32, 4).slice() : undefined;
    const stats = options.pure ? this.layers.flatMap((l) => l.heldBlocks()).map((b) => ({ ptr: b.ptr, values: arena.f32(b.ptr, b.length).slice() })) : [];
    try {
      this.trainRunData(xIn, yIn);
      return { loss: this.stepLoss, grads: this.params.map((q) => q.grad.slice()) };
    } finally {
      if (dropout) arena.u32(this.rngStates + 32, 4).set(dropout);
      for (const st of stats) arena.f32(st.ptr, st.values.length).set(st.values);
    }
  }

  private evaluateResident(data: Resident, index: boolean, metrics: MetricAccumulator[]): EpochLogs {
    const { kernels: k } = this.rt;
    const p = this.program('eval', index);
    const prog = p.prog, out = this.lowered[0];
    for (const m of metrics) m.reset();
    const tCols = index ? 1 : this.outputUnits;
    let sum = 0;
    try {
      for (let start = 0; start < data.rows; start += this.maxRows) {
        const rows = Math.min(this.maxRows, data.rows - start);
        const yp = data.y + start * tCols * 4;
        this.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.bind(p.target!, yp);
        prog.exec(rows);
        sum += prog.scalar(p.loss!) * rows;
        if (metrics.length) {
          this.refreshHeap();
          for (const m of metrics) m.add(this.heapF, this.heapI, prog.ptr(out) >>> 2, yp >>> 2, rows, this.outputUnits, index);
        }
      }
    } finally {
      for (const t of this.inputs) prog.unbind(t);
      prog.unbind(p.target!);
    }
    // As Keras: the reported loss includes the weight penalties.
    let penalty = 0;
    for (const { p: w, r } of this.penalties) penalty += r.value(k, w.valuePtr, w.size);
    const logs: EpochLogs = { loss: sum / data.rows + penalty };
    for (const m of metrics) logs[m.name] = m.result();
    return logs;
  }

  /** The mean loss and each compiled metric over x, y (evaluation mode: no dropout, running statistics). */
  evaluate(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): EpochLogs {
    this.requireCompiled('evaluate');
    this.requireTargets(yIn, 'evaluate');
    const { x, y, index } = this.checkData(xIn, yIn);
    if (this.maxRows === 0) this.maxRows = 32;
    const data = this.makeResident(x, y, index);
    try {
      return this.evaluateResident(data, index, this.metricNames.map((m) => makeMetric(m, this.binaryThreshold())));
    } finally {
      data.release();
    }
  }

  /** The model's outputs for x (evaluation mode), one row per input row; a list of matrices for several outputs. */
  predict(xIn: MatrixLike | readonly MatrixLike[]): Matrix {
    this.alive();
    const { x } = this.checkData(xIn);
    if (this.maxRows === 0) this.maxRows = Math.min(Math.max(x[0].rows, 1), 1024);
    const rowsIn = x[0].rows;
    // An output with fixed rows (a reduction over the batch) depends on every row at once: then
    // the whole input goes through in one run.
    const whole = this.lowered.some((t) => t.rows !== BATCH);
    if (whole && rowsIn > this.maxRows) this.maxRows = rowsIn;
    const { prog } = this.program('predict', false);
    const data = this.makeResident(x, undefined, false);
    const rowsOf = (t: SymbolicTensor) => (t.rows === BATCH ? rowsIn : t.rows);
    const outs = this.lowered.map((t) => new Float32Array(rowsOf(t) * t.cols));
    try {
      for (let start = 0; start < rowsIn; start += this.maxRows) {
        const rows = Math.min(this.maxRows, rowsIn - start);
        this.inputs.forEach((t, i) => prog.bind(t, data.x[i] + start * t.cols * 4));
        prog.exec(rows);
        this.lowered.forEach((t, i) => outs[i].set(this.rt.arena.f32(prog.ptr(t), (t.rows === BATCH ? rows : t.rows) * t.cols), t.rows === BATCH ? start * t.cols : 0));
      }
    } finally {
      for (const t of this.inputs) prog.unbind(t);
      data.release();
    }
    const mats = outs.map((o, i) => new Matrix(o, rowsOf(this.lowered[i]), this.lowered[i].cols));
    return (mats.length === 1 ? mats[0] : mats) as Matrix;
  }

  /** Binary decisions are made at 0 on logits (bceWithLogits) and at 0.5 otherwise. */
  private binaryThreshold(): number {
    return typeof this.loss !== 'function' && this.loss?.name === 'bceWithLogits' ? 0 : 0.5;
  }

  // ---- weights ------------------------------------------------------------------

  /** Copies of every parameter, kernel then bias per layer (W is [in, out]). */
  getWeights(): Float32Array[] {
    this.alive();
    return this.params.map((p) => p.value.slice());
  }

  /** Sets every parameter; W as nested [in][out] arrays or flat, biases as arrays. Validates all before writing any. */
  setWeights(weights: readonly ArrayLike<unknown>[]): void {
    this.alive();
    if (!Array.isArray(weights) || weights.length !== this.params.length) {
      throw new RangeError(`wasmnn: setWeights needs ${this.params.length} arrays (${this.params.map((p) => p.name).join(', ')}), got ${weights?.length}`);
    }
    const flat = weights.map((w, i) => {
      const p = this.params[i];
      const f = flatten(w, p.name);
      if (f.length !== p.size) throw new RangeError(`wasmnn: setWeights: ${p.name} has shape [${p.shape}] (${p.size} values), got ${f.length}`);
      for (let j = 0; j < f.length; j++) {
        if (!Number.isFinite(f[j])) throw new RangeError(`wasmnn: setWeights: ${p.name} has ${f[j]} at index ${j}`);
      }
      return f;
    });
    flat.forEach((f, i) => this.params[i].value.set(f));
  }

  // ---- interop (src/interop/) -----------------------------------------------------

  /** The weights as safetensors bytes: wasmnn's names (default) or the state_dict of the equivalent nn.Sequential. */
  toSafetensors(options: SafetensorsOptions = {}): Uint8Array {
    return toSafetensors(this, options);
  }

  /** Loads a safetensors file (either layout) into `model`, checking all of it before writing any; returns the model. */
  static fromSafetensors<M extends Model>(bytes: Uint8Array | ArrayBuffer, model: M, options: { layout?: SafetensorsLayout } = {}): M {
    return fromSafetensors(bytes, model, options);
  }

  /** The model in the tfjs layers format, for `tf.loadLayersModel(tf.io.fromMemory(...))` (a chain of layers). */
  toTfjs(): TfjsArtifacts {
    return toTfjs(this);
  }

  /**
   * The model as ONNX bytes (IR version 8, opset 17), any graph of layers and ops. Async: the ONNX
   * schema code is large and stays out of the core entry, loaded here on first use (or import
   * toOnnx from 'wasmnn/onnx').
   */
  async toOnnx(options: OnnxExportOptions = {}): Promise<Uint8Array> {
    const onnx = await import('../interop/onnx-export.js');
    return onnx.toOnnx(this, options);
  }

  /**
   * A model from ONNX bytes: a functional Model of the graph; a chain of layers (an MLP exported
   * from PyTorch) gives a chain Model, as Model.load gives for a saved Sequential (Sequential.fromOnnx
   * gives a Sequential). Async as toOnnx.
   */
  static async fromOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): Promise<Model> {
    const onnx = await import('../interop/onnx-import.js');
    return onnx.importOnnx(bytes, options, { chain: chainModel, graph: (graph, o) => new Model(graph, o) });
  }

  /** A table of the layers: output shape, parameters, multiply-accumulates. Printed, and returned. */
  summary(print = true): string {
    this.alive();
    const text = summarize(this, this.maxRows);
    if (print) console.log(text);
    return text;
  }
}

/** Blocks and programs a model holds in wasm memory. Referenced by the model and by its
 *  finalizer, never the other way round, so a forgotten model can still be collected. */
class Holdings {
  readonly blocks: number[] = [];
  readonly programs = new Set<Program>();
  private released = false;
  constructor(private readonly arena: Arena) {}

  /** release() as a function closing over the holdings alone (for the finalizer). */
  releaser(): () => void {
    return () => this.release();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const p of this.programs) p.dispose();
    this.programs.clear();
    for (const b of this.blocks) this.arena.release(b);
  }
}

/** A model of layers in a chain (what Model.load makes of a saved Sequential). */
function chainModel(layers: Layer[], options: ModelOptions): Model {
  const x = input([(layers[0] as { options?: { inputDim?: number } }).options?.inputDim ?? 0]);
  let t = x;
  layers.forEach((l, i) => {
    l.build(t.cols, i);
    t = l.apply(t);
  });
  return new Model({ inputs: x, outputs: t }, { ...options, name: options.name ?? 'sequential' });
}

function firstCall(calls: readonly { op: unknown; id: number }[], layer: Layer): number {
  let best = Infinity;
  for (const e of calls) if (e.op === layer && e.id < best) best = e.id;
  return best;
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

/** The name of the activation the output ends with, if a layer applies one. */
function lastActivation(t: SymbolicTensor): string | undefined {
  const p = t.producer;
  if (!p) return undefined;
  if (!isPrimitive(p.op)) return ((p.op as { activation?: { name: string } }).activation)?.name;
  if (p.op.name === 'activation') return (p.attrs.act as { name: string }).name;
  return undefined;
}

function paramTensorOf(layers: readonly Layer[], p: Parameter): SymbolicTensor {
  for (const l of layers) {
    const t = l.weightTensorOf(p);
    if (t) return t;
  }
  throw new Error(`wasmnn: internal: parameter ${p.name} belongs to no layer`);
}

export function checkBatchSize(b: number): number {
  if (!Number.isInteger(b) || b <= 0) throw new RangeError(`wasmnn: batchSize must be a positive integer, got ${describe(b)}`);
  return b;
}


function flatten(w: unknown, name: string): ArrayLike<number> {
  if (w instanceof Float32Array || w instanceof Float64Array) return w;
  if (!Array.isArray(w)) throw new TypeError(`wasmnn: setWeights: ${name} must be an array or Float32Array`);
  if (w.length > 0 && Array.isArray(w[0])) {
    const cols = (w[0] as unknown[]).length;
    const out: number[] = [];
    w.forEach((row, r) => {
      if (!Array.isArray(row) || row.length !== cols) throw new RangeError(`wasmnn: setWeights: ${name} row ${r} has ${(row as unknown[])?.length} values, row 0 has ${cols}`);
      out.push(...(row as number[]));
    });
    return out;
  }
  return w as number[];
}

