import { readFileSync } from 'node:fs';
import { connect, credentials } from 'amqplib';
import mongoose from 'mongoose';
import { newMessageId, pairKey } from '@app/protocol';
import { inBatches } from '../load/path-driver';
import { LocalStack } from './local-stack';

/**
 * One call to the engine's admin API with its admin key; a 429 is waited out as its Retry-After
 * says, a 401 or 403 says which key to set. Returns the response of any other status.
 */
async function adminCall(engineUrl: string, adminApiKey: string | undefined, method: string, path: string, body: unknown, timeoutMs = 30_000): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (adminApiKey) headers.authorization = `Bearer ${adminApiKey}`;
  for (;;) {
    const res = await fetch(`${engineUrl}/admin/v1/${path}`, { method, headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
      continue;
    }
    if (res.status === 401 || res.status === 403) {
      throw new Error(`the engine refused the admin API call (${res.status}): set ADMIN_API_KEY (environment or .env) to the engine's admin key`);
    }
    return res;
  }
}

/** A GET of the admin API (path below /admin/v1/) and its JSON body; throws on any status but 200. */
export async function adminGet<T>(engineUrl: string, adminApiKey: string | undefined, path: string): Promise<T> {
  const res = await adminCall(engineUrl, adminApiKey, 'GET', path, undefined);
  if (res.status !== 200) throw new Error(`GET /admin/v1/${path}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return (await res.json()) as T;
}

/**
 * Registers the bench's users through the engine's admin API (with its admin key), so the engine
 * path runs with the default policy (recipients must be registered). An engine without the
 * endpoint is reported, not fatal: it may not require registration.
 */
export async function registerUsers(
  engineUrl: string,
  adminApiKey: string | undefined,
  userIds: readonly string[],
  log: (line: string) => void,
): Promise<void> {
  let missing = false;
  await inBatches(userIds, 10, async (id) => {
    if (missing) return;
    const res = await adminCall(engineUrl, adminApiKey, 'PUT', `users/${encodeURIComponent(id)}`, { display_name: id });
    if (res.status === 404) missing = true;
    else if (!res.ok) throw new Error(`registering ${id} failed: ${res.status} ${(await res.text()).slice(0, 200)}`);
  });
  if (missing) log('the engine has no user admin API: users not registered');
}

/**
 * A user's unread count per conversation (`peer` -> `unread_count`) from the admin API's
 * conversation list (`GET /admin/v1/users/{id}/conversations`), every page of it.
 */
export async function unreadCounts(engineUrl: string, adminApiKey: string | undefined, userId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let cursor: string | null = null;
  do {
    const query: string = `limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    // Counting unread messages scans them on FerretDB's SQLite backend: seconds at tens of thousands.
    const res = await adminCall(engineUrl, adminApiKey, 'GET', `users/${encodeURIComponent(userId)}/conversations?${query}`, undefined, 180_000);
    if (!res.ok) throw new Error(`listing ${userId}'s conversations failed: ${res.status} ${(await res.text()).slice(0, 200)}`);
    const page = (await res.json()) as { items: Array<{ peer: string; unread_count: number }>; next_cursor: string | null };
    for (const item of page.items) counts.set(item.peer, item.unread_count);
    cursor = page.next_cursor;
  } while (cursor);
  return counts;
}

/** A group to create: its id, and its members (the first is the owner). */
export interface GroupToCreate {
  groupId: string;
  members: readonly string[];
}

/**
 * Creates the bench's groups through the admin API (`POST /admin/v1/groups`), each with all its
 * members in the one call. Unlike users, groups are the load itself: an engine without the
 * endpoint, or one that refuses a group, stops the run.
 */
export async function createGroups(engineUrl: string, adminApiKey: string | undefined, groups: readonly GroupToCreate[]): Promise<void> {
  await inBatches(groups, 4, async ({ groupId, members }) => {
    const body = { group_id: groupId, name: groupId, owner: members[0], members: members.slice(1) };
    const res = await adminCall(engineUrl, adminApiKey, 'POST', 'groups', body);
    if (res.status === 404) throw new Error('the engine has no group admin API (POST /admin/v1/groups): it cannot run the fan-out scenario');
    if (!res.ok) {
      throw new Error(
        `creating ${groupId} (${members.length} members) failed: ${res.status} ${(await res.text()).slice(0, 300)}` +
          ' (a member limit? raise it with --engine-env)',
      );
    }
  });
}

/** Empties the bench database, so every run starts from the same (empty) collections. */
export async function dropDatabase(uri: string): Promise<void> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    await conn.dropDatabase();
    await conn.useDb(`${conn.name}_derived`).dropDatabase();
  } finally {
    await conn.close();
  }
}

