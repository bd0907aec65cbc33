// The shape of src/ stays as the model-room issue left it: no import circle (type-only imports,
// re-exports and dynamic import() count) and no TypeScript file over 300 lines. The checker is
// also run on small trees made to fail, so that this test can fail.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
// @ts-expect-error: a plain .mjs script without type declarations
import { checkStructure, MAX_LINES } from '../../scripts/check-structure.mjs';

type Result = { files: number; circles: string[][]; long: { file: string; lines: number }[] };
const check = checkStructure as (root: string, maxLines?: number) => Result;

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'wasmnn-structure-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

describe('the structure of src/', () => {
  it('has no import circle and no file over the line limit', () => {
    const r = check('src');
    expect(r.files).toBeGreaterThan(100);
    expect(r.circles).toEqual([]);
    expect(r.long).toEqual([]);
    expect(MAX_LINES).toBe(300);
  });

  it('finds a circle through a type-only import and one through a dynamic import', () => {
    const root = tree({
      'a/model.ts': "import { b } from '../b/index.js';\nexport const a = 1;\n",
      'b/index.ts': "import type { T } from './types.js';\nexport const b = 2;\n",
      'b/types.ts': "import type { a } from '../a/model.js';\nexport type T = typeof a;\n",
      'c.ts': "export async function f() { return import('./d.js'); }\n",
      'd.ts': "export { f } from './c.js';\n",
      'e.ts': "// import { x } from './c.js'; a comment is no import\nexport const e = 0;\n",
    });
    try {
      const r = check(root);
      expect([...r.circles].sort()).toEqual([
        ['a/model.ts', 'b/index.ts', 'b/types.ts', 'a/model.ts'],
        ['c.ts', 'd.ts', 'c.ts'],
      ]);
    } finally {
      rmSync(root, { recursive: true });
    }
  });

  it('finds a file over the limit and passes one at it', () => {
    const root = tree({ 'long.ts': 'export {};\n'.repeat(MAX_LINES + 1), 'ok.ts': 'export {};\n'.repeat(MAX_LINES) });
    try {
      expect(check(root)).toEqual({ files: 2, circles: [], long: [{ file: 'long.ts', lines: MAX_LINES + 1 }] });
    } finally {
      rmSync(root, { recursive: true });
    }
  });
});
