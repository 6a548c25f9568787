import { MqttClient } from 'mqtt';
import { collectInbox, Inbox, mqttConnect, uid } from './broker';
import { TEST_ADMIN_API_KEY } from './test-env';

export interface ApiReply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export type AdminApi = ReturnType<typeof adminApi>;

/** The Authorization header of an admin call (the test engine's API key unless another credential is given). */
export function adminAuth(credential: string = TEST_ADMIN_API_KEY): Record<string, string> {
  return { authorization: `Bearer ${credential}` };
}

/**
 * The engine's admin REST API (`/admin/v1/...`) with the test admin key, another credential, or
 * none (`null`); a string body is sent as is (for malformed JSON).
 */
export function adminApi(engineUrl: string, credential: string | null = TEST_ADMIN_API_KEY) {
  const auth = credential === null ? {} : adminAuth(credential);
  const call = async (method: string, path: string, body?: unknown): Promise<ApiReply> => {
    const res = await fetch(`${engineUrl}/admin/v1/${path}`, {
      method,
      headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    put: (path: string, body?: unknown) => call('PUT', path, body),
    patch: (path: string, body?: unknown) => call('PATCH', path, body),
    delete: (path: string) => call('DELETE', path),
  };
}

export interface TestUser {
  id: string;
  client: MqttClient;
  inbox: Inbox;
}

/** Registers a new user through the API, then connects them over MQTT and collects their inbox. */
export async function registeredUser(api: AdminApi, name: string, clients: MqttClient[]): Promise<TestUser> {
  const id = uid(name);
  const created = await api.put(`users/${id}`, { display_name: name });
  if (created.status !== 201) throw new Error(`could not register ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const client = await mqttConnect(id);
  clients.push(client);
  return { id, client, inbox: await collectInbox(client, id) };
}
