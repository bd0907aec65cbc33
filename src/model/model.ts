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
//
// Model is the facade: each method hands its work to the room that does it (src/README.md draws them):
//   model-graph.ts  the graph checked, its layers in order     weights.ts   parameters, RNG, shuffle order
//   compiled.ts     compile(): loss, optimizer, programs       checks.ts    x and y against the model
//   step.ts         one training step (trainOnBatch)           fit.ts       the training loop
//   inference.ts    evaluate and predict                       resident.ts  data copied into wasm
//   rooms.ts        what step, inference and fit share
// and src/interop (formats), serialize.ts and summary.ts read it through view.ts's ModelView.
import { runtime, type Runtime } from '../wasm/init.js';
import type { Matrix, MatrixLike } from '../data/matrix.js';
import { chain, type Layer } from '../layers/layer.js';
import type { Parameter } from '../optimizers/parameter.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import type { MetricName } from '../metrics/index.js';
import type { SymbolicTensor } from '../graph/symbolic.js';
import { checkOptions, optionKeys } from '../validate/options.js';
import { forget } from '../memory/finalize.js';
import { summarize } from './summary.js';
import { saveModel, loadModel, type SavedModel, type ModelSource } from './serialize.js';
import type { EpochLogs, FitOptions, History } from './types.js';
import type { CompileOptions, ModelGraph, ModelOptions, ModelView } from './view.js';
import { modelEnds, modelGraph, isChain, type TrainGraph } from './model-graph.js';
import { Weights } from './weights.js';
import { Compilation } from './compiled.js';
import { DataChecks } from './checks.js';
import { HeapViews } from './resident.js';
import { TrainStep } from './step.js';
import { Inference } from './inference.js';
import { fit, type FitRooms } from './fit.js';
import { Generator, type GenerateOptions } from './generate.js';
import { toSafetensors, fromSafetensors, type SafetensorsOptions, type SafetensorsLayout } from '../interop/safetensors.js';
import { toTfjs, type TfjsArtifacts } from '../interop/tfjs.js';
import type { OnnxExportOptions } from '../interop/onnx-export.js';
import type { OnnxImportOptions } from '../interop/onnx-import.js';
import { CharTokenizer } from '../data/tokenizer.js';
export type { ModelOptions, GraphLoss, CompileOptions, ModelGraph } from './view.js';

const MODEL_KEYS = optionKeys<ModelOptions>({ seed: true, name: true });

export class Model implements ModelView {
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
  private readonly graph: TrainGraph;
  private readonly weights: Weights;
  private readonly compiled: Compilation;
  private readonly checks: DataChecks;
  private readonly step: TrainStep;
  private readonly inference: Inference;
  private readonly rooms: FitRooms;
  private tok: CharTokenizer | undefined;
  private generator: Generator | undefined;

