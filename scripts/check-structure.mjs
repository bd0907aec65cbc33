// The structure of src/: no import circle (static, type-only, re-exports and dynamic import()
// all count) and no TypeScript file over the line limit. `node scripts/check-structure.mjs [dir]`
// prints what it finds and exits 1 on any finding; test/structure runs it on src/ and on trees
// made to fail.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAX_LINES = 300;

// import x from '...', import type {...} from '...', export {...} from '...', import '...', import('...').
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g;

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...tsFiles(p));
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out.sort();
}

/** The files under `root` that `file` imports (relative specifiers only; './x.js' is './x.ts'). */
function importsOf(file, text) {
  const deps = new Set();
  for (const m of text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '').matchAll(SPECIFIER)) {
    const spec = m[1];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    if (existsSync(target)) deps.add(target);
    else if (existsSync(join(target, 'index.ts'))) deps.add(join(target, 'index.ts'));
  }
  return [...deps].sort();
}

/** Every elementary circle's smallest rotation, found once (Tarjan's components, then a walk in each). */
function circles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), onStack = new Set(), stack = [], comps = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v)) comps.push(comp);
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  // One shortest circle through each component's first file names the problem well enough.
  return comps.map((comp) => {
    const inComp = new Set(comp);
    const start = comp.slice().sort()[0];
    const prev = new Map([[start, null]]);
    const queue = [start];
    while (queue.length) {
      const v = queue.shift();
      for (const w of graph.get(v) ?? []) {
        if (!inComp.has(w)) continue;
        if (w === start) {
          const path = [];
          for (let u = v; u !== null; u = prev.get(u)) path.unshift(u);
          return [...path, start];
        }
        if (!prev.has(w)) {
          prev.set(w, v);
          queue.push(w);
        }
      }
    }
    return comp;
  });
}

/** { circles: [[file, ..., file]], long: [{ file, lines }] } for the .ts files under root. */
export function checkStructure(root, maxLines = MAX_LINES) {
  const files = tsFiles(root);
  const graph = new Map();
  const long = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    graph.set(f, importsOf(f, text));
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > maxLines) long.push({ file: relative(root, f), lines });
  }
  return { files: files.length, circles: circles(graph).map((c) => c.map((f) => relative(root, f))), long };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', 'src'));
  const r = checkStructure(root);
  for (const c of r.circles) console.log(`import circle: ${c.join(' -> ')}`);
  for (const l of r.long) console.log(`over ${MAX_LINES} lines: ${l.file} (${l.lines})`);
  console.log(`${r.files} files, ${r.circles.length} circles, ${r.long.length} over ${MAX_LINES} lines`);
  process.exit(r.circles.length || r.long.length ? 1 : 0);
}