/**
 * Deletes the engine's queues on the bench's broker node (messages, dead letters, presence), so a
 * run never starts behind what an earlier run left unprocessed (a run whose engine fell behind leaves its backlog in the durable
 * queue, and the next engine would work through it first). The engine declares them again. It
 * logs in as the engine does: AMQP over TLS with the stack's engine certificate (SASL EXTERNAL).
 */
export async function deleteEngineQueues(stack: Pick<LocalStack, 'env' | 'tls'>, engineEnv: Record<string, string>): Promise<void> {
  const conn = await connect(
    { protocol: 'amqps', hostname: '127.0.0.1', port: Number(stack.env.STACK_AMQP_PORT) },
    {
      ca: readFileSync(stack.tls.caFile),
      cert: readFileSync(stack.tls.certFile),
      key: readFileSync(stack.tls.keyFile),
      credentials: credentials.external(),
    },
  );
  try {
    const channel = await conn.createChannel();
    const engineQueue = engineEnv.ENGINE_QUEUE ?? 'messaging-engine.outgoing';
    // The presence queue (`{ENGINE_QUEUE}.presence`) too: an earlier run's connection events would
    // otherwise be applied first, and the database they refer to is gone.
    for (const queue of [engineQueue, engineEnv.DEAD_LETTER_QUEUE ?? 'messaging-engine.dead-letter', `${engineQueue}.presence`]) {
      await channel.deleteQueue(queue);
    }
  } finally {
    await conn.close();
  }
}

/** The engine's default APP_ID, which preloaded messages belong to unless --engine-env sets another. */
const DEFAULT_APP_ID = 'tilechat';
const PRELOAD_BATCH = 1000;
const PRELOAD_USERS = 100;

/**
 * Inserts `count` messages straight into the engine's messages collection, shaped as the engine
 * stores a direct message (ULID ids in time order, 100 users in pairs, a distinct dedupe key
 * each), dated over the last `count` x 5 ms. Only the messages collection is filled: no
 * conversation summaries. The engine creates its indexes over them when it starts.
 */
export async function preloadMessages(uri: string, count: number, appId = DEFAULT_APP_ID, log: (line: string) => void = () => undefined): Promise<void> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  const tag = Date.now().toString(36);
  const text = 'preloaded message '.padEnd(100, 'x');
  const start = Date.now() - count * 5;
  try {
    const messages = conn.db!.collection('messages');
    for (let first = 0; first < count; first += PRELOAD_BATCH) {
      const docs = [];
      for (let i = first; i < Math.min(count, first + PRELOAD_BATCH); i++) {
        const from = i % PRELOAD_USERS;
        const sender = `preload-${tag}-${from}`;
        const recipient = `preload-${tag}-${from ^ 1}`;
        const timestamp = start + i * 5;
        const clientMessageId = `preload-${tag}-${i}`;
        docs.push({
          _id: newMessageId(timestamp),
          app_id: appId,
          pair: pairKey(sender, recipient),
          sender,
          recipient,
          type: 'text',
          text,
          client_message_id: clientMessageId,
          dedupe_key: `${sender}:${clientMessageId}`,
          sender_fullname: sender,
          timestamp,
        });
      }
      await messages.insertMany(docs as unknown as mongoose.mongo.OptionalId<mongoose.mongo.Document>[], { ordered: false });
      if ((first / PRELOAD_BATCH) % 10 === 9) log(`preloaded ${(first + docs.length).toLocaleString('en-US')} of ${count.toLocaleString('en-US')} messages`);
    }
  } finally {
    await conn.close();
  }
}

/**
 * The stored read positions (`read_state` `_id` `app:owner:peer` -> `read_up_to`) of the given
 * conversations, from the database of derived data (the engine's MONGODB_DERIVED_DB, by default
 * the main database's name + `_derived`).
 */
export async function readPositions(uri: string, engineEnv: Record<string, string>, ids: readonly string[]): Promise<Map<string, string | undefined>> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const derived = conn.useDb(engineEnv.MONGODB_DERIVED_DB ?? `${conn.name}_derived`);
    const docs = await derived.db!.collection<{ _id: string; read_up_to?: string }>('read_states').find({ _id: { $in: [...ids] } }, { projection: { read_up_to: 1 } }).toArray();
    return new Map(docs.map((d) => [d._id, d.read_up_to]));
  } finally {
    await conn.close();
  }
}

/** The app the engine stores under: its APP_ID, by default the engine's. */
export function appIdOf(engineEnv: Record<string, string>): string {
  return engineEnv.APP_ID ?? DEFAULT_APP_ID;
}

/** How many messages the bench database holds. */
export async function storedMessages(uri: string): Promise<number> {
  const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    return await conn.db!.collection('messages').estimatedDocumentCount();
  } finally {
    await conn.close();
  }
}
