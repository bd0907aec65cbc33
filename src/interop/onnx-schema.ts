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

