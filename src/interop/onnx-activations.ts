// Activations in ONNX: the single ops that are one (Relu, Sigmoid, Tanh, Softplus, LeakyRelu,
// Elu, Gelu, Softmax), and gelu, geluTanh and silu written as runs of elementwise nodes.
import type { onnx as P } from 'onnx-proto';
import type { ActivationSpec } from '../layers/activations.js';
import { ELEMENTWISE, erf } from '../reference/activations.js';
import { bad, attr, attrFloat, attrInt } from './onnx-schema.js';
import { shortF32, type GraphRead } from './onnx-read.js';

// Ops a decomposed activation may use, evaluated elementwise in float64 (scalar constants only).
export const EVAL: Record<string, (a: number, b: number) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b, Pow: (a, b) => a ** b,
  Erf: (a) => erf(a), Tanh: (a) => Math.tanh(a), Sigmoid: (a) => 1 / (1 + Math.exp(-a)), Exp: (a) => Math.exp(a),
  Neg: (a) => -a, Sqrt: (a) => Math.sqrt(a), Reciprocal: (a) => 1 / a,
};
const PROBES = [-4, -2.5, -1.7, -1, -0.4, 0, 0.3, 0.9, 1.6, 2.2, 3.5];
const DECOMPOSED: [ActivationSpec, (x: number) => number][] = [
  ['gelu', (x) => ELEMENTWISE.gelu[0](x, 0)],
  ['geluTanh', (x) => ELEMENTWISE.gelu_tanh[0](x, 0)],
  ['silu', (x) => ELEMENTWISE.silu[0](x, 0)],
];
const MAX_RUN = 12;

/** Single ONNX ops that are activations. */
export function singleActivation(n: P.INodeProto, where: string): ActivationSpec | undefined {
  switch (n.opType) {
    case 'Relu': return 'relu';
    case 'Sigmoid': return 'sigmoid';
    case 'Tanh': return 'tanh';
    case 'Softplus': return 'softplus';
    case 'LeakyRelu': return { name: 'leakyRelu', alpha: shortF32(attrFloat(n, 'alpha', 0.01)) };
    case 'Elu': return { name: 'elu', alpha: shortF32(attrFloat(n, 'alpha', 1)) };
    case 'Gelu': {
      const a = attr(n, 'approximate');
      const s = a?.s ? new TextDecoder().decode(a.s) : 'none';
      return s === 'tanh' ? 'geluTanh' : s === 'none' ? 'gelu' : bad(`${where}: Gelu approximate '${s}' is not supported`);
    }
    case 'Softmax': {
      const axis = attrInt(n, 'axis', -1);
      return axis === -1 || axis === 1 ? 'softmax' : bad(`${where}: Softmax over axis ${axis} is not supported (only the last of [batch, features])`);
    }
    default: return undefined;
  }
}

// A run of elementwise nodes from `cur` ending at nodes[k], closed (reading only cur, scalar
// constants and its own results, read by nobody else but through its last output).
export function decomposed(i: number, cur: string, graph: GraphRead): [ActivationSpec, number] | undefined {
  const { nodes, constOf, readers } = graph;
  const inner = new Set<string>([cur]);
  const uses = new Map<string, number>();
  for (let k = i; k < Math.min(nodes.length, i + MAX_RUN); k++) {
    const n = nodes[k];
    if (!(n.opType! in EVAL) || n.output!.length !== 1) return undefined;
    for (const x of n.input!) {
      if (inner.has(x)) uses.set(x, (uses.get(x) ?? 0) + 1);
      else if (constOf(x)?.values.length !== 1) return undefined;
    }
    inner.add(n.output![0]);
    if (k === i) continue;
    const last = n.output![0];
    const closed = [...inner].every((t) => t === last || t === cur || (uses.get(t) ?? 0) === (readers.get(t) ?? 0));
    if (!closed) continue;
    const run = nodes.slice(i, k + 1);
    const f = (x: number) => {
      const v = new Map<string, number>([[cur, x]]);
      for (const m of run) {
        const [a, b] = m.input!.map((t) => v.get(t) ?? constOf(t)!.values[0]);
        v.set(m.output![0], EVAL[m.opType!](a, b));
      }
      return v.get(last)!;
    };
    for (const [spec, ref] of DECOMPOSED) {
      if (PROBES.every((x) => Math.abs(f(x) - ref(x)) <= 1e-5 * (1 + Math.abs(ref(x))))) return [spec, k + 1];
    }
  }
  return undefined;
}
