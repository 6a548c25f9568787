/** What POST /v1/me/token answers (the engine's BrokerTokenResponse), as far as the SDK reads it. */
export interface RefreshedToken {
  token: string;
  /** When it expires, ms since the epoch. */
  expires_at: number;
  expires_in: number;
}

/** A refresh the engine refused: `status` 401 with `code` UNAUTHORIZED (expired or invalid token) or USER_DISABLED, 429 RATE_LIMITED... */
export class TokenRefreshError extends Error {
  override readonly name = 'TokenRefreshError';

  constructor(
    readonly status: number,
    readonly code: string,
    readonly reason: string,
  ) {
    super(`token refresh refused: ${status} ${code}: ${reason}`);
  }
}

export interface TokenRefresher {
  /** Trades the latest token for a fresh one (POST /v1/me/token); use it as `getToken`. */
  (): Promise<string>;
  /** The latest token (the one given, then each fresh one). */
  readonly token: string;
  /** When the latest token expires (ms since the epoch), once one was refreshed; else undefined. */
  readonly expiresAt: number | undefined;
}

export interface TokenRefreshOptions {
  /** The fetch to use (default: the global one, in Node 18+ and browsers). */
  fetch?: typeof fetch;
}

/**
 * A `getToken` for `connect()` that refreshes through the engine's user API: each call trades the
 * latest token for a fresh one with the same grants and lifetime (docs/user-api.md#token-refresh).
 * The token traded must still be valid: call it before `expiresAt` (the SDK calls it before every
 * reconnect; an app that stays connected calls it itself, e.g. at three quarters of the lifetime).
 *
 * ```ts
 * const getToken = refreshTokenFrom('https://chat.example.com', token);
 * const chat = await connect({ url, userId, token, getToken });
 * ```
 */
export function refreshTokenFrom(baseUrl: string, token: string, options: TokenRefreshOptions = {}): TokenRefresher {
  const url = `${baseUrl.replace(/\/+$/, '')}/v1/me/token`;
  let latest = token;
  let expiresAt: number | undefined;
  let inFlight: Promise<string> | null = null;

  const refresh = async (): Promise<string> => {
    const doFetch = options.fetch ?? globalThis.fetch;
    const res = await doFetch(url, { method: 'POST', headers: { authorization: `Bearer ${latest}` } });
    const body = (await res.json().catch(() => ({}))) as Partial<RefreshedToken> & { code?: string; message?: string };
    if (!res.ok) throw new TokenRefreshError(res.status, body.code ?? `HTTP_${res.status}`, body.message ?? res.statusText);
    if (typeof body.token !== 'string' || !body.token) throw new TokenRefreshError(res.status, 'INVALID_RESPONSE', 'the answer holds no token');
    latest = body.token;
    expiresAt = body.expires_at;
    return latest;
  };

  // Calls at the same moment share one request: the second would trade a token the first replaced (still valid, but wasteful).
  const refresher = () => (inFlight ??= refresh().finally(() => (inFlight = null)));
  return Object.defineProperties(refresher, {
    token: { get: () => latest },
    expiresAt: { get: () => expiresAt },
  }) as TokenRefresher;
}
