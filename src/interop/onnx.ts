// The entry point of `wasmnn/onnx`: ONNX export and import as functions (model.toOnnx() and
// Model.fromOnnx() load the same modules on first use). fromOnnx gives a Sequential for a chain of
// layers and a functional Model for any other graph.
import { Model } from '../model/model.js';
import { Sequential } from '../model/sequential.js';
import { importOnnx, type OnnxImportOptions } from './onnx-import.js';

export { toOnnx, type OnnxExportOptions } from './onnx-export.js';
export { OnnxError, ONNX_IR_VERSION, ONNX_OPSET } from './onnx-schema.js';
export type { OnnxImportOptions } from './onnx-import.js';

/**
 * A model from ONNX bytes: a Sequential for a chain of Gemm/MatMul(+Add), BatchNormalization,
 * Dropout and activations from one input to one output (what torch.onnx.export writes for an MLP),
 * a functional Model for any other graph of those and the graph ops.
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): Model {
  return importOnnx(bytes, options, { chain: (layers, o) => new Sequential(layers, o), graph: (g, o) => new Model(g, o) }) as Model;
}
