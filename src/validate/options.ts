// Options objects are checked against their known keys. An unknown key is an error naming it,
// never ignored: `{ learningRate: 0.1 }` or `{ epoch: 5 }` would otherwise train with a default.
// Where the key is a Keras or PyTorch spelling the error names the wasmnn key to use.

/** What to say for a foreign spelling: the wasmnn key, and optionally why it differs. */
export interface Hint {
  use: string;
  note?: string;
}

// Keras and PyTorch spellings whose wasmnn name is not just the camelCase of them (those are
// found by normalising case and underscores, below). A hint applies only where its `use` is a
// key of the options object being checked.
const FOREIGN: Record<string, Hint> = {
  learningRate: { use: 'lr' },
  learning_rate: { use: 'lr' },
  epoch: { use: 'epochs' },
  nb_epoch: { use: 'epochs' },
  validationSplit: { use: 'validationData', note: 'split the data first with data.trainTestSplit' },
  validation_split: { use: 'validationData', note: 'split the data first with data.trainTestSplit' },
  verbose: { use: 'callbacks', note: 'callbacks.progress() prints a line per epoch' },
  epsilon: { use: 'eps' },
  betas: { use: 'beta1', note: "PyTorch's betas=(b1, b2) are beta1 and beta2" },
  rho: { use: 'alpha', note: "Keras' RMSprop rho is PyTorch's alpha" },
  initialAccumulatorValue: { use: 'initialAccumulator' },
  initial_accumulator_value: { use: 'initialAccumulator' },
  initialLearningRate: { use: 'initial' },
  initial_learning_rate: { use: 'initial' },
  baseLr: { use: 'initial' },
  base_lr: { use: 'initial' },
  minDelta: { use: 'threshold', note: "Keras' min_delta is PyTorch's threshold" },
  min_delta: { use: 'threshold', note: "Keras' min_delta is PyTorch's threshold" },
  stddev: { use: 'std' },
  minval: { use: 'a' },
  maxval: { use: 'b' },
  nSamples: { use: 'n' },
  n_samples: { use: 'n' },
  randomState: { use: 'seed' },
  random_state: { use: 'seed' },
};

// batch_size, batchsize -> batchsize: matches batchSize whatever the case and underscores.
const normal = (key: string) => key.toLowerCase().replace(/_/g, '');

/** Levenshtein distance, for suggesting the known key a typo was meant to be. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

/** The known key `key` plainly means: the same but for case and underscores, else one or two edits away. */
function nearest(key: string, known: readonly string[]): string | undefined {
  const same = known.find((k) => normal(k) === normal(key));
  if (same) return same;
  const n = normal(key);
  let best: string | undefined, bestD = n.length > 5 ? 3 : 2;
  for (const k of known) {
    const d = distance(n, normal(k));
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

/** The keys of an options type as a list, checked by the compiler against the type (no key missing, none extra). */
export function optionKeys<T extends object>(keys: { [K in keyof Required<T>]: true }): readonly string[] {
  return Object.keys(keys);
}

/**
 * Throws unless `options` is undefined or an object whose every key is in `known`. `where` names
 * the call in the message ("optimizers.sgd"); `hints` maps a key to what to say for it, before the
 * shared Keras/PyTorch table.
 */
export function checkOptions(where: string, options: unknown, known: readonly string[], hints: Record<string, Hint> = {}): void {
  if (options === undefined) return;
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    const got = options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options === 'function' ? 'a function' : `${typeof options} ${String(options)}`;
    throw new TypeError(`wasmnn: ${where} takes an options object, got ${got}`);
  }
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = Object.hasOwn(hints, key) ? hints[key] : Object.hasOwn(FOREIGN, key) && known.includes(FOREIGN[key].use) ? FOREIGN[key] : undefined;
    const use = hint?.use ?? nearest(key, known);
    const say = use ? `; use '${use}'${hint?.note ? ` (${hint.note})` : ''}` : hint?.note ? `; ${hint.note}` : '';
    throw new RangeError(`wasmnn: ${where}: unknown option '${key}'${say}. Known options: ${known.join(', ')}`);
  }
}

/** Throws unless `value` is undefined or one of `allowed`, naming the option and the value. */
export function checkChoice<T extends string>(where: string, name: string, value: unknown, allowed: readonly T[]): T | undefined {
  if (value === undefined || allowed.includes(value as T)) return value as T | undefined;
  const got = typeof value === 'string' ? `'${value}'` : String(value);
  throw new RangeError(`wasmnn: ${where}: ${name} must be ${allowed.map((a) => `'${a}'`).join(', ').replace(/, ([^,]*)$/, ' or $1')}, got ${got}`);
}
