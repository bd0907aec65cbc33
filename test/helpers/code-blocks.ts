// The ```ts and ```js code blocks of a Markdown text, for running a README as a test. A block right
// after a line `<!-- not run -->` (blank lines between are allowed) is marked skipped.

export interface CodeBlock {
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js';
  code: string;
  skip: boolean;
}

const LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js' };
export const NOT_RUN = '<!-- not run -->';

export function codeBlocks(markdown: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const out: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/.exec(lines[i]);
    if (!open) continue;
    const [, , fence, info] = open;
    let end = i + 1;
    while (end < lines.length && !lines[end].trimStart().startsWith(fence)) end++;
    const lang = LANGS[info.toLowerCase()];
    if (lang) {
      let prev = i - 1;
      while (prev >= 0 && lines[prev].trim() === '') prev--;
      out.push({ line: i + 1, lang, code: lines.slice(i + 1, end).join('\n'), skip: prev >= 0 && lines[prev].trim() === NOT_RUN });
    }
    i = end;
  }
  return out;
}
