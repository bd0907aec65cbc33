// jax-js (@jax-js/jax 0.1.25) as a contender of bench/gpt.js: nanoGPT's GPT written in jax-js ops
// on its wasm device (one thread in Node 20, see bench/jaxjs.js), one jitted step = valueAndGrad of
// the mean cross-entropy, then the gradients' global norm clipped to 1 and AdamW (betas 0.9/0.99,
// eps 1e-8, weight decay 0.1 on the matrices and tables), as bench/gpt_torch.py.
// The ops: np.take for the token table, nn.standardize (x - mean) / sqrt(var + 1e-5) times gamma
// plus beta for each layer norm,
// nn.gelu({ approximate: false }) (the exact one), nn.logSoftmax against one-hot targets.
// Attention is written out: nn.dotProductAttention fails in Node 20 ("expr.split(...)[0].matchAll(...)
// .map is not a function": its einsum uses iterator helpers, Node 22), so q k^T / sqrt(hd) by
// np.matmul over [B, heads, T, hd] transposes, plus a constant causal bias (0 on and below the
// diagonal, -1e9 above: nanoGPT's -inf fill, the same softmax), nn.softmax, times v.
// NOTE: q, k and v are three [E, E] matrices (and biases) where nanoGPT has one [E, 3E] c_attn split
// in three: the same products and parameter count, without a slice of the fused output.
// Returns { step, firstMs } (step: one training step, synchronous: it reads the loss; firstMs: the
// first step, tracing and compiling included) or { error }.
import { jaxOnWasm } from './jaxjs.js';

// A deterministic pattern for initial weights (no library RNG): U-like values of scale s.
const pattern = (n, s, k) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 7.77 + k) * s);

