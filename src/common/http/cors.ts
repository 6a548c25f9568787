import type { INestApplication } from '@nestjs/common';
import type { CorsOptions, CorsOptionsDelegate } from '@nestjs/common/interfaces/external/cors-options.interface';
import type { Request } from 'express';
import { USER_PREFIX } from './admin-route';

/**
 * CORS for the user API only (CORS_ORIGINS; empty: off, the default): a page of one of these
 * origins may call /v1/... with the user's token in the Authorization header (no cookies are
 * involved, so no credentials mode). The admin API never answers a cross-origin request: its
 * credential does not belong in a browser.
 */
export function corsOptions(origins: string[]): CorsOptionsDelegate<Request> {
  const off: CorsOptions = { origin: false };
  const on: CorsOptions = {
    origin: origins,
    methods: ['GET', 'PUT', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['Retry-After', 'Location', 'WWW-Authenticate', 'x-request-id'],
    maxAge: 600,
  };
  const userApi = `/${USER_PREFIX.split('/')[0]}/`;
  return (req, callback) => callback(null, origins.length > 0 && (req.originalUrl ?? req.url).startsWith(userApi) ? on : off);
}

export function useCors(app: INestApplication, origins: string[]): void {
  app.enableCors(corsOptions(origins));
}
