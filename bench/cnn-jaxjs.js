// jax-js (@jax-js/jax 0.1.25) as a contender of bench/cnn.js: the tfjs MNIST CNN written in jax-js
// ops on its wasm device (one thread in Node 20, see bench/jaxjs.js), one jitted step =
// valueAndGrad of the softmax cross-entropy + Adam (bench/jaxjs.js' adamStep).
// jax-js' convolution is lax.convGeneralDilated over NCHW inputs and OIHW kernels; max pooling is
// lax.reduceWindow(x, max, [2, 2], [2, 2]) (its `pool` primitive, which has a transpose rule, so
// it differentiates; output ceil((size - 1) / 2), i.e. 11 -> 5 as tfjs' valid pooling).
// Returns { step, firstMs } (step: one training step, synchronous: it reads the loss; firstMs: the
// first step, tracing and compiling included) or { error }.
import { adamStep, jaxOnWasm, weights } from './jaxjs.js';

export async function jaxCnnTrainer({ batch, x, labels }) {
  const { jax, error } = await jaxOnWasm();
  if (error) return { error };
  const { numpy: np, nn, lax } = jax;
  const conv = (cin, cout) => ({ w: np.array(weights(cin * 9, cout)).reshape([cout, cin, 3, 3]), b: np.zeros([1, cout, 1, 1]) });
  const dense = (fanIn, units) => ({ w: np.array(weights(fanIn, units)).reshape([fanIn, units]), b: np.zeros([units]) });
  const params = [conv(1, 16), conv(16, 32), conv(32, 32), dense(288, 64), dense(64, 10)];
  // One channel: NCHW [batch, 1, 28, 28] holds the same bytes as the NHWC batch of the others.
  const X = np.array(x).reshape([batch, 1, 28, 28]);
  const Y = np.array(Float32Array.from({ length: batch * 10 }, (_, i) => (i % 10 === labels[(i / 10) | 0] ? 1 : 0))).reshape([batch, 10]);

  const convRelu = (h, { w, b }) => nn.relu(lax.convGeneralDilated(h, w, [1, 1], 'VALID').add(b));
  const pool = (h) => lax.reduceWindow(h, (win) => np.max(win), [2, 2], [2, 2]);
  // Every array argument is consumed once (jax-js' ownership rule).
  const loss = ([c1, c2, c3, d1, d2], xb, yb) => {
    let h = pool(convRelu(xb, c1));
    h = pool(convRelu(h, c2));
    h = convRelu(h, c3).reshape([batch, 288]);
    h = nn.relu(np.matmul(h, d1.w).add(d1.b));
    h = np.matmul(h, d2.w).add(d2.b);
    return nn.logSoftmax(h, -1).mul(yb).sum().mul(-1 / batch);
  };
  const step = adamStep(jax, loss, params, X, Y, 1e-3);
  try {
    const t = performance.now();
    const first = step();
    const firstMs = performance.now() - t;
    if (!Number.isFinite(first)) return { error: `jax-js step gave loss ${first}` };
    return { step, firstMs };
  } catch (e) {
    return { error: `jax-js step: ${String(e.message ?? e).split('\n')[0]}` };
  }
}
