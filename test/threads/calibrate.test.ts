// The split threshold measured at start (src/threads/calibrate.ts): the crossing found on products
// whose costs are known (busy loops standing for the serial and the split product), the pool's
// threshold restored, the measurement made once per process and thread count, and skipped when
// the caller sets the threshold.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { startThreads, type ThreadedParts } from '../../dist/threads/pool.js';
import { measureCrossing } from '../../dist/threads/calibrate.js';
import { Arena } from '../../dist/memory/arena.js';
import { init } from 'wasmnn';

const module = new WebAssembly.Module(readFileSync('build/wasmnn-threads.wasm'));
const opened: ThreadedParts[] = [];
afterAll(() => opened.forEach((p) => p.close()));

const spin = (ns: number) => {
  const end = performance.now() + ns / 1e6;
  while (performance.now() < end);
};

describe('measureCrossing', () => {
  it('finds the first cube at which the split gains 1.15x, and puts the threshold back', () => {
    // Serial: s^3 / 10 ns. Split: half of it plus 3 us. Gains: 32^3 0.70x, 40^3 1.03x, 48^3 1.30x,
    // 64^3 1.62x: the crossing is 48^3 (64^3 if a batch at 48^3 is slowed by other processes).
    const pool = { minWork: 7 };
    let splitSeen = -1;
    const serial = (_c: number, _a: number, _b: number, m: number) => spin(m ** 3 / 10);
    const split = (_c: number, _a: number, _b: number, m: number) => {
      splitSeen = pool.minWork;
      spin(m ** 3 / 20 + 3000);
    };
    const memory = new WebAssembly.Memory({ initial: 4 });
    const arena = new Arena(memory, 1024);
    const c = measureCrossing(pool as never, serial as never, split as never, arena, 5000); // no budget: a loaded machine runs these slower
    expect([48 ** 3, 64 ** 3]).toContain(c.minWork);
    expect(splitSeen, 'the split runs were forced (threshold 0)').toBe(0);
    expect(pool.minWork, 'the threshold is put back').toBe(7);
    expect(arena.liveBlocks, "its buffers are released").toBe(0);
    expect(c.gains[0]).toBeLessThan(0.8);
    expect(c.gains.at(-1)).toBeGreaterThanOrEqual(1.15);
    expect(c.macPerUs).toBeGreaterThan(5000);
    expect(c.macPerUs).toBeLessThan(20000);
  });
});

describe('the warm-up and the second pass', () => {
  it('waits for the split calls to settle, so that a cold start does not move the crossing', () => {
    // For its first 60 ms the split (half of the serial plus 3 us) runs 20x slower but for 0.2 ms in
    // every 10, as a worker whose core V8's background compiles take just after start: without the
    // warm-up the cubes lose (gains under 0.1) and the crossing moves up, to 64^3 or 96^3.
    const pool = { minWork: 7 };
    const serial = (_c: number, _a: number, _b: number, m: number) => spin(m ** 3 / 10);
    let cold = -1;
    const split = (_c: number, _a: number, _b: number, m: number) => {
      if (cold < 0) cold = performance.now() + 60;
      const now = performance.now();
      spin((m ** 3 / 20 + 3000) * (now < cold && now % 10 > 0.2 ? 20 : 1));
    };
    const c = measureCrossing(pool as never, serial as never, split as never, new Arena(new WebAssembly.Memory({ initial: 4 }), 1024), 5000);
    expect(c.minWork).toBe(48 ** 3);
    expect(c.warmMs).toBeGreaterThanOrEqual(60);
  });

  it('measures a cube that lost once more and keeps its better gain', () => {
    // The first split run at 48^3 (the first after the warm-up's) is 20x slower for 5 ms: one slow
    // stretch. Without the second pass the crossing is 64^3.
    const pool = { minWork: 7 };
    const serial = (_c: number, _a: number, _b: number, m: number) => spin(m ** 3 / 10);
    let slowUntil = -1;
    let warmed = false;
    const split = (_c: number, _a: number, _b: number, m: number) => {
      if (m !== 48) warmed = true;
      if (m === 48 && warmed && slowUntil < 0) slowUntil = performance.now() + 5;
      spin((m ** 3 / 20 + 3000) * (performance.now() < slowUntil ? 20 : 1));
    };
    const c = measureCrossing(pool as never, serial as never, split as never, new Arena(new WebAssembly.Memory({ initial: 4 }), 1024), 5000);
    expect(c.minWork).toBe(48 ** 3);
    expect(c.gains.length, 'the gains end at the crossing').toBe(5);
  });
});

describe('the pool calibrates at start', () => {
  it('once per process and thread count; not when minWork is given', async () => {
    const a = await startThreads(module, 2);
    const b = await startThreads(module, 2);
    const given = await startThreads(module, 2, { minWork: 0 });
    opened.push(a, b, given);
    expect(a.calibration).toBeDefined();
    expect([16, 24, 32, 40, 48, 64, 96].map((s) => s ** 3)).toContain(a.calibration!.minWork);
    expect(a.calibration!.gains.length).toBeGreaterThan(0);
    expect(b.calibration, 'the second pool reuses the measurement').toBe(a.calibration);
    expect(given.calibration).toBeUndefined();
    expect(a.splitCalls(), "the calibration's calls are not counted").toBe(0);
  });
});

describe("init's minWork", () => {
  it('sets the threshold instead of the measurement, and is checked', async () => {
    const given = await init({ threads: 2, simd: 'plain', minWork: 0 });
    expect(given.calibration).toBeUndefined();
    const measured = await init({ threads: 2, simd: 'plain' });
    expect(measured, 'another minWork is another runtime').not.toBe(given);
    expect(measured.calibration).toBeDefined();
    given.close();
    measured.close();
    await expect(init({ threads: 2, minWork: -1 })).rejects.toThrow(/init\(\{ minWork \}\) takes a number >= 0 \(multiply-adds\), got -1/);
    await expect(init({ threads: 2, minWork: 'big' as never })).rejects.toThrow(/got big/);
  });
});
