// How an error message shows a value it refuses: a string is quoted and called one, so
// batchSize '32' reads "got the string \"32\"", not "got 32", which looks valid.
export function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v === undefined) return String(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array (${JSON.stringify(v).slice(0, 40)})`;
  return typeof v === 'function' ? 'a function' : 'an object';
}
