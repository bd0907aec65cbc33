// The module graph of the compiled library (dist/, where type-only imports are gone): no import
// cycle (static or dynamic) runs through src/interop, and the core entry does not load the ONNX
// code (onnx-proto's schema) statically: model.toOnnx() imports it on first use.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const DIST = resolve('dist');

interface Edge { to: string; dynamic: boolean }

function graph(): Map<string, Edge[]> {
  const g = new Map<string, Edge[]>();
  const walk = (dir: string) => {
    for (const f of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, f.name);
      if (f.isDirectory()) walk(p);
      else if (f.name.endsWith('.js')) {
        const src = readFileSync(p, 'utf8');
        const edges: Edge[] = [];
        const add = (spec: string, dynamic: boolean) => edges.push({ to: spec.startsWith('.') ? relative(DIST, resolve(dirname(p), spec)) : spec, dynamic });
        for (const m of src.matchAll(/^\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/gm)) add(m[1], false);
        for (const m of src.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm)) add(m[1], false);
        for (const m of src.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g)) add(m[1], true);
        g.set(relative(DIST, p), edges);
      }
    }
  };
  walk(DIST);
  return g;
}

/** Every cycle (as a list of modules) found by a depth-first search over all edges. */
function cycles(g: Map<string, Edge[]>): string[][] {
  const out: string[][] = [];
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (m: string) => {
    state.set(m, 1);
    stack.push(m);
    for (const e of g.get(m) ?? []) {
      if (!g.has(e.to)) continue;
      if (state.get(e.to) === 1) out.push([...stack.slice(stack.indexOf(e.to)), e.to]);
      else if (!state.has(e.to)) visit(e.to);
    }
    stack.pop();
    state.set(m, 2);
  };
  for (const m of g.keys()) if (!state.has(m)) visit(m);
  return out;
}

function staticClosure(g: Map<string, Edge[]>, root: string): Set<string> {
  const seen = new Set<string>([root]);
  const todo = [root];
  while (todo.length) for (const e of g.get(todo.pop()!) ?? []) if (!e.dynamic && !seen.has(e.to)) (seen.add(e.to), todo.push(e.to));
  return seen;
}

describe('module graph', () => {
  const g = graph();

  it('no import cycle passes through interop/ (model/ and interop/ import each other one way)', () => {
    expect(g.size).toBeGreaterThan(50);
    expect(g.get('model/model.js')!.map((e) => e.to)).toContain('interop/onnx-export.js');
    expect(cycles(g).filter((c) => c.some((m) => m.startsWith('interop/')))).toEqual([]);
  });

  it('the core entries load no ONNX code statically; wasmnn/onnx does', () => {
    for (const entry of ['index.js', 'node.js', 'browser.js', 'deno.js', 'workerd.js']) {
      const reach = [...staticClosure(g, entry)];
      expect(reach, entry).toContain('model/model.js');
      expect(reach.filter((m) => m.includes('onnx')), entry).toEqual([]);
    }
    expect([...staticClosure(g, 'interop/onnx.js')]).toContain('onnx-proto');
  });
});
