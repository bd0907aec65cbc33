// data.charTokenizer: the vocabulary (sorted by code point, as Python's sorted(set(text))),
// encode/decode round trips, unknown characters and ids refused by position, the JSON form, and
// the vocabulary saved and loaded with a model (and a damaged one refused).
import { beforeAll, describe, expect, it } from 'vitest';
import { init, data, Sequential, Model, layers, input, ops, encodeModel, decodeModel } from 'wasmnn';
import { reseal } from '../helpers/reseal.js';

beforeAll(async () => {
  await init();
});

describe('charTokenizer', () => {
  it('the vocabulary is the distinct characters sorted by code point; ids are their places', () => {
    const tok = data.charTokenizer('hello, world\n');
    // Python: sorted(set('hello, world\n')) == ['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']
    expect(tok.vocab).toEqual(['\n', ' ', ',', 'd', 'e', 'h', 'l', 'o', 'r', 'w']);
    expect(tok.vocabSize).toBe(10);
    expect(Array.from(tok.encode('hello'))).toEqual([5, 4, 6, 6, 7]);
    expect(tok.encode('world')).toBeInstanceOf(Int32Array);
    expect(tok.decode(tok.encode('hello, world\n'))).toBe('hello, world\n');
    expect(tok.decode([])).toBe('');
    expect(tok.encode('').length).toBe(0);
  });

  it('sorts by code point, not by UTF-16 unit, and an emoji is one token', () => {
    // U+FFFD sorts before U+1F600 by code point; by UTF-16 units (JS's default sort) it would come after 0xD83D.
    const text = 'a\u{1F600}b\uFFFDa\u{1F600}';
    const tok = data.charTokenizer(text);
    expect(tok.vocab).toEqual(['a', 'b', '\uFFFD', '\u{1F600}']);
    const ids = tok.encode(text);
    expect(Array.from(ids)).toEqual([0, 3, 1, 2, 0, 3]); // 6 characters, 8 UTF-16 units
    expect(tok.decode(ids)).toBe(text);
  });

  it('an unknown character is an error naming it and its position', () => {
    const tok = data.charTokenizer('abc');
    expect(() => tok.encode('abd')).toThrow(/"d" \(U\+0064\) at position 2 is not in the vocabulary of 3 characters/);
    expect(() => tok.encode('ab\n')).toThrow(/U\+000A at position 2 /);
    // After an astral character the position counts characters, and the string index is given too.
    const t2 = data.charTokenizer('a\u{1F600}');
    expect(() => t2.encode('\u{1F600}ax')).toThrow(/"x" \(U\+0078\) at position 2 \(string index 3\)/);
    expect(() => tok.encode(5 as never)).toThrow(/encode takes a string, got 5/);
  });

  it('decode refuses ids outside the vocabulary', () => {
    const tok = data.charTokenizer('abc');
    expect(() => tok.decode([0, 3])).toThrow(/id 3 at position 1 is outside \[0, 3\)/);
    expect(() => tok.decode(Int32Array.of(-1))).toThrow(/id -1 at position 0/);
    expect(() => tok.decode([1.5])).toThrow(/id 1.5 at position 0/);
  });

  it('an empty or non-string text is refused', () => {
    expect(() => data.charTokenizer('')).toThrow(/non-empty string, got the string ""/);
    expect(() => data.charTokenizer(undefined as never)).toThrow(/non-empty string, got undefined/);
  });

  it('toJSON and fromJSON round trip; a damaged vocabulary says what is wrong', () => {
    const tok = data.charTokenizer('To be, or not to be\u{1F600}');
    const json = JSON.parse(JSON.stringify(tok));
    expect(json.kind).toBe('char');
    const back = data.charTokenizer.fromJSON(json);
    expect(back.vocab).toEqual(tok.vocab);
    expect(Array.from(back.encode('not to be'))).toEqual(Array.from(tok.encode('not to be')));
    const from = (j: unknown) => () => data.CharTokenizer.fromJSON(j);
    expect(from({ kind: 'bpe', vocab: ['a'] })).toThrow(/kind must be 'char', got the string "bpe"/);
    expect(from({ kind: 'char', vocab: ['b', 'a'] })).toThrow(/sorted by code point without repeats, but entry 1 "a" \(U\+0061\) follows "b"/);
    expect(from({ kind: 'char', vocab: ['a', 'a'] })).toThrow(/entry 1 "a" \(U\+0061\) follows "a"/);
    expect(from({ kind: 'char', vocab: ['a', 'bc'] })).toThrow(/entry 1 must be one character \(one code point\), got "bc"/);
    expect(from({ kind: 'char', vocab: [] })).toThrow(/non-empty list of characters/);
    expect(from({ kind: 'char', vocab: ['a'], merges: [] })).toThrow(/unknown key 'merges'/);
    expect(from(null)).toThrow(/takes \{ kind: 'char', vocab: \[...\] \}, got null/);
  });
});

