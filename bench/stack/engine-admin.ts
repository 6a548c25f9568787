import mongoose from 'mongoose';
import { inBatches } from '../load/path-driver';

/**
 * Registers the bench's users through the engine's admin API, so the engine path runs with the
 * default policy (recipients must be registered). An engine without the endpoint is reported,
 * not fatal: it may not require registration.
 */
export async function registerUsers(engineUrl: string, userIds: readonly string[], log: (line: string) => void): Promise<void> {
  let missing = false;
  await inBatches(userIds, 10, async (id) => {
    if (missing) return;
    const res = await fetch(`${engineUrl}/admin/v1/users/${encodeURIComponent(id)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: id }),
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status === 404) missing = true;
    else if (!res.ok) throw new Error(`registering ${id} failed: ${res.status} ${(await res.text()).slice(0, 200)}`);
  });
  if (missing) log('the engine has no user admin API: users not registered');
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
