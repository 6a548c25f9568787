// The web chat client (docs/web-client.md): built by `npm run build` into dist/web, which the
// engine serves at /app. `npx vite -c web/vite.config.mts` serves it for development, with the
// engine's API proxied from the engine on port 3000.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const lib = (name: string) => fileURLToPath(new URL(`../libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  // The SDK and the wire contract, from source: the same path aliases as the engine's tsconfig.
  resolve: { alias: { '@app/client': lib('client'), '@app/protocol': lib('protocol'), '@app/backoff': lib('backoff') } },
  build: { outDir: '../dist/web', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { proxy: { '/v1': 'http://127.0.0.1:3000' } },
});