describe('a model carries its tokenizer through save and load', () => {
  const net = () => new Sequential([layers.dense({ inputDim: 3, units: 4 }), layers.dense({ units: 5 })], { seed: 1 });

  it('model.tokenizer round-trips through save/load and encodeModel/decodeModel; a model without one loads without', () => {
    const tok = data.charTokenizer('ab\ncd');
    const m = net();
    expect(m.tokenizer).toBeUndefined();
    m.tokenizer = tok;
    const saved = m.save();
    expect(saved.topology.tokenizer).toEqual({ kind: 'char', vocab: ['\n', 'a', 'b', 'c', 'd'] });
    const back = Sequential.load(decodeModel(encodeModel(saved)));
    expect(back.tokenizer?.vocab).toEqual(tok.vocab);
    expect(back.tokenizer?.decode(tok.encode('cab'))).toBe('cab');
    expect(Sequential.load(net().save()).tokenizer).toBeUndefined();
    expect(() => { m.tokenizer = { vocab: ['a'] } as never; }).toThrow(/model.tokenizer takes a tokenizer from data.charTokenizer/);
    m.tokenizer = undefined;
    expect(m.save().topology.tokenizer).toBeUndefined();
    [m, back].forEach((x) => x.dispose());
  });

  it('a functional model carries it too', () => {
    const x = input([3]);
    const f = new Model({ inputs: x, outputs: ops.relu(layers.dense({ units: 2 }).apply(x)) });
    expect(f.isChain()).toBe(false);
    f.tokenizer = data.charTokenizer('xyz');
    const back = Model.load(f.save());
    expect(back.tokenizer?.vocab).toEqual(['x', 'y', 'z']);
    [f, back].forEach((v) => v.dispose());
  });

  it('a damaged tokenizer field is refused by load, naming the tokenizer', () => {
    const m = net();
    m.tokenizer = data.charTokenizer('abc');
    const saved = m.save();
    const edit = (t: unknown) => {
      const s = { topology: JSON.parse(JSON.stringify(saved.topology)), weights: saved.weights.slice(0) };
      s.topology.tokenizer = t;
      return reseal(s);
    };
    expect(() => Sequential.load(edit({ kind: 'char', vocab: ['c', 'a'] }))).toThrow(/cannot load model: the tokenizer: the vocabulary must be sorted by code point/);
    expect(() => Sequential.load(edit({ kind: 'word', vocab: ['a'] }))).toThrow(/cannot load model: the tokenizer: kind must be 'char'/);
    expect(() => Sequential.load(edit('abc'))).toThrow(/cannot load model: the tokenizer takes \{ kind: 'char'/);
    // Without resealing, the checksum catches any edit first.
    const raw = { topology: JSON.parse(JSON.stringify(saved.topology)), weights: saved.weights.slice(0) };
    raw.topology.tokenizer.vocab[0] = 'A';
    expect(() => Sequential.load(raw)).toThrow(/topology does not match its checksum/);
    m.dispose();
  });
});
