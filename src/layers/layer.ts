// What a layer is: a graph builder with weights. `apply(x)` records one layer call in the graph
// (what a model's summary, getWeights() order and saved topology see); `lower(x)` writes the
// call as primitive ops (src/graph/ops/), which the engine differentiates, fuses and plans.
// A layer's weights are bound to memory by the model it belongs to: in one flat region, in the
// order the layers are first applied. Applying one layer twice shares its weights.
import { input, makeEqn, showShape, SymbolicTensor, type DType, type ParamSlot, type Shape } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import type { Initializer } from '../initializers/index.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Parameter, ParamRole } from '../optimizers/parameter.js';

export interface ParamSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
  fanIn: number;
  fanOut: number;
  regularizer?: Regularizer;
  /** What the parameter is (AdamW's exclude reads it); default 'bias' for a name ending in '/bias', else 'weight'. */
  role?: ParamRole;
}

export abstract class Layer {
  abstract readonly kind: string;
  name: string;
  /** One sample's input and output shapes (without the batch), fixed by the first call. */
  inputShape: number[] = [];
  outputShape: number[] = [];
  /** The width the layer works on: the last dimension of its input (its features or channels). */
  inputUnits = 0;
  /** The last dimension of its output. */
  outputUnits = 0;
  /** What the layer reads: float32 values, or int32 ids (an embedding). */
  readonly inputDtype: DType = 'float32';
  /** Who the layer's weights belong to once bound (a model's token). */
  owner: { readonly name: string } | undefined;
  private readonly named: boolean;
  private readonly slots: { slot: ParamSlot; tensor: SymbolicTensor }[] = [];

  constructor(name: string | undefined, fallback: string) {
    this.named = name !== undefined;
    this.name = name ?? fallback;
  }

  /** How many tensors a call takes (x first; more for a layer such as multi-head attention). */
  protected readonly maxInputs: number = 1;

  /** A call of this layer on x (and the further inputs a layer takes), as one equation of the graph; the first call fixes x's shape. */
  apply(x: SymbolicTensor, ...more: SymbolicTensor[]): SymbolicTensor {
    if (more.length >= this.maxInputs) throw new TypeError(`wasmnn: ${this.name}.apply takes ${this.maxInputs === 1 ? 'one tensor' : `up to ${this.maxInputs} tensors`}, got ${more.length + 1}`);
    if (!(x instanceof SymbolicTensor)) throw new TypeError(`wasmnn: ${this.name}.apply takes a symbolic tensor (from input(), ops or another layer), got ${typeof x}`);
    if (x.dtype !== this.inputDtype) throw new ShapeError(`wasmnn: ${this.name} takes ${this.inputDtype} ${this.inputDtype === 'int32' ? 'indices' : 'values'}, got an ${x.dtype} input of shape ${x}${x.dtype === 'int32' ? ' (int32 ids go through layers.embedding first)' : ''}`);
    if (x.rank < 2) throw new ShapeError(`wasmnn: ${this.name} takes a batch of samples ([batch, ...]), got ${x}`);
    const sample = x.shape.slice(1);
    if (this.inputUnits === 0) this.build(sample, -1);
    else if (sample.length !== this.inputShape.length || sample.some((d, i) => d !== this.inputShape[i])) {
      const was = this.inputShape.length === 1 ? `${this.inputUnits} columns` : showShape([-1, ...this.inputShape]);
      throw new ShapeError(`wasmnn: ${this.name} was first applied to ${was}, now to ${x} (a layer applied again shares its weights, so its input shape is fixed)`);
    }
    return makeEqn(this, [x, ...more], [[x.shape[0], ...this.outputShape] as Shape]).outputs[0];
  }

  /**
   * Fixes the input shape (one sample's; a number is a width) and validates the options (index:
   * the layer's position in a Sequential model, for messages; -1 in a functional graph). Names an
   * unnamed layer `kind_index`.
   */
  build(input: number | readonly number[], index: number): void {
    const shape = typeof input === 'number' ? [input] : [...input];
    if (index >= 0) this.rename(index);
    this.outputShape = this.configureShape(shape, index);
    this.inputShape = shape;
    this.inputUnits = shape[shape.length - 1];
    this.outputUnits = this.outputShape[this.outputShape.length - 1];
  }

  /**
   * The output shape of one sample from its input shape, or a refusal. By default a layer works
   * on the last axis (a dense layer on features, batch norm on channels, an activation on every
   * element): configure() sees that width and sets outputUnits.
   */
  protected configureShape(shape: number[], index: number): number[] {
    this.configure(shape[shape.length - 1], index);
    return [...shape.slice(0, -1), this.outputUnits];
  }

