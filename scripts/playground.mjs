// npm run playground: serves the training playground on 127.0.0.1 (PORT, default 8787).
import { serve } from './static-server.mjs';

const { url } = await serve(process.cwd(), Number(process.env.PORT ?? 8787));
console.log(`wasmnn playground: ${url}playground/  (Ctrl-C to stop)`);
