// Text loading: UTF-8 files (and bytes that are not UTF-8 refused at the byte), fortune files
// (strfile's '%'-separated entries, a directory of them) written here by hand, the built-in
// Genesis text, and Debian's fortunes package when it is installed.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { data } from 'wasmnn';

const dir = () => mkdtempSync(join(tmpdir(), 'wasmnn-text-'));

describe('loadText and decodeText', () => {
  it('reads a UTF-8 file as its text', async () => {
    const d = dir();
    try {
      writeFileSync(join(d, 'a.txt'), 'naïve café \u{1F600}\n');
      expect(await data.loadText(join(d, 'a.txt'))).toBe('naïve café \u{1F600}\n');
    } finally {
      rmSync(d, { recursive: true });
    }
  });

  it('refuses bytes that are not UTF-8, naming the first bad byte', () => {
    // 'caf' then Latin-1's é (0xe9) then 'x': 0xe9 starts a 3-byte sequence that 'x' does not continue.
    expect(() => data.decodeText(Uint8Array.of(0x63, 0x61, 0x66, 0xe9, 0x78), "'f.txt'")).toThrow(/'f.txt' is not UTF-8: byte 3 \(0xe9\) starts a character that byte 4 \(0x78\) does not continue/);
    expect(() => data.decodeText(Uint8Array.of(0x61, 0xff))).toThrow(/byte 1 \(0xff\) does not start a character/);
    expect(() => data.decodeText(Uint8Array.of(0x61, 0xe2, 0x82))).toThrow(/ends inside a character/);
    expect(data.decodeText(Uint8Array.of(0xe2, 0x82, 0xac))).toBe('€');
  });
});

describe('fortune files', () => {
  it("parseFortunes: the text between lines of '%', each without its last newline, empty entries dropped", () => {
    const text = 'A fool and his money.\n%\nTwo lines,\n\tindented.\n%\n%\nLast, with 100% in it\n%\n';
    expect(data.parseFortunes(text)).toEqual(['A fool and his money.', 'Two lines,\n\tindented.', 'Last, with 100% in it']);
    expect(data.parseFortunes('one\r\n%\r\ntwo\r\n')).toEqual(['one', 'two']);
    expect(data.parseFortunes('no separator at all')).toEqual(['no separator at all']);
  });

  it('loadFortunes reads a file, or every fortune file of a directory (those with a .dat beside them) in name order', async () => {
    const d = dir();
    try {
      writeFileSync(join(d, 'b'), 'b1\n%\nb2\n%\n');
      writeFileSync(join(d, 'b.dat'), Uint8Array.of(0, 0, 0, 2));
      symlinkSync('b', join(d, 'b.u8'));
      writeFileSync(join(d, 'a'), 'a1\n%\n');
      writeFileSync(join(d, 'a.dat'), Uint8Array.of(0, 0, 0, 1));
      writeFileSync(join(d, 'README'), 'not a fortune file: no README.dat');
      expect(await data.loadFortunes(d)).toEqual(['a1', 'b1', 'b2']);
      expect(await data.loadFortunes(join(d, 'b'))).toEqual(['b1', 'b2']);
      const empty = dir();
      await expect(data.loadFortunes(empty)).rejects.toThrow(/holds no fortune files/);
      rmSync(empty, { recursive: true });
    } finally {
      rmSync(d, { recursive: true });
    }
  });

  const FORTUNES = '/usr/share/games/fortunes';
  it.skipIf(!existsSync(join(FORTUNES, 'fortunes.dat')))("Debian's fortunes package: thousands of entries, millions of characters, a vocabulary of about a hundred", async () => {
    const quotes = await data.loadFortunes(FORTUNES);
    expect(quotes.length).toBeGreaterThan(10_000);
    const text = quotes.join('\n\n');
    expect(text.length).toBeGreaterThan(2_000_000);
    expect(quotes.some((q) => /^%$/m.test(q))).toBe(false);
    const tok = data.charTokenizer(text);
    expect(tok.vocabSize).toBeGreaterThan(90);
    expect(tok.decode(tok.encode(quotes[0]))).toBe(quotes[0]);
  });
});

describe('the built-in text', () => {
  it("loadBuiltin('genesis'): Genesis 1-3 (KJV), one verse a line", async () => {
    const text = await data.loadBuiltin('genesis');
    expect(text.length).toBe(10_597);
    expect(text.split('\n')[0]).toBe('In the beginning God created the heaven and the earth.');
    expect(text.trimEnd().split('\n').length).toBe(80); // 31 + 25 + 24 verses
    expect(data.charTokenizer(text).vocabSize).toBeLessThan(64);
    await expect(data.loadBuiltin('toString' as never)).rejects.toThrow(/no built-in data set 'toString'; known: moons, diabetes, digits, genesis/);
  });
});
