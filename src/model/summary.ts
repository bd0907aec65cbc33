// model.summary(): per layer the output shape, parameter count and multiply-accumulates
// per sample (FLOPs = 2 x MACs), then totals and the memory of parameters and gradients.
import type { Model } from './model.js';

export function summarize(model: Model, plannedRows: number): string {
  const rows: string[][] = [['Layer', 'Output shape', 'Params', 'MACs/sample', 'FLOPs/sample']];
  let params = 0;
  let macs = 0;
  const byLayer = new Map<string, number>();
  for (const p of model.parameters()) {
    const layer = p.name.split('/')[0];
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + p.size);
  }
  for (const l of model.layers) {
    const act = (l as { activation?: { name: string } }).activation?.name;
    const n = byLayer.get(l.name) ?? 0;
    const m = l.macsPerSample();
    params += n;
    macs += m;
    rows.push([`${l.name} (${l.kind}${act && act !== 'linear' ? `, ${act}` : ''})`, `[batch, ${l.outputUnits}]`, fmt(n), fmt(m), fmt(2 * m)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const nonTrainable = model.layers.reduce((n, l) => n + (l.kind === 'batchNorm' ? 2 * l.outputUnits : 0), 0);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
  const opt = model.optimizer;
  return [
    `Model: ${model.name}`,
    rule,
    line(rows[0]),
    rule,
    ...rows.slice(1).map(line),
    rule,
    `Total params: ${fmt(params + nonTrainable)} (trainable ${fmt(params)}, non-trainable ${fmt(nonTrainable)})`,
    `MACs per sample: ${fmt(macs)}; FLOPs per sample: ${fmt(2 * macs)}`,
    `Memory: parameters ${mib(params * 4)}, gradients ${mib(params * 4)}, optimizer state ${opt ? mib(opt.stateBytes) : 'none'}, ` +
      (plannedRows ? `activations for a batch of ${plannedRows}: ${mib(model.planBytes)}` : 'activations not planned (compile first)'),
  ].join('\n');
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