  /** 'layer 3 (conv2d_3)' in a Sequential model, the name in a functional graph. */
  protected where(index: number): string {
    return index >= 0 ? `layer ${index} (${this.name})` : this.name;
  }

  /** Refuses a sample shape other than the options' inputShape, when they declare one. */
  protected checkDeclared(shape: readonly number[], index: number): void {
    const declared = declaredInput(this);
    if (declared !== undefined && (declared.length !== shape.length || declared.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`wasmnn: ${this.where(index)} has inputShape [${declared}] but is applied to [batch, ${shape.join(', ')}]`);
    }
  }

  /** Names an unnamed layer by its position in its model (`dense_0`). */
  rename(index: number): void {
    if (!this.named) this.name = `${this.prefix}_${index}`;
  }

  protected get prefix(): string {
    return this.kind;
  }

  /** Sets outputUnits from the input width, or refuses it (layers that see the whole shape override configureShape). */
  protected configure(_inputUnits: number, _index: number): void {
    throw new Error(`wasmnn: internal: ${this.kind} configures neither its width nor its shape`);
  }

  abstract paramSpecs(): ParamSpec[];

  /** The symbolic tensor of weight i (paramSpecs() order), created on first use. */
  protected weight(i: number): SymbolicTensor {
    let w = this.slots[i];
    if (!w) {
      const spec = this.paramSpecs()[i];
      const shape: Shape = spec.shape.length === 1 ? [1, spec.shape[0]] : [...spec.shape];
      const layer = this;
      const slot: ParamSlot = { param: undefined, shape, get label() { return `${layer.name}'s ${spec.name.split('/').pop()}`; } };
      w = { slot, tensor: new SymbolicTensor({ shape, kind: 'param', slot }) };
      this.slots[i] = w;
    }
    return w.tensor;
  }

  /** The model hands back the parameters it allocated, in paramSpecs() order. */
  bindParams(params: Parameter[]): void {
    params.forEach((p, i) => {
      this.weight(i).slot!.param = p;
    });
  }

  /** The layer's parameters once bound (by its model, or by valueAndGrad), in paramSpecs() order. */
  get weights(): Parameter[] {
    const out: Parameter[] = [];
    for (let i = 0, n = this.paramSpecs().length; i < n; i++) {
      const p = this.weight(i).slot!.param;
      if (p) out.push(p);
    }
    return out;
  }

  /** The weight tensor bound to parameter p, if p is one of this layer's. */
  weightTensorOf(p: Parameter): SymbolicTensor | undefined {
    return this.slots.find((w) => w.slot.param === p)?.tensor;
  }

  /** The call as primitive ops (on the call's inputs, x first). */
  abstract lower(x: SymbolicTensor, ...more: SymbolicTensor[]): SymbolicTensor;

  /** Float blocks of wasm memory the layer holds besides its parameters (running statistics), freed with its model. */
  heldBlocks(): { ptr: number; length: number }[] {
    return [];
  }

  /** Multiply-accumulates per sample. */
  abstract macsPerSample(): number;

  abstract getConfig(): Record<string, unknown>;
}

/** The one-sample input shape a layer's options declare (inputShape, or inputDim as [inputDim]; an embedding's inputDim is its vocabulary, not a width). */
export function declaredInput(l: Layer): number[] | undefined {
  const o = (l as { options?: { inputDim?: number; inputShape?: readonly number[] } }).options;
  if (o?.inputShape !== undefined) return [...o.inputShape];
  return o?.inputDim === undefined || l.inputDtype === 'int32' ? undefined : [o.inputDim];
}

/** The layers applied in a chain to an input of the first one's declared shape. */
export function chain(layers: readonly Layer[]): { x: SymbolicTensor; y: SymbolicTensor } {
  const first = declaredInput(layers[0]);
  if (first === undefined) throw new RangeError(layers[0].inputDtype === 'int32' ? `wasmnn: the first layer (${layers[0].kind}) needs inputShape: one sample's shape of ids, such as [8] for 8 tokens` : 'wasmnn: the first layer needs inputDim (the number of input features) or inputShape (one sample\'s shape, such as [28, 28, 1])');
  const x = input(first, { dtype: layers[0].inputDtype });
  let t = x;
  layers.forEach((l, i) => {
    l.build(t.shape.slice(1), i);
    t = l.apply(t);
  });
  return { x, y: t };
}
