// The seed experiments of npm start, with their bars (data/ holds the PyTorch float64 references).
import { beforeAll, describe, expect, it } from 'vitest';
import { init } from 'wasmnn';
// examples/experiments.js is plain JavaScript, shared with npm start.
import { readData, weightDecayRun, diabetesL2 } from '../../examples/experiments.js';

beforeAll(async () => {
  await init();
});

describe('weight decay on 200-dimensional linear regression', () => {
  const g = readData('seed_weight_decay_linreg.json');
  for (const run of g.runs) {
    it(`lambda ${run.lambda}, penalty in the ${run.penalty_in}: final ||w|| within 1% of ${run.w_norm.toFixed(3)}, curves to 1e-3`, async () => {
      const r = await weightDecayRun(run);
      expect(Math.abs(r.norm - run.w_norm) / run.w_norm).toBeLessThan(0.01);
      // Train/test loss per epoch (the curve's columns 1 and 2) track PyTorch's float64 run.
      run.curve.forEach(([epoch, train, test]: number[]) => {
        expect(Math.abs(r.trainLoss[epoch - 1] - train)).toBeLessThanOrEqual(1e-3 * train + 1e-8);
        expect(Math.abs(r.testLoss[epoch - 1] - test)).toBeLessThanOrEqual(1e-3 * test);
      });
    });
  }
});

describe('L2 and dropout on diabetes', () => {
  it('without regularisation validation loss climbs away after its minimum; L2 and dropout narrow the gap', async () => {
    const [none, l2, drop] = await diabetesL2([{ name: 'none' }, { name: 'l2', l2: 1e-3 }, { name: 'dropout', dropout: 0.2 }], 60);
    const gap = (d: { loss: number[]; valLoss: number[] }) => d.valLoss.at(-1)! - d.loss.at(-1)!;
    const best = Math.min(...none.valLoss);
    expect(none.valLoss.at(-1)!).toBeGreaterThan(1.3 * best);
    expect(gap(l2)).toBeLessThan(gap(none));
    expect(gap(drop)).toBeLessThan(gap(none));
  });
});
