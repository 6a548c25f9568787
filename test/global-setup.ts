import { mkdirSync, writeFileSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { stack, stackRunning } from './support/stack';
import { servers, TEST_STACK } from './support/test-env';

/**
 * Starts the test stack's broker node, PostgreSQL and FerretDB when they are not already running (and no
 * external TEST_RABBITMQ_HOST / TEST_MONGODB_URI is given), then empties the test database.
 * Records what it started so global-teardown stops exactly that.
 */
export default async function globalSetup(): Promise<void> {
  const started: string[] = [];
  for (const [service, external] of [
    ['rabbitmq', servers.external.broker],
    // FerretDB's PostgreSQL (STACK_DATABASE=postgresql, the default; with sqlite its status is "not used").
    ['postgres', servers.external.database],
    ['ferretdb', servers.external.database],
  ] as const) {
    if (external) continue;
    if (await stackRunning(service)) {
      // Started again all the same: the broker restarts when its rendered config has changed since
      // (new listeners or keys), which a stack kept running across a checkout would otherwise miss.
      if (service === 'rabbitmq') await stack('start', service);
      continue;
    }
    await stack('start', service);
    started.push(service);
  }
  mkdirSync(TEST_STACK.STACK_DIR, { recursive: true });
  writeFileSync(`${TEST_STACK.STACK_DIR}/e2e-started.json`, JSON.stringify(started));

  const client = await MongoClient.connect(servers.mongoUri, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db().dropDatabase();
    await client.db(`${client.db().databaseName}_derived`).dropDatabase();
  } finally {
    await client.close();
  }
}
