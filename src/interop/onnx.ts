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
 * Dropout, activations and image ops (Conv, MaxPool, AveragePool, GlobalAveragePool, Flatten,
 * Reshape) from one input to one output (what torch.onnx.export writes for an MLP or a CNN), a
 * functional Model for any other graph of those and the graph ops. Images are channels-last: an
 * NCHW input [n, c, h, w] is read as [n, h, w, c] (onnx-layout.ts).
 */
export function fromOnnx(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): Model {
  return importOnnx(bytes, options, { chain: (layers, o) => new Sequential(layers, o), graph: (g, o) => new Model(g, o) }) as Model;
}
