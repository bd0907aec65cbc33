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
