// Every ```ts / ```js block of README.md runs as written: each is transpiled with TypeScript and run
// in a child Node process from a file inside the package (out/readme/), so `import ... from 'wasmnn'`
// resolves to this package itself (its exports, i.e. the built dist/). A block preceded by a line
// `<!-- not run -->` is skipped.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { codeBlocks, NOT_RUN } from '../helpers/code-blocks.js';

const run = promisify(execFile);
const blocks = codeBlocks(readFileSync('README.md', 'utf8'));

describe('README.md code blocks', () => {
  it('finds the blocks, and the not-run marker, the way the README is written', () => {
    const md = ['```ts', 'a()', '```', NOT_RUN, '', '```js', 'b()', '```', '```sh', 'c', '```', '````typescript', '```', 'd()', '````'].join('\n');
    expect(codeBlocks(md)).toEqual([
      { line: 1, lang: 'ts', code: 'a()', skip: false },
      { line: 6, lang: 'js', code: 'b()', skip: true },
      { line: 12, lang: 'ts', code: '```\nd()', skip: false },
    ]);
    expect(blocks.filter((b) => !b.skip).length).toBeGreaterThanOrEqual(2);
  });

  mkdirSync('out/readme', { recursive: true });
  for (const b of blocks.filter((x) => !x.skip)) {
    it(`runs the ${b.lang} block at README.md line ${b.line}`, async () => {
      const js = b.lang === 'ts' ? ts.transpileModule(b.code, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }, reportDiagnostics: false }).outputText : b.code;
      const file = `out/readme/line-${b.line}.mjs`;
      writeFileSync(file, js);
      try {
        await run(process.execPath, [file], { timeout: 15_000, env: { ...process.env, NO_COLOR: '1' } });
      } catch (e) {
        const err = e as { stderr?: string; message: string };
        expect.fail(`README.md line ${b.line}: ${err.stderr || err.message}`);
      }
    });
  }
});
