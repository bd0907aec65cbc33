// onnxruntime-web (wasm execution provider) as a forward-pass contender of bench/cnn.js: the tfjs
// MNIST CNN written as an ONNX graph in memory with onnx-proto (as bench/ort.js writes its
// products; nothing is saved), NCHW as ONNX's Conv wants: Conv+Relu, MaxPool 2/2, Conv+Relu,
// MaxPool, Conv+Relu, Flatten, Gemm+Relu, Gemm -> logits [batch, 10]. The weights are
// initializers (constants, as in inference: ORT may prepack them). A call is `session.run`: the
// input copied into ORT's heap, the forward pass, the logits copied out.
// (torch.onnx.export of bench/cnn_torch.py's network also works here without the `onnx` Python
// package; the graph is written by hand so that this contender does not need Python.)
import onnxProto from 'onnx-proto';
import { loadOrt } from './ort.js';
import { weights } from './jaxjs.js';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INTS = onnx.AttributeProto.AttributeType.INTS;
const INT = onnx.AttributeProto.AttributeType.INT;

export function cnnOnnx(batch) {
  const init = [];
  const tensor = (name, dims, data) => init.push({ name, dims, dataType: FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
  const node = [];
  let h = 'x';
  const op = (opType, input, attribute = []) => {
    const out = `${opType.toLowerCase()}${node.length}`;
    node.push({ opType, input, output: [out], attribute });
    return (h = out);
  };
  const ints = (name, v) => ({ name, type: INTS, ints: v });
  const conv = (cin, cout, i) => {
    tensor(`c${i}.w`, [cout, cin, 3, 3], weights(cin * 9, cout));
    tensor(`c${i}.b`, [cout], new Float32Array(cout));
    op('Conv', [h, `c${i}.w`, `c${i}.b`], [ints('kernel_shape', [3, 3])]);
    op('Relu', [h]);
  };
  const pool = () => op('MaxPool', [h], [ints('kernel_shape', [2, 2]), ints('strides', [2, 2])]);
  const gemm = (fanIn, units, i) => {
    tensor(`d${i}.w`, [fanIn, units], weights(fanIn, units));
    tensor(`d${i}.b`, [units], new Float32Array(units));
    op('Gemm', [h, `d${i}.w`, `d${i}.b`]);
  };
  conv(1, 16, 1);
  pool();
  conv(16, 32, 2);
  pool();
  conv(32, 32, 3);
  op('Flatten', [h], [{ name: 'axis', type: INT, i: 1 }]);
  gemm(288, 64, 1);
  op('Relu', [h]);
  gemm(64, 10, 2);
  node.at(-1).output = ['logits'];
  const info = (name, dims) => ({ name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const graph = { name: 'mnist_cnn', node, initializer: init, input: [info('x', [batch, 1, 28, 28])], output: [info('logits', [batch, 10])] };
  return onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish();
}

// { fn } (one forward pass of `x`, [batch, 1, 28, 28], returning a promise) or { error }.
export async function ortCnnForward(batch, x, threads = 1) {
  try {
    const ort = await loadOrt(threads);
    const session = await ort.InferenceSession.create(cnnOnnx(batch), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { x: new ort.Tensor('float32', x, [batch, 1, 28, 28]) };
    const first = await session.run(feeds);
    if (!Number.isFinite(first.logits.data[0])) return { error: `ORT gave logit ${first.logits.data[0]}` };
    if (ort.env.wasm.numThreads !== threads) return { error: `asked for ${threads} threads, env.wasm.numThreads is ${ort.env.wasm.numThreads} after init` };
    return { fn: () => session.run(feeds) };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}
