// npm run playground: serves the training playground on 127.0.0.1 (PORT, default 8787), cross-origin
// isolated (COOP/COEP headers) so that its worker gets wasmnn's threads; `-- --not-isolated` serves
// it without them (one thread).
import { serve } from './static-server.mjs';

const isolated = !process.argv.includes('--not-isolated');
const { url } = await serve(process.cwd(), Number(process.env.PORT ?? 8787), { isolated });
console.log(`wasmnn playground: ${url}playground/  (${isolated ? 'cross-origin isolated' : 'not cross-origin isolated: one thread'}; Ctrl-C to stop)`);
