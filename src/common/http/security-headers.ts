import type { INestApplication } from '@nestjs/common';
import helmet from 'helmet';

/**
 * helmet's security headers on every HTTP answer, and no `x-powered-by`. Its defaults, but for:
 * - no `upgrade-insecure-requests`: the engine speaks plain HTTP (TLS, if any, ends at a proxy),
 *   so a browser told to upgrade would fetch the Swagger UI's scripts from an https:// that is not
 *   there. The UI itself fits the default policy: its scripts are files served from /docs, its
 *   inline <style> is allowed by style-src. So does the web app at /app (scripts are files).
 * - `connect-src`: the engine itself, plus `connectTo` (the origins of the broker's MQTT over
 *   WebSocket: MQTT_WSS_URL, MQTT_WS_URL), so the web app's own scripts may open the broker's WebSocket, and
 *   nothing else.
 * - `worker-src 'self' blob:`: mqtt.js in a browser runs its keepalive timers in a worker made from
 *   a blob (timers of a background tab are throttled to one a minute, a worker's are not). Only a
 *   script the policy already let run can make such a blob.
 * - no `strict-transport-security`: the same reason; HSTS is for whoever terminates TLS.
 */
export function useSecurityHeaders(app: INestApplication, connectTo: string[] = []): void {
  const origins = connectTo.map((url) => new URL(url).origin);
  app.use(
    helmet({
      contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, connectSrc: ["'self'", ...origins], workerSrc: ["'self'", 'blob:'] } },
      strictTransportSecurity: false,
    }),
  );
}
