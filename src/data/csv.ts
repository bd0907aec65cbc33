// CSV of numbers: a header row is detected (any non-numeric field in line 1) or forced.
import { Matrix } from './matrix.js';
import { checkOptions } from '../validate/options.js';

export interface Csv {
  columns: string[];
  rows: number[][];
}

export function parseCsv(text: string, options: { header?: boolean | 'auto' } = {}): Csv {
  checkOptions('data.parseCsv', options, ['header']);
  const { header = 'auto' } = options;
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (lines.length === 0) throw new RangeError('wasmnn: the CSV is empty');
  const split = (l: string) => l.split(',').map((s) => s.trim());
  const first = split(lines[0]);
  const hasHeader = header === 'auto' ? first.some((f) => f === '' || Number.isNaN(Number(f))) : header;
  const columns = hasHeader ? first : first.map((_, i) => `c${i}`);
  const rows: number[][] = [];
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    const f = split(lines[i]);
    if (f.length !== columns.length) throw new RangeError(`wasmnn: CSV line ${i + 1} has ${f.length} fields, expected ${columns.length}`);
    rows.push(
      f.map((s, c) => {
        const v = Number(s);
        if (s === '' || Number.isNaN(v)) throw new RangeError(`wasmnn: CSV line ${i + 1}, column '${columns[c]}': '${s}' is not a number`);
        return v;
      }),
    );
  }
  return { columns, rows };
}

/** Features and target from CSV text; `target` is the column index of the label (default: the last). */
export function loadCsv(text: string, options: { target?: number } = {}): { x: Matrix; y: Matrix; columns: string[] } {
  checkOptions('data.loadCsv', options, ['target']);
  const { target = -1 } = options;
  const { columns, rows } = parseCsv(text);
  const t = target < 0 ? columns.length + target : target;
  if (t < 0 || t >= columns.length) throw new RangeError(`wasmnn: target column ${target} is outside the ${columns.length} columns`);
  const xs = rows.map((r) => r.filter((_, c) => c !== t));
  const ys = rows.map((r) => [r[t]]);
  return { x: Matrix.from(xs, 'x'), y: Matrix.from(ys, 'y'), columns };
}
