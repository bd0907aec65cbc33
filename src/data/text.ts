// Text for character models: a UTF-8 file (refused when it is not UTF-8), and fortune files
// (strfile's source format, as Debian's fortunes package ships them in /usr/share/games/fortunes:
// entries separated by lines holding only '%').

async function fileSystem(what: string): Promise<{ readFile(p: string): Promise<Uint8Array>; readdir(p: string): Promise<string[]>; stat(p: string): Promise<{ isDirectory(): boolean }> }> {
  // Not a static import: the core entry runs in browsers and Workers, which have no file system.
  const fsName = 'node:fs/promises';
  try {
    return await import(/* @vite-ignore */ fsName);
  } catch {
    throw new TypeError(`wasmnn: ${what}(path) reads files in Node and Deno; here, fetch the text yourself`);
  }
}

/** Decodes UTF-8 bytes; `what` names them in the error for bytes that are not UTF-8. */
export function decodeText(bytes: Uint8Array, what = 'the text'): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    let at = 0;
    // The first byte that does not start or continue a valid sequence, for the message.
    for (let lo = 0, hi = bytes.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid + 1), { stream: true });
        lo = mid + 1;
        at = lo;
      } catch {
        hi = mid;
      }
    }
    // A lead byte before `at` whose character `at` should have continued is where it went wrong.
    let lead = at;
    while (lead > 0 && at - lead < 3 && (bytes[lead - 1] & 0xc0) === 0x80) lead--;
    lead = lead > 0 && bytes[lead - 1] >= 0xc0 ? lead - 1 : at;
    const byte = (i: number) => `byte ${i} (0x${bytes[i].toString(16).padStart(2, '0')})`;
    const where = at >= bytes.length ? 'it ends inside a character' : lead < at ? `${byte(lead)} starts a character that ${byte(at)} does not continue` : `${byte(at)} does not start a character`;
    throw new RangeError(`wasmnn: ${what} is not UTF-8: ${where} (convert it first, e.g. iconv -f latin1 -t utf-8)`);
  }
}

/** A UTF-8 text file's contents (Node, Deno). @example const text = await data.loadText('input.txt'); */
export async function loadText(path: string): Promise<string> {
  if (typeof path !== 'string') throw new TypeError(`wasmnn: loadText takes a path`);
  const fs = await fileSystem('loadText');
  return decodeText(new Uint8Array(await fs.readFile(path)), `'${path}'`);
}

/** The entries of a fortune file's text: what lies between lines of '%', each without its last newline; empty entries dropped. */
export function parseFortunes(text: string): string[] {
  if (typeof text !== 'string') throw new TypeError('wasmnn: parseFortunes takes the text of a fortune file');
  const out: string[] = [];
  for (const entry of text.replace(/\r\n/g, '\n').split(/^%$/m)) {
    const e = entry.replace(/^\n/, '').replace(/\n$/, '');
    if (e.trim() !== '') out.push(e);
  }
  return out;
}

/**
 * Fortune entries from a file, or from every fortune file of a directory (those with a strfile
 * index `NAME.dat` beside them; the `.u8` links and the indexes themselves are skipped), in name order.
 * @example const quotes = await data.loadFortunes('/usr/share/games/fortunes'); // Debian: apt-get install fortunes
 */
export async function loadFortunes(path: string): Promise<string[]> {
  if (typeof path !== 'string') throw new TypeError('wasmnn: loadFortunes takes a path (a fortune file or a directory of them)');
  const fs = await fileSystem('loadFortunes');
  if (!(await fs.stat(path)).isDirectory()) return parseFortunes(await loadText(path));
  const names = (await fs.readdir(path)).sort();
  const files = names.filter((n) => !n.endsWith('.dat') && !n.endsWith('.u8') && names.includes(`${n}.dat`));
  if (files.length === 0) throw new RangeError(`wasmnn: loadFortunes: '${path}' holds no fortune files (a file NAME with its index NAME.dat beside it)`);
  const out: string[] = [];
  for (const f of files) out.push(...parseFortunes(await loadText(`${path.replace(/\/$/, '')}/${f}`)));
  return out;
}
