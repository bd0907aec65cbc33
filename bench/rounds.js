// Contenders measured in interleaved rounds, so that a machine whose speed drifts (a shared host
// moves by 10-20% within minutes) slows all of them alike: each round runs every contender in
// turn, `time` ms each (at least one call), in alternating order, and the first round is a
// warm-up that is not counted (V8 tiers wasm and JS up in the background). A contender's figure
// is the median over rounds of its median call time; a ratio is the median over rounds of the
// ratio within each round, which cancels the drift between rounds.
import { Bench } from 'tinybench';

// Rounds a task sat out (its `skip`) hold NaN and are left out of medians and ratios.
const median = (xs) => {
  const s = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

// tasks: [{ name, fn, before?, async?, skip? }]: `before` (not timed) runs before each round's calls of
// `fn`, e.g. selecting a TensorFlow.js backend; `async: true` for an fn that returns a promise (said,
// not detected: tinybench detects it by calling fn once without awaiting the result); `skip(r)` true
// leaves the task out of round r (0 is the warm-up), for a contender whose one call takes seconds.
// Returns { name: { ms, perRound } }.
export async function interleaved(tasks, { rounds = Number(process.env.BENCH_ROUNDS ?? 5), time = 200 } = {}) {
  const perRound = Object.fromEntries(tasks.map((t) => [t.name, []]));
  for (let r = 0; r <= rounds; r++) {
    const bench = new Bench({ time, iterations: 1, warmup: false, throws: true });
    const taking = tasks.filter((t) => !t.skip?.(r));
    for (const t of r % 2 ? [...taking].reverse() : taking) bench.add(t.name, t.fn, { beforeAll: t.before, async: t.async === true });
    await bench.run();
    if (r === 0) continue;
    const p50 = Object.fromEntries(bench.tasks.map((task) => [task.name, task.result.latency.p50]));
    for (const t of tasks) perRound[t.name].push(p50[t.name] ?? NaN);
  }
  return Object.fromEntries(Object.entries(perRound).map(([name, ms]) => [name, { ms: median(ms), perRound: ms }]));
}

// How many times faster `base` is than `other`: the median of the per-round ratios.
export function speedup(result, base, other) {
  return median(result[other].perRound.map((t, i) => t / result[base].perRound[i]));
}
