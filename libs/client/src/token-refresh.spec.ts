import { refreshTokenFrom, TokenRefreshError } from './token-refresh';

/** A fetch that answers from a list, recording each request. */
function fakeFetch(answers: Array<{ status: number; body: unknown }>) {
  const requests: Array<{ url: string; method?: string; authorization?: string }> = [];
  const fn = jest.fn(async (url: string, init?: RequestInit) => {
    requests.push({ url, method: init?.method, authorization: (init?.headers as Record<string, string>)?.authorization });
    const { status, body } = answers.shift()!;
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { fetch: fn as unknown as typeof fetch, requests };
}

describe('refreshTokenFrom', () => {
  it('trades the latest token for a fresh one at POST /v1/me/token, each time with the one it got last', async () => {
    const { fetch, requests } = fakeFetch([
      { status: 201, body: { token: 't2', expires_at: 2000, expires_in: 60 } },
      { status: 201, body: { token: 't3', expires_at: 3000, expires_in: 60 } },
    ]);
    const getToken = refreshTokenFrom('https://chat.example.com/', 't1', { fetch });
    expect(getToken.token).toBe('t1');
    expect(getToken.expiresAt).toBeUndefined();
    expect(await getToken()).toBe('t2');
    expect(await getToken()).toBe('t3');
    expect(requests).toEqual([
      { url: 'https://chat.example.com/v1/me/token', method: 'POST', authorization: 'Bearer t1' },
      { url: 'https://chat.example.com/v1/me/token', method: 'POST', authorization: 'Bearer t2' },
    ]);
    expect([getToken.token, getToken.expiresAt]).toEqual(['t3', 3000]);
  });

  it('shares one request between calls made at the same moment', async () => {
    const { fetch, requests } = fakeFetch([{ status: 201, body: { token: 't2', expires_at: 2000, expires_in: 60 } }]);
    const getToken = refreshTokenFrom('http://x', 't1', { fetch });
    expect(await Promise.all([getToken(), getToken()])).toEqual(['t2', 't2']);
    expect(requests).toHaveLength(1);
  });

  it("rejects with the engine's status and code, and keeps the token it had", async () => {
    const { fetch } = fakeFetch([
      { status: 401, body: { statusCode: 401, code: 'USER_DISABLED', message: 'user alice is disabled' } },
      { status: 201, body: { nothing: true } },
    ]);
    const getToken = refreshTokenFrom('http://x', 't1', { fetch });
    const refused = await getToken().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenRefreshError);
    expect(refused).toMatchObject({ status: 401, code: 'USER_DISABLED', reason: 'user alice is disabled' });
    await expect(getToken()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    expect(getToken.token).toBe('t1');
  });
});
