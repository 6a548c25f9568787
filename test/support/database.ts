import { Db, MongoClient } from 'mongodb';
import { servers } from './test-env';

let client: MongoClient | null = null;

/** The engine's database, read directly by tests to check what was stored. */
export async function testDb(): Promise<Db> {
  client ??= await MongoClient.connect(servers.mongoUri, { serverSelectionTimeoutMS: 10_000 });
  return client.db();
}

/** The database of derived data (conversation summaries): the main one's name + `_derived`. */
export async function testDerivedDb(): Promise<Db> {
  const main = await testDb();
  return client!.db(`${main.databaseName}_derived`);
}

export async function closeTestDb(): Promise<void> {
  await client?.close();
  client = null;
}

/** Polls until check() returns a truthy value, or fails with the last value after timeoutMs. */
export async function eventually<T>(
  check: () => Promise<T | null | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | null | undefined | false;
  for (;;) {
    last = await check();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
