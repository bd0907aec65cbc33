// Run with --expose-gc. Counts minor garbage collections (scavenges) during 1 000 000 training steps (one epoch, batch 1)
// after a warm-up epoch. A step that allocated even 16 bytes of JS garbage (one boxed double)
// would fill the young generation (16 MiB) at least once; 32 bytes a step, as before the step's loss went
// to a field, gave 2 collections here. Prints the count as JSON.
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { init, Sequential, layers, optimizers, data } from 'wasmnn';

await init(undefined, { simd: 'plain' });
const { x, y } = data.makeMoons({ n: 1_000_000, noise: 0.2, seed: 1 });
const m = new Sequential([layers.dense({ inputDim: 2, units: 8, activation: 'relu' }), layers.dense({ units: 1 })], { seed: 0 });
m.compile({ loss: 'bceWithLogits', optimizer: optimizers.adam({ lr: 1e-3 }), batchSize: 1, metrics: ['accuracy'] });
await m.fit(x, y, { epochs: 1, batchSize: 1 }); // warm-up: JIT tiers, the plan, the resident data set
// Start the measured epoch with an empty young generation, so leftovers of the set-up (the data
// set's points) cannot trigger a collection inside it. Needs --expose-gc.
globalThis.gc();
let scavenges = 0;
const obs = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
});
obs.observe({ entryTypes: ['gc'] });
await m.fit(x, y, { epochs: 1, batchSize: 1 });
await new Promise((r) => setTimeout(r, 50));
obs.disconnect();
console.log(JSON.stringify({ scavenges, steps: 1_000_000 }));
