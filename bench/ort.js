// onnxruntime-web (npm `onnxruntime-web`, its wasm execution provider) as a GEMM contender: one
// tiny ONNX model a product, C = op(A) op(B) with both operands as graph inputs (in training
// neither is a constant, so MLAS cannot prepack B) and the transposes as explicit Transpose nodes
// (TN: Transpose(A) -> MatMul; NT: MatMul(A, Transpose(B))), which ORT's graph optimizer (level
// 'all') is free to fold into its own transposed MatMul. A call is `session.run`: the inputs copied
// into its heap, the product, the output copied out, as ORT's API does on every run.
//
// Under Node one process holds one ORT instance a build: onnxruntime-web's threads are set once, at
// its first session (`env.wasm.numThreads`), and two copies of the Node build share
// onnxruntime-common's backend registry (the second throws `cannot register backend "cpu" using
// priority 10`). So the 2-thread instance is the package's Node build (ort.node.min.mjs, workers
// through worker_threads, no wasmPaths needed) and the 1-thread one its self-contained wasm build
// (ort.wasm.min.mjs, with wasmPaths into node_modules); that build cannot run threads under Node
// (`no available backend found. ERR: [wasm] TypeError: fetch failed`: a file: URL is not
// same-origin, so it fetches the worker script to make a blob URL). Both load the same
// ort-wasm-simd-threaded.wasm.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const dist = new URL('../node_modules/onnxruntime-web/dist/', import.meta.url);

function model(m, n, k, v) {
  const info = (name, shape) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: shape.map((d) => ({ dimValue: d })) } } } });
  const a = v === 'tn' ? [k, m] : [m, k];
  const b = v === 'nt' ? [n, k] : [k, n];
  const node = [];
  let [x, y] = ['A', 'B'];
  if (v === 'tn') node.push({ opType: 'Transpose', input: ['A'], output: (x = 'At', ['At']), attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }] });
  if (v === 'nt') node.push({ opType: 'Transpose', input: ['B'], output: (y = 'Bt', ['Bt']), attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [1, 0] }] });
  node.push({ opType: 'MatMul', input: [x, y], output: ['C'] });
  const graph = { name: 'gemm', node, input: [info('A', a), info('B', b)], output: [info('C', [m, n])] };
  return { bytes: onnx.ModelProto.encode(onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph })).finish(), a, b };
}

// The onnxruntime-web module for `threads` threads (the builds above), its wasm options set; they
// take effect at its first session.
export async function loadOrt(threads) {
  const ort = await import(new URL(threads > 1 ? 'ort.node.min.mjs' : 'ort.wasm.min.mjs', dist).href);
  ort.env.wasm.numThreads = threads;
  if (threads === 1) ort.env.wasm.wasmPaths = dist.href;
  return ort;
}

// An ORT instance on `threads` threads: { matmul(m, n, k, v, A, B) -> Promise<() => Promise> } or
// { error }. A, B: Float32Array operands in op-less layout (A is k x m for TN, B is n x k for NT).
export async function ortRuntime(threads) {
  try {
    const ort = await loadOrt(threads);
    const matmul = async (m, n, k, v, A, B) => {
      const { bytes, a, b } = model(m, n, k, v);
      const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      const feeds = { A: new ort.Tensor('float32', A, a), B: new ort.Tensor('float32', B, b) };
      return () => session.run(feeds);
    };
    // Start the runtime now (its first session initializes the wasm and the threads).
    await (await matmul(4, 4, 4, 'nn', new Float32Array(16), new Float32Array(16)))();
    // ORT falls back to one thread with a warning where it cannot start workers: say so.
    if (ort.env.wasm.numThreads !== threads) return { error: `asked for ${threads} threads, env.wasm.numThreads is ${ort.env.wasm.numThreads} after init` };
    return { matmul };
  } catch (e) {
    return { error: String(e.message ?? e).split('\n')[0] };
  }
}
