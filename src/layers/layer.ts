// What a layer is: a graph builder with weights. `apply(x)` records one layer call in the graph
// (what a model's summary, getWeights() order and saved topology see); `lower(x)` writes the
// call as primitive ops (src/graph/ops/), which the engine differentiates, fuses and plans.
// A layer's weights are bound to memory by the model it belongs to: in one flat region, in the
// order the layers are first applied. Applying one layer twice shares its weights.
import { makeEqn, SymbolicTensor, type ParamSlot, type Shape } from '../graph/symbolic.js';
import { ShapeError } from '../graph/op.js';
import type { Initializer } from '../initializers/index.js';
import type { Regularizer } from '../regularizers/index.js';
import type { Parameter } from '../optimizers/parameter.js';

export interface ParamSpec {
  name: string;
  shape: number[];
  initializer: Initializer;
  fanIn: number;
  fanOut: number;
  regularizer?: Regularizer;
}

export abstract class Layer {
  abstract readonly kind: string;
  name: string;
  inputUnits = 0;
  outputUnits = 0;
  /** Who the layer's weights belong to once bound (a model's token). */
  owner: { readonly name: string } | undefined;
  private readonly named: boolean;
  private readonly slots: { slot: ParamSlot; tensor: SymbolicTensor }[] = [];

  constructor(name: string | undefined, fallback: string) {
    this.named = name !== undefined;
    this.name = name ?? fallback;
  }

  /** A call of this layer on x, as one equation of the graph; the first call fixes the input width. */
  apply(x: SymbolicTensor): SymbolicTensor {
    if (!(x instanceof SymbolicTensor)) throw new TypeError(`wasmnn: ${this.name}.apply takes a symbolic tensor (from input(), ops or another layer), got ${typeof x}`);
    if (x.dtype !== 'float32') throw new ShapeError(`wasmnn: ${this.name} takes float32 values, got an ${x.dtype} input`);
    if (this.inputUnits === 0) this.build(x.cols, -1);
    else if (x.cols !== this.inputUnits) {
      throw new ShapeError(`wasmnn: ${this.name} was first applied to ${this.inputUnits} columns, now to ${x} (a layer applied again shares its weights, so its input width is fixed)`);
    }
    return makeEqn(this, [x], [[x.rows, this.outputUnits] as Shape]).outputs[0];
  }

  /**
   * Fixes the input width and validates the options (index: the layer's position in a
   * Sequential model, for messages; -1 in a functional graph). Names an unnamed layer `kind_index`.
   */
  build(inputUnits: number, index: number): void {
    this.configure(inputUnits, index);
    this.inputUnits = inputUnits;
    if (index >= 0) this.rename(index);
  }

  /** Names an unnamed layer by its position in its model (`dense_0`). */
  rename(index: number): void {
    if (!this.named) this.name = `${this.prefix}_${index}`;
  }

  protected get prefix(): string {
    return this.kind;
  }

  /** Sets outputUnits from the input width, or refuses it. */
  protected abstract configure(inputUnits: number, index: number): void;

  abstract paramSpecs(): ParamSpec[];

  /** The symbolic tensor of weight i (paramSpecs() order), created on first use. */
  protected weight(i: number): SymbolicTensor {
    let w = this.slots[i];
    if (!w) {
      const spec = this.paramSpecs()[i];
      const shape: Shape = spec.shape.length === 1 ? [1, spec.shape[0]] : [spec.shape[0], spec.shape[1]];
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
    for (let i = 0; i < this.paramSpecs().length; i++) {
      const p = this.weight(i).slot!.param;
      if (p) out.push(p);
    }
    return out;
  }

  /** The weight tensor bound to parameter p, if p is one of this layer's. */
  weightTensorOf(p: Parameter): SymbolicTensor | undefined {
    return this.slots.find((w) => w.slot.param === p)?.tensor;
  }

  /** The call as primitive ops. */
  abstract lower(x: SymbolicTensor): SymbolicTensor;

  /** Float blocks of wasm memory the layer holds besides its parameters (running statistics), freed with its model. */
  heldBlocks(): { ptr: number; length: number }[] {
    return [];
  }

  /** Multiply-accumulates per sample. */
  abstract macsPerSample(): number;

  abstract getConfig(): Record<string, unknown>;
}
