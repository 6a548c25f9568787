import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * helmet's security headers on every HTTP answer, and no `x-powered-by`. Its defaults, but for:
 * - no `upgrade-insecure-requests`: the engine speaks plain HTTP (TLS, if any, ends at a proxy),
 *   so a browser told to upgrade would fetch the Swagger UI's scripts from an https:// that is not
 *   there. The UI itself fits the default policy: its scripts are files served from /docs, its
 *   inline <style> is allowed by style-src.
 * - no `strict-transport-security`: the same reason; HSTS is for whoever terminates TLS.
 */
export function useSecurityHeaders(app: INestApplication): void {
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
      strictTransportSecurity: false,
    }),
  );
}
