// jax-js (@jax-js/jax) as a training contender: the same dense network written in jax-js ops, one
// jitted step = valueAndGrad of the loss + a hand-written SGD or Adam update, on its wasm device.
// In Node 20 jax-js' wasm device runs on one thread (it starts workers only where a global Worker
// exists, which Node 20 has not), so this sits beside wasmnn's single-thread build.
// Returns { step } (one training step, synchronous: it reads the loss) or { error } saying why not.

// Initial weights: the same deterministic pattern for every layer (no library RNG), scaled by
// 1/sqrt(fan-in), biases zero.
export const weights = (fanIn, units) => Float32Array.from({ length: fanIn * units }, (_, i) => Math.sin(i * 7.77 + units) / Math.sqrt(fanIn));

/** jax-js on its wasm device as { jax }, or { error } saying why it cannot run. */
export async function jaxOnWasm() {
  try {
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('wasm');
    if (!devices.includes('wasm')) return { error: `init('wasm') gave devices ${JSON.stringify(devices)}` };
    jax.defaultDevice('wasm');
    return { jax };
  } catch (e) {
    return { error: `@jax-js/jax: ${e.message}` };
  }
}

export async function jaxTrainer({ sizes, batch, x, labels, multi, adam }) {
  const { jax, error } = await jaxOnWasm();
  if (error) return { error };
  const { numpy: np, nn, tree, jit, valueAndGrad } = jax;
  const [inp, ...rest] = sizes;
  const out = rest.at(-1);
  let fanIn = inp;
  let params = rest.map((units) => {
    const p = { w: np.array(weights(fanIn, units)).reshape([fanIn, units]), b: np.zeros([units]) };
    fanIn = units;
    return p;
  });
  const X = np.array(x).reshape([batch, inp]);
  // Targets: one-hot rows for softmax cross-entropy, a [batch, 1] column of 0/1 for bce with logits.
  const Y = multi
    ? np.array(Float32Array.from({ length: batch * out }, (_, i) => (i % out === labels[(i / out) | 0] ? 1 : 0))).reshape([batch, out])
    : np.array(labels).reshape([batch, 1]);

  // Every array argument is consumed once (jax-js' ownership rule); `.ref` where one is used twice.
  const loss = (ps, xb, yb) => {
    let h = xb;
    ps.forEach(({ w, b }, i) => {
      h = np.matmul(h, w).add(b);
      if (i < ps.length - 1) h = nn.relu(h);
    });
    if (multi) return nn.logSoftmax(h, -1).mul(yb).sum().mul(-1 / batch);
    // bce with logits: softplus(z) - z y, averaged.
    return nn.softplus(h.ref).sub(h.mul(yb)).mean();
  };
  const lr = adam ? 1e-3 : 0.2;
  let step;
  if (!adam) {
    const sgd = jit((ps, xb, yb) => {
      const [l, g] = valueAndGrad(loss)(tree.ref(ps), xb, yb);
      return [l, tree.map((p, gp) => p.sub(gp.mul(lr)), ps, g)];
    });
    step = () => {
      const [l, ps] = sgd(params, X.ref, Y.ref);
      params = ps;
      return l.dataSync()[0];
    };
  } else step = adamStep(jax, loss, params, X, Y, lr);
  try {
    const first = step();
    if (!Number.isFinite(first)) return { error: `jax-js step gave loss ${first}` };
  } catch (e) {
    return { error: `jax-js step: ${e.message}` };
  }
  return { step };
}

// A jitted Adam step of `loss(params, X, Y)` over the tree `params` (consumed): returns step(), which
// trains once on X and Y (kept: each call takes a reference) and returns the loss. The bias
// corrections are folded into the step size, passed in as a scalar array.
export function adamStep(jax, loss, params, X, Y, lr) {
  const { numpy: np, tree, jit, valueAndGrad } = jax;
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const update = jit((ps, m, v, xb, yb, lrT) => {
    const [l, g] = valueAndGrad(loss)(tree.ref(ps), xb, yb);
    const m2 = tree.map((mi, gi) => mi.mul(b1).add(gi.mul(1 - b1)), m, tree.ref(g));
    const v2 = tree.map((vi, gi) => vi.mul(b2).add(gi.ref.mul(gi).mul(1 - b2)), v, g);
    const ps2 = tree.map((p, mi, vi) => p.sub(mi.mul(lrT.ref).div(np.sqrt(vi).add(eps))), ps, tree.ref(m2), tree.ref(v2));
    lrT.dispose();
    return [l, ps2, m2, v2];
  });
  const zeros = () => tree.map((p) => np.zerosLike(p.ref), params);
  let state = { m: zeros(), v: zeros() };
  let t = 0;
  return () => {
    t++;
    const lrT = np.array([(lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)]);
    const [l, ps, m, v] = update(params, state.m, state.v, X.ref, Y.ref, lrT);
    params = ps;
    state = { m, v };
    return l.dataSync()[0];
  };
}
