// OneCycleLR (PyTorch, cosine annealing, two phases): from maxLr/divFactor up to maxLr over the
// first pctStart of totalSteps, then down to maxLr/divFactor/finalDivFactor.
// phase end steps: pctStart*totalSteps - 1 and totalSteps - 1; lr = end + (start - end)/2*(1 + cos(pi*pct)).
import { type Schedule, make, positive, positiveInt, checkScheduleOptions } from './schedule.js';
import { optionKeys } from '../validate/options.js';
import { describe } from '../validate/describe.js';

export interface OneCycleOptions {
  maxLr: number;
  totalSteps: number;
  pctStart?: number;
  divFactor?: number;
  finalDivFactor?: number;
}

export function oneCycle(options: OneCycleOptions): Schedule {
  checkScheduleOptions('oneCycle', options, optionKeys<OneCycleOptions>({ maxLr: true, totalSteps: true, pctStart: true, divFactor: true, finalDivFactor: true }));
  const { maxLr, totalSteps, pctStart = 0.3, divFactor = 25, finalDivFactor = 1e4 } = options ?? ({} as OneCycleOptions);
  positive('maxLr', maxLr);
  positiveInt('totalSteps', totalSteps);
  if (typeof pctStart !== 'number' || !(pctStart > 0 && pctStart < 1)) throw new RangeError(`wasmnn: schedule pctStart must be in (0, 1), got ${describe(pctStart)}`);
  positive('divFactor', divFactor);
  positive('finalDivFactor', finalDivFactor);
  const initial = maxLr / divFactor;
  const min = initial / finalDivFactor;
  const phases = [
    { end: pctStart * totalSteps - 1, from: initial, to: maxLr },
    { end: totalSteps - 1, from: maxLr, to: min },
  ];
  const cos = (from: number, to: number, pct: number) => to + ((from - to) / 2) * (Math.cos(Math.PI * pct) + 1);
  return make('oneCycle', { maxLr, totalSteps, pctStart, divFactor, finalDivFactor }, (s) => {
    const stepNum = Math.min(s, totalSteps - 1); // past the cycle the final rate holds (PyTorch raises)
    let start = 0;
    for (let i = 0; i < phases.length; i++) {
      const p = phases[i];
      if (stepNum <= p.end || i === phases.length - 1) return cos(p.from, p.to, (stepNum - start) / (p.end - start));
      start = p.end;
    }
    return min;
  });
}
