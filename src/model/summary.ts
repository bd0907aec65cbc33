// model.summary(): per layer the output shape, parameter count, multiply-accumulates per sample
// (FLOPs = 2 x MACs: dense in*out at each position, a convolution oh*ow*kh*kw*cin/groups*cout,
// batch norm one per element; pooling, padding, dropout and reshapes none) and the bytes of its
// output for one sample (float32 feature maps), then totals and the memory of parameters and gradients.
// A functional graph lists every call in order, the ops between layers too, with what each reads.
// A chain of layers ends with its PyTorch equivalent, the nn.Sequential whose state_dict
// toSafetensors(model, { layout: 'pytorch' }) writes.
import type { ModelView } from './view.js';
import { toPytorchModule } from '../interop/pytorch.js';
import { collect, showShape, type SymbolicTensor } from '../graph/symbolic.js';
import { isPrimitive } from '../graph/op.js';
import type { Layer } from '../layers/layer.js';

export function summarize(model: ModelView, plannedRows: number): string {
  const rows: string[][] = [['Layer', 'Output shape', 'Params', 'MACs/sample', 'FLOPs/sample', 'Output bytes/sample']];
  let params = 0;
  let macs = 0;
  let floats = 0;
  /** One sample's output bytes (a tensor without a batch counts whole). */
  const bytes = (shape: readonly number[]) => {
    const n = shape.reduce((a, d) => (d < 0 ? a : a * d), 1);
    floats += n;
    return fmt(4 * n);
  };
  const byLayer = new Map<string, number>();
  for (const p of model.parameters()) {
    const layer = p.name.split('/')[0];
    byLayer.set(layer, (byLayer.get(layer) ?? 0) + p.size);
  }
  const layerRow = (l: Layer, shared: boolean) => {
    const act = (l as { activation?: { name: string } }).activation?.name;
    const n = shared ? 0 : byLayer.get(l.name) ?? 0;
    const m = l.macsPerSample();
    params += n;
    macs += m;
    return [`${l.name} (${l.kind}${act && act !== 'linear' ? `, ${act}` : ''}${shared ? ', shared' : ''})`, `[batch, ${l.outputShape.join(', ')}]`, fmt(n), fmt(m), fmt(2 * m), bytes(l.outputShape)];
  };
  if (model.isChain()) for (const l of model.layers) rows.push(layerRow(l, false));
  else {
    // Every call, named by what it produces; a row says which earlier rows (or inputs) it reads.
    rows[0].push('Reads');
    const names = new Map<SymbolicTensor, string>();
    model.inputs.forEach((t, i) => names.set(t, t.name ?? `input_${i}`));
    const seen = new Set<Layer>();
    const count = new Map<string, number>();
    for (const e of collect(model.outputs)) {
      const reads = e.inputs.map((t) => names.get(t) ?? (t.kind === 'const' ? String(t.constant![0]) : '?')).join(', ');
      let row: string[];
      if (isPrimitive(e.op)) {
        const op = e.op.name === 'activation' ? (e.attrs.act as { name: string }).name : e.op.name;
        const k = count.get(op) ?? 0;
        count.set(op, k + 1);
        const name = k ? `${op}_${k}` : op;
        names.set(e.outputs[0], name);
        row = [name, showShape(e.outputs[0].shape), '0', '0', '0', bytes(e.outputs[0].shape)];
      } else {
        const l = e.op as Layer;
        row = layerRow(l, seen.has(l));
        seen.add(l);
        names.set(e.outputs[0], l.name);
      }
      rows.push([...row, reads]);
    }
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 || c === 6 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
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
    `Outputs per sample (feature maps, float32): ${fmt(floats)} floats, ${fmt(4 * floats)} bytes (${(4 * floats / 2 ** 10).toFixed(2)} KiB)`,
    `Memory: parameters ${mib(params * 4)}, gradients ${mib(params * 4)}, optimizer state ${opt ? mib(opt.stateBytes) : 'none'}, ` +
      (plannedRows ? `activations for a batch of ${plannedRows}: ${mib(model.planBytes)}` : 'activations not planned (compile first)'),
    ...(model.isChain() ? torchLines(model) : []),
  ].join('\n');
}

// A chain's nn.Module, or why there is none yet (a layer kind without its PyTorch writer).
function torchLines(model: Parameters<typeof toPytorchModule>[0]): string[] {
  try {
    return ["PyTorch equivalent (toSafetensors(model, { layout: 'pytorch' }) writes its state_dict):", toPytorchModule(model)];
  } catch (err) {
    return [`PyTorch equivalent: none yet (${(err as Error).message.replace(/^wasmnn: /, '')})`];
  }
}

function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
