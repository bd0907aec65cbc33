// A character-level tokenizer (nanoGPT's shakespeare_char: `chars = sorted(list(set(data)))`):
// the vocabulary is the distinct characters of a text sorted by code point, and a character's id is
// its place in that list. A character is a Unicode code point (a string's `for...of` steps), so an
// emoji outside the BMP is one token, not two surrogates; sorting is by code point, as Python's
// sorted() does (JavaScript's default string sort compares UTF-16 units, which puts U+10000 and
// above before U+E000..U+FFFF). The vocabulary is saved with a model (`model.tokenizer`).
import { describe } from '../validate/describe.js';

/** The JSON form of a tokenizer (what toJSON() gives and a saved model's topology holds). */
export interface CharTokenizerJSON {
  kind: 'char';
  /** The characters in id order: one code point each, strictly increasing by code point. */
  vocab: string[];
}

export class CharTokenizer {
  /** The characters in id order (id i is vocab[i]). */
  readonly vocab: readonly string[];
  private readonly ids = new Map<number, number>();

  /** From a vocabulary already sorted by code point (use charTokenizer(text) to make one from a text). */
  constructor(vocab: readonly string[], what = 'charTokenizer') {
    if (!Array.isArray(vocab) || vocab.length === 0) throw new RangeError(`wasmnn: ${what}: the vocabulary must be a non-empty list of characters, got ${describe(vocab)}`);
    let last = -1;
    vocab.forEach((c, i) => {
      const cp = typeof c === 'string' ? c.codePointAt(0) : undefined;
      if (cp === undefined || String.fromCodePoint(cp) !== c) throw new RangeError(`wasmnn: ${what}: vocabulary entry ${i} must be one character (one code point), got ${JSON.stringify(c)}`);
      if (cp <= last) throw new RangeError(`wasmnn: ${what}: the vocabulary must be sorted by code point without repeats, but entry ${i} ${show(cp)} follows ${show(last)}`);
      last = cp;
      this.ids.set(cp, i);
    });
    this.vocab = Object.freeze([...vocab]);
  }

  /** The number of distinct characters: ids run from 0 to vocabSize - 1. */
  get vocabSize(): number {
    return this.vocab.length;
  }

  /** The ids of str's characters; a character outside the vocabulary is an error naming it and its position. */
  encode(str: string): Int32Array {
    if (typeof str !== 'string') throw new TypeError(`wasmnn: charTokenizer.encode takes a string, got ${describe(str)}`);
    const out = new Int32Array(str.length);
    let n = 0;
    for (let i = 0; i < str.length; i++) {
      const cp = str.codePointAt(i)!;
      const id = this.ids.get(cp);
      if (id === undefined) {
        const at = n === i ? `position ${n}` : `position ${n} (string index ${i})`;
        throw new RangeError(`wasmnn: charTokenizer.encode: ${show(cp)} at ${at} is not in the vocabulary of ${this.vocabSize} characters`);
      }
      out[n++] = id;
      if (cp > 0xffff) i++; // the low surrogate
    }
    return n === out.length ? out : out.slice(0, n);
  }

  /** The text of ids (any array of integers in [0, vocabSize)). */
  decode(ids: ArrayLike<number>): string {
    if (!ids || typeof ids.length !== 'number') throw new TypeError(`wasmnn: charTokenizer.decode takes an array of ids, got ${describe(ids)}`);
    const parts: string[] = new Array(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize) throw new RangeError(`wasmnn: charTokenizer.decode: id ${id} at position ${i} is outside [0, ${this.vocabSize})`);
      parts[i] = this.vocab[id];
    }
    return parts.join('');
  }

  toJSON(): CharTokenizerJSON {
    return { kind: 'char', vocab: [...this.vocab] };
  }

  /** The tokenizer of toJSON()'s object; anything else (another kind, a damaged vocabulary) is an error that says what is wrong. */
  static fromJSON(json: unknown, what = 'charTokenizer.fromJSON'): CharTokenizer {
    if (!json || typeof json !== 'object' || Array.isArray(json)) throw new TypeError(`wasmnn: ${what} takes { kind: 'char', vocab: [...] }, got ${describe(json)}`);
    const j = json as Record<string, unknown>;
    const extra = Object.keys(j).filter((k) => k !== 'kind' && k !== 'vocab');
    if (j.kind !== 'char') throw new RangeError(`wasmnn: ${what}: kind must be 'char', got ${describe(j.kind)}`);
    if (extra.length) throw new RangeError(`wasmnn: ${what}: unknown key${extra.length > 1 ? 's' : ''} ${extra.map((k) => `'${k}'`).join(', ')} (a char tokenizer has kind and vocab)`);
    return new CharTokenizer(j.vocab as string[], what);
  }
}

function show(cp: number): string {
  const hex = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || (cp >= 0xd800 && cp < 0xe000) ? hex : `${JSON.stringify(String.fromCodePoint(cp))} (${hex})`;
}

/**
 * A character tokenizer over text's distinct characters, sorted by code point.
 * @example const tok = data.charTokenizer('hello'); tok.vocab; // ['e', 'h', 'l', 'o']; tok.encode('hole') -> [1, 3, 2, 0]
 */
export function charTokenizer(text: string): CharTokenizer {
  if (typeof text !== 'string' || text.length === 0) throw new RangeError(`wasmnn: charTokenizer(text) takes a non-empty string, got ${describe(text)}`);
  const seen = new Set<number>();
  for (const c of text) seen.add(c.codePointAt(0)!);
  const cps = [...seen].sort((a, b) => a - b);
  return new CharTokenizer(cps.map((cp) => String.fromCodePoint(cp)));
}

charTokenizer.fromJSON = CharTokenizer.fromJSON;