  constructor(graph: ModelGraph, options: ModelOptions = {}) {
    checkOptions('new Model', options, MODEL_KEYS);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`wasmnn: seed must be a non-negative integer, got ${seed}`);
    const { inputs, outputs } = modelEnds(graph);
    const rt = (this.rt = runtime());
    this.seed = seed;
    this.name = options.name ?? 'model';
    this.inputs = inputs;
    this.outputs = outputs;
    this.inputUnits = inputs[0].cols;
    this.outputUnits = outputs[0].cols;
    this.graph = modelGraph(inputs, outputs);
    this.layers = this.graph.layers;
    this.weights = new Weights(rt, this.layers, seed, this.name, this);
    this.compiled = new Compilation(rt, this.graph, this.weights);
    this.checks = new DataChecks(inputs, this.compiled);
    const rooms = { rt, inputs, weights: this.weights, compiled: this.compiled, checks: this.checks, heap: new HeapViews(rt) };
    this.step = new TrainStep(rooms);
    this.inference = new Inference(rooms);
    this.rooms = { ...rooms, step: this.step, inference: this.inference };
  }

  /** The three PRNG states (init, shuffle, dropout) as 12 unsigned 32-bit words, for save(). */
  exportRng(): number[] {
    return this.weights.exportRng();
  }

  /** Restores exportRng() output, so a loaded model continues the same random streams. */
  importRng(words: readonly number[]): void {
    this.weights.importRng(words);
  }

  /** A copy of the row order shuffling has reached (a permutation of 0..n-1), if fit has shuffled. */
  exportShuffleOrder(): Int32Array | undefined {
    return this.weights.exportShuffleOrder();
  }

  /** Restores exportShuffleOrder() output, so the next fit on as many rows continues the same shuffle. */
  importShuffleOrder(order: ArrayLike<number> | undefined): void {
    this.weights.importShuffleOrder(order);
  }

  /** The compiled loss's config ({ name, ...options }). */
  get lossConfig(): Record<string, unknown> | undefined {
    const l = this.compiled.loss;
    if (!l) return undefined;
    return typeof l === 'function' ? { name: l.lossName ?? 'custom' } : l.getConfig();
  }

  /** The compiled metric names. */
  get metrics(): readonly MetricName[] {
    return this.compiled.metricNames;
  }

  /** The topology (JSON) and one float32 buffer of weights; with includeOptimizer, what resuming training needs. */
  save(options: { includeOptimizer?: boolean } = {}): SavedModel {
    this.weights.alive();
    checkOptions('save', options, ['includeOptimizer']);
    return saveModel(this, options);
  }

  /** Rebuilds a model from save() (its weights as any byte view) or encodeModel()'s bytes; refuses a damaged or foreign file with an error that says what is wrong. */
  static load(saved: ModelSource): Model {
    return loadModel(saved, chainModel, (graph, options) => new Model(graph, options)) as Model;
  }

  /** The tokenizer the model's ids come from (data.charTokenizer): save() stores its vocabulary and load() restores it. */
  get tokenizer(): CharTokenizer | undefined {
    return this.tok;
  }

  set tokenizer(t: CharTokenizer | undefined) {
    if (t !== undefined && !(t instanceof CharTokenizer)) throw new TypeError('wasmnn: model.tokenizer takes a tokenizer from data.charTokenizer (or undefined)');
    this.tok = t;
  }

  /** True when the graph is a chain of layer calls from the one input (saved in the Sequential format). */
  isChain(): boolean {
    return isChain(this.graph);
  }

  /** The optimizer given to compile(), if compiled. */
  get optimizer(): Optimizer | undefined {
    return this.compiled.optimizer;
  }

  /** The trainable parameters, in getWeights() order (kernel then bias, layer by layer). */
  parameters(): readonly Parameter[] {
    return this.weights.params;
  }

  countParams(): number {
    return this.weights.paramCount;
  }

  /** Bytes of the largest planned program (activations, their gradients, inputs and targets). */
  get planBytes(): number {
    return this.compiled.planBytes;
  }

  compile(options: CompileOptions): void {
    this.compiled.compile(options);
  }

  /** Frees every block this model holds in wasm memory; the model is unusable afterwards. */
  dispose(): void {
    if (this.weights.disposed) return;
    forget(this);
    this.weights.dispose(this.layers);
    this.compiled.dispose();
    this.weights.held.release();
  }

  /**
   * Trains for `epochs` passes over the data. Returns the per-epoch history.
   * Throws a TrainingError (leaving the weights of the last good step) if the loss becomes NaN or infinite.
   */
  fit(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: FitOptions = {}): Promise<History> {
    return fit(this.rooms, this, xIn, yIn, options);
  }

  /** One optimisation step on exactly these rows. Returns the batch's loss. */
  trainOnBatch(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): number {
    // Small enough for V8 to inline into the caller's loop, so the returned double need not be
    // boxed there (a double returned from a call that is not inlined is 16 bytes of garbage).
    this.step.step(xIn, yIn);
    return this.step.loss;
  }

  /**
   * The mean loss of the batch and the gradient of every parameter (getWeights() order), without
   * updating the weights. It is a training-mode step, as a forward pass in PyTorch's train() mode:
   * dropout draws its masks from the model's stream and batch norm updates its running statistics.
   * With `{ pure: true }` both are put back afterwards, so the model is left exactly as it was.
   */
  lossAndGradients(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike, options: { pure?: boolean } = {}): { loss: number; grads: Float32Array[] } {
    this.compiled.requireCompiled('lossAndGradients');
    this.checks.requireTargets(yIn, 'lossAndGradients');
    checkOptions('lossAndGradients', options, ['pure']);
    const { arena } = this.rt;
    const dropoutState = this.weights.dropoutState;
    const dropout = options.pure ? arena.u32(dropoutState, 4).slice() : undefined;
    const stats = options.pure ? this.layers.flatMap((l) => l.heldBlocks()).map((b) => ({ ptr: b.ptr, values: arena.f32(b.ptr, b.length).slice() })) : [];
    try {
      this.step.runData(xIn, yIn);
      return { loss: this.step.loss, grads: this.weights.params.map((q) => q.grad.slice()) };
    } finally {
      if (dropout) arena.u32(dropoutState, 4).set(dropout);
      for (const st of stats) arena.f32(st.ptr, st.values.length).set(st.values);
    }
  }

  /** The mean loss and each compiled metric over x, y (evaluation mode: no dropout, running statistics). */
  evaluate(xIn: MatrixLike | readonly MatrixLike[], yIn: MatrixLike): EpochLogs {
    return this.inference.evaluate(xIn, yIn);
  }

  /** The model's outputs for x (evaluation mode), one row per input row; a list of matrices for several outputs. */
  predict(xIn: MatrixLike | readonly MatrixLike[]): Matrix {
    return this.inference.predict(xIn);
  }

  /** A causal language model's prompt and maxNewTokens more ids, sampled (temperature, topK) from a seeded stream; the window cropped to the input's length as nanoGPT. */
  generate(prompt: Int32Array | readonly number[], options: GenerateOptions): Int32Array {
    return (this.generator ??= new Generator(this.rooms, this.layers, this.isChain())).generate(prompt, options);
  }

  /** Copies of every parameter, kernel then bias per layer (W is [in, out]). */
  getWeights(): Float32Array[] {
    this.weights.alive();
    return this.weights.getWeights();
  }

  /** Sets every parameter; W as nested [in][out] arrays or flat, biases as arrays. Validates all before writing any. */
  setWeights(weights: readonly ArrayLike<unknown>[]): void {
    this.weights.alive();
    this.weights.setWeights(weights);
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
   * The model as ONNX bytes (IR version 8, opset 17), any graph of layers and ops. Async: the ONNX schema code
   * is large and stays out of the core entry, loaded here on first use (or import toOnnx from 'wasmnn/onnx').
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
    return onnx.importOnnx(bytes, options, { chain: chainModel, graph: (graph, o) => new Model(graph, o) }) as Model;
  }

  /** A table of the layers: output shape, parameters, multiply-accumulates. Printed, and returned. */
  summary(print = true): string {
    this.weights.alive();
    const text = summarize(this, this.compiled.maxRows);
    if (print) console.log(text);
    return text;
  }
}

/** A model of layers in a chain (what Model.load makes of a saved Sequential). */
function chainModel(layers: Layer[], options: ModelOptions): Model {
  const { x, y } = chain(layers);
  return new Model({ inputs: x, outputs: y }, { ...options, name: options.name ?? 'sequential' });
}
