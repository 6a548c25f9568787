/**
 * The engine's HTTP API as the app uses it: the development sign-in and the user API (`/v1/me`,
 * with the user's own broker token). Errors come back as ApiError, from the engine's error
 * envelope ({ statusCode, code, message }).
 */

/** What the engine answers with a token (BrokerTokenResponse). */
export interface BrokerToken {
  token: string;
  /** ms since the epoch */
  expires_at: number;
  expires_in: number;
  mqtt_urls: string[];
  client_id_prefix: string;
  publish: string[];
  subscribe: string[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Conversation {
  peer: string;
  last_message: { message_id: string; sender: string; text: string; timestamp: number; deleted_at?: number };
  updated_at: number;
  unread_count: number;
  archived: boolean;
}

export interface HistoryMessage {
  message_id: string;
  sender: string;
  recipient: string;
  type: string;
  text: string;
  timestamp: number;
  client_message_id?: string;
  deleted_at?: number;
  receipt?: 'sent' | 'delivered' | 'read';
}

export interface Group {
  group_id: string;
  name: string;
  owner: string;
  members: Array<{ user_id: string; role: string }>;
}

export interface Block {
  blocker: string;
  blocked: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

async function request<T>(method: string, path: string, token?: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'NETWORK', 'the engine cannot be reached');
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!res.ok) {
    const envelope = (parsed ?? {}) as { code?: string; message?: string };
    throw new ApiError(res.status, envelope.code ?? `HTTP_${res.status}`, envelope.message ?? res.statusText);
  }
  return parsed as T;
}

/** POST /v1/dev/sign-in: only on an engine with DEV_SIGN_IN=true (else 404). */
export function devSignIn(userId: string): Promise<BrokerToken> {
  return request<BrokerToken>('POST', '/v1/dev/sign-in', undefined, { userId });
}

const enc = encodeURIComponent;

/** The user API, called with whatever token `token()` gives at the time (it is refreshed). */
export function userApi(token: () => Promise<string>) {
  const call = async <T>(method: string, path: string, body?: unknown) => request<T>(method, `/v1/me${path}`, await token(), body);
  return {
    conversations: () => call<Page<Conversation>>('GET', '/conversations?limit=100'),
    /** Newest first; `cursor` continues to older ones. */
    messages: (peer: string, cursor?: string | null) =>
      call<Page<HistoryMessage>>('GET', `/conversations/${enc(peer)}/messages?order=desc&limit=30${cursor ? `&cursor=${enc(cursor)}` : ''}`),
    groups: () => call<Page<Group>>('GET', '/groups?limit=100'),
    blocks: () => call<Page<Block>>('GET', '/blocks?limit=200'),
    block: (userId: string) => call<unknown>('PUT', `/blocks/${enc(userId)}`),
    unblock: (userId: string) => call<unknown>('DELETE', `/blocks/${enc(userId)}`),
  };
}

export type UserApi = ReturnType<typeof userApi>;
