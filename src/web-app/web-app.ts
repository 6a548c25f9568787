import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { static as serveStatic } from 'express';

/** Where the app is served. */
export const WEB_APP_PATH = '/app';

/** Where `npm run build` puts the web chat client (web/, built by Vite): dist/web beside dist/src. */
export const WEB_APP_DIR = join(__dirname, '..', '..', 'web');

/**
 * The web chat client (docs/web-client.md) as static files at /app, with the engine's security
 * headers (useSecurityHeaders runs first). Public: the page holds no data; it signs in and calls
 * the user API and the broker with the user's own token. Hashed asset names never change, so they
 * are cached for good; index.html is revalidated so a new build shows at once.
 */
export function serveWebApp(app: NestExpressApplication, dir = WEB_APP_DIR): void {
  if (!existsSync(join(dir, 'index.html'))) {
    new Logger('WebApp').warn({ dir }, 'the web app is not built (npm run build): nothing is served at /app');
    return;
  }
  app.use(
    WEB_APP_PATH,
    serveStatic(dir, {
      index: 'index.html',
      setHeaders: (res, path) => res.setHeader('Cache-Control', path.endsWith('.html') ? 'no-cache' : 'public, max-age=31536000, immutable'),
    }),
  );
}
