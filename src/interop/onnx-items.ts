// What ONNX import reads a graph's nodes as, before it builds them: layers (Pending), Transpose
// nodes (changes of layout, onnx-layout.ts) and graph ops (`rels`: the relation each operand is
// wanted in, identity when absent).
import type { ActivationSpec } from '../layers/activations.js';
import type { Padding } from '../reference/conv.js';
import type { GraphOp, Const } from './onnx-import-ops.js';

/** A layer read from the graph, before it is built: what it reads and writes, and where it came from. */
export type Pending = { input: string; output: string; where: string } & (
  /** nchwRows: the Flatten of NCHW images this layer reads, whose element order its rows follow (onnx-layout.ts). */
  | { kind: 'dense'; units: number; inUnits: number; activation: ActivationSpec; W: Float32Array; b?: Float32Array; nchwRows?: Pending }
  | { kind: 'batchNorm'; eps: number; momentum: number; w: Float32Array[] }
  | { kind: 'dropout'; rate: number }
  /** axis: a softmax's (ONNX's) axis. */
  | { kind: 'activation'; activation: ActivationSpec; axis?: number }
  /** W: HWIO (conv1d's [kw, cin/groups, cout] when oneD; its sizes then with a height of 1). */
  | { kind: 'conv'; oneD?: boolean; filters: number; cin: number; groups: number; depthwise: boolean; kernelSize: [number, number]; strides: [number, number]; dilations: [number, number]; padding: Padding; activation: ActivationSpec; W: Float32Array; b?: Float32Array }
  /** oneD: a 1-D pool on [batch, c, width], held as a height of 1 until it is built. */
  | { kind: 'pool'; oneD?: boolean; max: boolean; poolSize: [number, number]; strides: [number, number]; padding: Padding }
  /** GlobalAveragePool, or GlobalMaxPool (max); oneD: of sequences (set by onnx-layout.ts from the rank). */
  | { kind: 'gap'; max?: boolean; oneD?: boolean }
  | { kind: 'flatten' }
  /** ONNX's shape, the batch first (0 or -1). */
  | { kind: 'reshape'; shape: number[] }
  /** A table [vocab, dim] looked up by int ids (onnx-recognise-sequence.ts). */
  | { kind: 'embedding'; table: Const }
  /** A table [maxLength, dim] whose first t rows are added to [batch, t, dim]. */
  | { kind: 'positional'; table: Const }
  /** axis: ONNX's (the last). */
  | { kind: 'layerNorm'; eps: number; axis: number; gamma: Float32Array; beta: Float32Array }
  /**
   * The entries [begin, begin + size) along ONNX's axis (a Gather of a constant index, squeeze: the
   * axis dropped, or one output of a Split: split [k, n] for the k-th of n equal parts);
   * `ours`: that axis in our layout, set by onnx-layout.ts.
   */
  | { kind: 'take'; axis: number; begin: number; size: number; squeeze: boolean; split?: [number, number]; ours?: number }
);
/** A Transpose node: a change of layout, which onnx-layout.ts turns into an op only where one is needed. */
export type Transpose = { kind: 'transpose'; perm: number[]; input: string; output: string; where: string };
export type Item = Pending | Transpose | (GraphOp & { kind: 'op'; output: string; where: string; rels?: (readonly number[] | undefined)[] });
