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

/** The built-in texts (UTF-8): genesis is Genesis 1-3 of the King James Version, one verse a line (10 597 characters). */
const TEXTS = { genesis: 'genesis_1-3_kjv.txt' } as const;
export type BuiltinText = keyof typeof TEXTS;

/** The built-in data: moons (first 200 rows train, last 100 test), diabetes (442 x 10), digits (1797 x 64, labels 0-9); 'genesis' is a text. */
export async function loadBuiltin(name: 'genesis'): Promise<string>;
export async function loadBuiltin(name: 'moons'): Promise<{ train: Labeled; test: Labeled }>;
export async function loadBuiltin(name: 'diabetes' | 'digits'): Promise<Labeled>;
export async function loadBuiltin(name: BuiltinName | BuiltinText): Promise<Labeled | { train: Labeled; test: Labeled } | string> {
  if (Object.hasOwn(TEXTS, name)) return readBuiltinText(TEXTS[name as BuiltinText]);
  const file = Object.hasOwn(FILES, name) ? FILES[name as BuiltinName] : undefined;
  if (!file) throw new RangeError(`wasmnn: no built-in data set '${name}'; known: ${[...Object.keys(FILES), ...Object.keys(TEXTS)].join(', ')}`);
  const { x, y } = loadCsv(await readBuiltinText(file));
  if (name !== 'moons') return { x, y };
  const rows = (m: Matrix, a: number, b: number) => m.take(Int32Array.from({ length: b - a }, (_, i) => a + i));
  return { train: { x: rows(x, 0, 200), y: rows(y, 0, 200) }, test: { x: rows(x, 200, 300), y: rows(y, 200, 300) } };
}
