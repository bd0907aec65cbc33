// A static file server for the project's own files on loopback: the playground and the browser tests.
import { createServer } from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.wasm': 'application/wasm', '.svg': 'image/svg+xml', '.json': 'application/json', '.csv': 'text/csv' };

/**
 * The headers that make a page cross-origin isolated (`crossOriginIsolated`), which browsers ask
 * before they give it SharedArrayBuffer, and so wasmnn's threads.
 */
export const ISOLATION_HEADERS = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' };

/**
 * Serves `root` on 127.0.0.1:`port` (0 picks a free port); resolves to { server, port, url }.
 * Every answer carries ISOLATION_HEADERS unless `isolated` is false.
 */
export function serve(root = process.cwd(), port = 0, { isolated = true } = {}) {
  const base = resolve(root);
  const policy = isolated ? ISOLATION_HEADERS : {};
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0])).replace(/^[/\\]+/, '');
    let file = join(base, path);
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!file.startsWith(base) || !existsSync(file)) {
      res.writeHead(404, policy).end('not found');
      return;
    }
    res.writeHead(200, { ...policy, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(readFileSync(file));
  });
  return new Promise((ok) => server.listen(port, '127.0.0.1', () => {
    const p = server.address().port;
    ok({ server, port: p, url: `http://127.0.0.1:${p}/` });
  }));
}
