import { randomBytes } from 'node:crypto';
import mqtt, { MqttClient } from 'mqtt';
import type { PresenceNotice, PresenceResult } from '@app/protocol';
import { collectInbox, Inbox, layout, userToken } from './broker';
import { servers, TEST_STACK } from './test-env';

export const WS_URL = `ws://127.0.0.1:${TEST_STACK.STACK_WS_MQTT_PORT}/ws`;

/** Registers a user through the admin API; returns the id. */
export { registerUser as register } from './sdk-users';

export interface Device {
  client: MqttClient;
  clientId: string;
  /** Resolves when the connection closed. */
  closed: Promise<void>;
}

/** Connects a device of the user (own token unless given), no auto-reconnect. */
export async function device(
  user: string,
  options: { url?: string; clientId?: string; username?: string; token?: string; keepalive?: number } = {},
): Promise<Device> {
  const clientId = options.clientId ?? `${user}~${randomBytes(4).toString('hex')}`;
  const client = mqtt.connect(options.url ?? servers.mqttUrl, {
    username: options.username ?? user,
    password: options.token ?? userToken(user),
    clientId,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    keepalive: options.keepalive ?? 30,
  });
  client.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    void closed.then(() => reject(new Error(`${clientId}: closed before CONNACK`)));
  });
  return { client, clientId, closed };
}

/** A connected watcher: what it was told about whom, and when. */
export interface Watcher {
  id: string;
  device: Device;
  inbox: Inbox;
  /** Every presence notice received, in order, with the time it arrived. */
  notices(user?: string): Array<PresenceNotice & { at: number }>;
  /** The statuses received for a user, in order. */
  statuses(user: string): string[];
  results(): PresenceResult[];
  /** Publishes a watch list and waits for its result. */
  watch(users: string[], commandId?: string): Promise<PresenceResult>;
  /** Publishes a status command and waits for its result. */
  setStatus(body: Record<string, unknown>): Promise<PresenceResult>;
  /** Resolves with the arrival time of the first notice for `user` with `status` after `since` (default: any). */
  waitFor(user: string, status: string, timeoutMs?: number, since?: number): Promise<number>;
}

let commands = 0;

export async function watcher(id: string, options: Parameters<typeof device>[1] = {}): Promise<Watcher> {
  const d = await device(id, options);
  const arrivals: Array<PresenceNotice & { at: number }> = [];
  d.client.on('message', (topic, payload) => {
    if (layout.parse(topic)?.kind === 'presence-updated') arrivals.push({ ...(JSON.parse(payload.toString()) as PresenceNotice), at: Date.now() });
  });
  const inbox = await collectInbox(d.client, id);
  const results = () => inbox.messages.filter((m) => m.topic === layout.presenceResult(id)).map((m) => m.payload as unknown as PresenceResult);
  const ask = async (topic: string, body: Record<string, unknown>): Promise<PresenceResult> => {
    const commandId = (body.command_id as string | undefined) ?? `c${++commands}`;
    await d.client.publishAsync(topic, JSON.stringify({ command_id: commandId, ...body }), { qos: 1 });
    const [hit] = await inbox.waitFor(1, (m) => m.topic === layout.presenceResult(id) && m.payload.command_id === commandId, 10_000);
    return hit.payload as unknown as PresenceResult;
  };
  const notices = (user?: string) => arrivals.filter((n) => user === undefined || n.user === user);
  return {
    id,
    device: d,
    inbox,
    notices,
    statuses: (user) => notices(user).map((n) => n.status),
    results,
    watch: (users, commandId) => ask(layout.presenceWatch(id), { users, ...(commandId && { command_id: commandId }) }),
    setStatus: (body) => ask(layout.presenceCommand(id), body),
    async waitFor(user, status, timeoutMs = 10_000, since = 0) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = notices(user).find((n) => n.status === status && n.at >= since);
        if (hit) return hit.at;
        if (Date.now() > deadline) throw new Error(`${id} saw no "${status}" of ${user} within ${timeoutMs} ms (saw ${JSON.stringify(notices(user).map((n) => n.status))})`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
