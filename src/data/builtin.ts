// The data sets shipped in the package's data/ folder. In Node they are read from disk;
// in browsers, Deno or workers, fetch the CSV yourself and call loadCsv.
import { loadCsv } from './csv.js';
import type { Labeled } from './synthetic.js';
import { Matrix } from './matrix.js';

const FILES = { moons: 'moons_300_noise0.5.csv', diabetes: 'diabetes.csv', digits: 'digits_8x8.csv' } as const;
export type BuiltinName = keyof typeof FILES;

export async function readBuiltinText(file: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  return readFile(new URL(`../../data/${file}`, import.meta.url), 'utf8');
}

/** The built-in data: moons (first 200 rows train, last 100 test), diabetes (442 x 10), digits (1797 x 64, labels 0-9). */
export async function loadBuiltin(name: 'moons'): Promise<{ train: Labeled; test: Labeled }>;
export async function loadBuiltin(name: 'diabetes' | 'digits'): Promise<Labeled>;
export async function loadBuiltin(name: BuiltinName): Promise<Labeled | { train: Labeled; test: Labeled }> {
  const file = FILES[name];
  if (!file) throw new RangeError(`wasmnn: no built-in data set '${name}'; known: ${Object.keys(FILES).join(', ')}`);
  const { x, y } = loadCsv(await readBuiltinText(file));
  if (name !== 'moons') return { x, y };
  const rows = (m: Matrix, a: number, b: number) => m.take(Int32Array.from({ length: b - a }, (_, i) => a + i));
  return { train: { x: rows(x, 0, 200), y: rows(y, 0, 200) }, test: { x: rows(x, 200, 300), y: rows(y, 200, 300) } };
}