export async function jaxGptTrainer({ vocab, block, width, heads, layers, batch, x, y, lr = 1e-3 }) {
  const { jax, error } = await jaxOnWasm();
  if (error) return { error };
  const { numpy: np, nn, tree, jit, valueAndGrad } = jax;
  const E = width, hd = width / heads;
  let k = 0;
  const mat = (rows, cols) => np.array(pattern(rows * cols, 1 / Math.sqrt(rows), k++)).reshape([rows, cols]);
  const vec = (n, v) => (v ? np.ones([n]) : np.zeros([n]));
  // Every leaf with its weight decay: matrices and tables 0.1, vectors 0 (nanoGPT's groups).
  const blockParams = () => ({
    g1: vec(E, 1), b1: vec(E), wq: mat(E, E), bq: vec(E), wk: mat(E, E), bk: vec(E), wv: mat(E, E), bv: vec(E),
    wo: mat(E, E), bo: vec(E), g2: vec(E, 1), b2: vec(E), wf: mat(E, 4 * E), bf: vec(4 * E), wp: mat(4 * E, E), bp: vec(E),
  });
  let params = { wte: mat(vocab, E), wpe: mat(block, E), h: Array.from({ length: layers }, blockParams), gf: vec(E, 1), bf: vec(E), head: mat(E, vocab) };
  const blockDecays = Object.fromEntries(Object.keys(params.h[0]).map((n) => [n, n.startsWith('w') ? 0.1 : 0]));
  const decays = { wte: 0.1, wpe: 0.1, h: params.h.map(() => blockDecays), gf: 0, bf: 0, head: 0.1 };
  const X = np.array(Int32Array.from(x), { dtype: np.int32 }).reshape([batch, block]);
  const Y = np.array(Float32Array.from({ length: batch * block * vocab }, (_, i) => (i % vocab === y[(i / vocab) | 0] ? 1 : 0))).reshape([batch, block, vocab]);

  const ln = (h, g, b) => nn.standardize(h, -1, { epsilon: 1e-5 }).mul(g).add(b);
  const lin = (h, w, b) => np.matmul(h, w).add(b);
  // [B, T, E] -> [B, heads, T, hd]
  const split = (h) => h.reshape([batch, block, heads, hd]).transpose([0, 2, 1, 3]);
  const causal = np.array(Float32Array.from({ length: block * block }, (_, i) => (i % block <= ((i / block) | 0) ? 0 : -1e9))).reshape([block, block]);
  const attention = (q, kk, v, bias) => {
    const s = np.matmul(q, kk.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd)).add(bias);
    return np.matmul(nn.softmax(s, -1), v).transpose([0, 2, 1, 3]);
  };
  // Every array argument is consumed once (jax-js' ownership rule); `.ref` where one is used twice.
  const loss = (ps, xb, yb, bias) => {
    let h = np.take(ps.wte, xb, 0).add(ps.wpe);
    for (const p of ps.h) {
      const a = ln(h.ref, p.g1, p.b1);
      const att = attention(split(lin(a.ref, p.wq, p.bq)), split(lin(a.ref, p.wk, p.bk)), split(lin(a, p.wv, p.bv)), bias.ref);
      h = h.add(lin(att.reshape([batch, block, E]), p.wo, p.bo));
      const m = nn.gelu(lin(ln(h.ref, p.g2, p.b2), p.wf, p.bf), { approximate: false });
      h = h.add(lin(m, p.wp, p.bp));
    }
    bias.dispose();
    const logits = np.matmul(ln(h, ps.gf, ps.bf), ps.head);
    return nn.logSoftmax(logits, -1).mul(yb).sum().mul(-1 / (batch * block));
  };
  const [b1, b2, eps] = [0.9, 0.99, 1e-8];
  const update = jit((ps, m, v, xb, yb, bias, lrT, c1, c2) => {
    const [l, g0] = valueAndGrad(loss)(tree.ref(ps), xb, yb, bias);
    // clip_grad_norm_(1.0): g * min(1, 1 / (||g|| + 1e-6)) over all leaves together.
    const sq = tree.leaves(tree.map((gi) => np.square(gi).sum(), tree.ref(g0)));
    const norm = np.sqrt(sq.reduce((s, t) => s.add(t)));
    const scale = np.minimum(np.reciprocal(norm.add(1e-6)), 1);
    const g = tree.map((gi) => gi.mul(scale.ref), g0);
    scale.dispose();
    const m2 = tree.map((mi, gi) => mi.mul(b1).add(gi.mul(1 - b1)), m, tree.ref(g));
    const v2 = tree.map((vi, gi) => vi.mul(b2).add(gi.ref.mul(gi).mul(1 - b2)), v, g);
    // p <- p (1 - lr wd) - lr m/c1 / (sqrt(v/c2) + eps), PyTorch's AdamW.
    const ps2 = tree.map(
      (p, mi, vi, wd) => p.mul(lrT.ref.mul(-wd).add(1)).sub(mi.mul(lrT.ref).div(c1.ref).div(np.sqrt(vi.div(c2.ref)).add(eps))),
      ps, tree.ref(m2), tree.ref(v2), decays,
    );
    lrT.dispose(); c1.dispose(); c2.dispose();
    return [l, ps2, m2, v2];
  });
  const zeros = () => tree.map((p) => np.zerosLike(p.ref), params);
  let state = { m: zeros(), v: zeros() };
  let t = 0;
  const step = () => {
    t++;
    const [l, ps, m, v] = update(params, state.m, state.v, X.ref, Y.ref, causal.ref, np.array([lr]), np.array([1 - b1 ** t]), np.array([1 - b2 ** t]));
    params = ps;
    state = { m, v };
    return l.dataSync()[0];
  };
  try {
    const t0 = performance.now();
    const first = step();
    const firstMs = performance.now() - t0;
    if (!Number.isFinite(first)) return { error: `jax-js step gave loss ${first}` };
    return { step, firstMs, first };
  } catch (e) {
    return { error: `jax-js step: ${String(e.message ?? e).split('\n')[0]}` };
  }
}
