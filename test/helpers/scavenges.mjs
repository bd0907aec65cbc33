// Minor garbage collections (scavenges) during an async run, for the zero-garbage scripts (run
// with --expose-gc). It starts with an empty young generation, so leftovers of the set-up cannot
// trigger a collection inside the run; `bracket()` runs before it and returns what runs after it.
import { PerformanceObserver, constants } from 'node:perf_hooks';

export async function scavengesDuring(run, bracket = () => () => {}) {
  globalThis.gc();
  let scavenges = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) if (e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
  });
  obs.observe({ entryTypes: ['gc'] });
  const after = bracket();
  await run();
  after();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return scavenges;
}
