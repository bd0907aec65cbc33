import { readFileSync } from 'node:fs';

/** A golden file from test/fixtures (copied unchanged from the shared golden set). */
export function golden<T = any>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

/** A packaged data set from data/ as rows of numbers (header dropped). */
export function csvRows(name: string): number[][] {
  const lines = readFileSync(new URL(`../../data/${name}`, import.meta.url), 'utf8').trim().split(/\r?\n/);
  return lines.slice(1).map((l) => l.split(',').map(Number));
}

/** The packaged moons set (300 rows: x two columns, y one) as nested arrays. */
export function moons(): { x: number[][]; y: number[][] } {
  const rows = csvRows('moons_300_noise0.5.csv');
  return { x: rows.map((r) => r.slice(0, 2)), y: rows.map((r) => [r[2]]) };
}

/** Each array's float32 bit patterns, for bit-for-bit comparisons. */
export const bits = (ws: readonly Float32Array[]): number[][] => ws.map((w) => Array.from(new Uint32Array(w.slice().buffer)));
