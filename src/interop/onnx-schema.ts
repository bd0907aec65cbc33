// ONNX's schema (onnx-proto: protobufjs code generated from onnx.proto of ONNX 1.10.2, IR version 8)
// and what export and import share: the versions written, the error type, float tensors.
import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';

export const { onnx } = onnxProto;
export const ONNX_IR_VERSION = 8;
/** The default-domain opset written: 17 (ONNX 1.12), which IR version 8 covers. */
export const ONNX_OPSET = 17;
export const FLOAT = onnx.TensorProto.DataType.FLOAT;

export class OnnxError extends RangeError {
  override name = 'OnnxError';
}
export const bad = (msg: string): never => {
  throw new OnnxError(`wasmnn: onnx: ${msg}`);
};

/** A float32 initialiser (raw little-endian data). */
export function floatTensor(name: string, dims: readonly number[], values: ArrayLike<number>): P.ITensorProto {
  const raw = new Uint8Array(values.length * 4);
  const dv = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) dv.setFloat32(i * 4, values[i], true);
  return { name, dims: [...dims], dataType: FLOAT, rawData: raw };
}

/** An int64 initialiser (raw little-endian data), for the index inputs of Slice and ReduceSum; `dims` [] for a scalar. */
export function int64Tensor(name: string, values: readonly number[], dims: readonly number[] = [values.length]): P.ITensorProto {
  const raw = new Uint8Array(values.length * 8);
  const dv = new DataView(raw.buffer);
  values.forEach((v, i) => dv.setBigInt64(i * 8, BigInt(v), true));
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.INT64, rawData: raw };
}

/** A boolean initialiser (one byte each), for Where's condition. */
export function boolTensor(name: string, dims: readonly number[], values: readonly boolean[]): P.ITensorProto {
  return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.BOOL, rawData: Uint8Array.from(values, (v) => (v ? 1 : 0)) };
}

/** A protobuf integer (a number, or a Long for int64 fields) as a number. */
export const int = (v: unknown): number => (typeof v === 'number' ? v : Number(String(v)));

export function attr(n: P.INodeProto, name: string): P.IAttributeProto | undefined {
  return (n.attribute ?? []).find((a) => a.name === name);
}
export const attrFloat = (n: P.INodeProto, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a ? (a.type === onnx.AttributeProto.AttributeType.INT ? int(a.i) : a.f ?? 0) : dflt;
};
export const attrInt = (n: P.INodeProto, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a ? int(a.i) : dflt;
};
