import { execFile, execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { MongoClient } from 'mongodb';
import { ROOT, TEST_STACK } from './support/test-env';

const run = promisify(execFile);

/**
 * A stack of its own (own dir; the test stack's ports + 50, apart from every stack whose port offset
 * is a multiple of 100), so the test can start and stop it freely.
 */
const ports = Object.fromEntries(
  Object.entries(TEST_STACK)
    .filter(([key]) => key.endsWith('_PORT'))
    .map(([key, port]) => [key, String(Number(port) + 50)]),
);
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  ...ports,
  STACK_ENV_FILE: '/dev/null',
  STACK_DIR: `${ROOT}/.stack/stack-script-test`,
  STACK_NODE_NAME: 'engine-stack-script-test@localhost',
  STACK_DATABASE: 'postgresql',
  JWT_SECRET: 'stack-script-test-secret-0123456789abcdef',
};
const stack = (...args: string[]) => run('bash', [`${ROOT}/scripts/stack.sh`, ...args], { env, cwd: ROOT, timeout: 240_000 });

/** pid, owner and command line of every process on the machine. */
function processes(): Array<{ pid: number; user: string; cmd: string }> {
  return execFileSync('ps', ['-eo', 'pid=,user=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [pid, user, ...cmd] = line.trim().split(/\s+/);
      return { pid: Number(pid), user, cmd: cmd.join(' ') };
    });
}

/** The stack's processes: by its dir, its port mapper's port, or (FerretDB on PostgreSQL names no dir) its listen address. */
const ours = () =>
  processes().filter(
    (p) => p.cmd.includes('stack-script-test') || p.cmd.includes(`-port ${env.STACK_EPMD_PORT}`) || p.cmd.includes(`-listen 127.0.0.1:${env.STACK_MONGO_PORT} `),
  );

/** The keys of the GIN indexes on a collection made now through the stack's FerretDB (read from PostgreSQL). */
async function equalityIndexKeys(db: string, collection: string): Promise<string[]> {
  const client = await MongoClient.connect(`mongodb://127.0.0.1:${env.STACK_MONGO_PORT}/${db}`, { serverSelectionTimeoutMS: 10_000 });
  try {
    await client.db().collection(collection).insertOne({ pair: 'a|b' });
  } finally {
    await client.close();
  }
  const version = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(a) - Number(b)).pop();
  const sql = [
    "SELECT substring(indexdef from '_jsonb -> ''([a-z_]+)''') FROM pg_indexes",
    `WHERE schemaname = '${db}' AND tablename LIKE '${collection}\\_%' AND indexdef LIKE '%USING gin%' ORDER BY 1`,
  ].join(' ');
  const psql = `/usr/lib/postgresql/${version}/bin/psql`;
  const { stdout } = await run(psql, ['-XtA', '-h', '127.0.0.1', '-p', env.STACK_PG_PORT, '-U', 'postgres', '-d', 'ferretdb', '-c', sql]);
  return stdout.trim().split('\n');
}

describe('scripts/stack.sh', () => {
  it('starts idempotently, stops completely, and leaves other brokers and databases alone', async () => {
    // System services run as their own users (rabbitmq, mosquitto, postgres: its cluster lives in
    // /var/lib/postgresql and /etc/postgresql); other stacks of this project may come and go.
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const system = (p: { user: string; cmd: string }) =>
      (/beam\.smp|epmd|mosquitto/.test(p.cmd) && p.user !== me) || (p.user === 'postgres' && /\/(var\/lib|etc)\/postgresql\//.test(p.cmd));
    // A zombie (`<defunct>`) has exited already: its parent may reap it at any time.
    const othersBefore = processes().filter((p) => system(p) && !p.cmd.includes('<defunct>'));
    try {
      await stack('start');
      const first = ours().map((p) => p.pid).sort();
      expect(first.length).toBeGreaterThanOrEqual(3); // broker VM (+ epmd), PostgreSQL and FerretDB
      expect(ours().filter((p) => p.cmd.includes(`-handler postgresql`))).toHaveLength(1);
      // The cluster of the stack's own: its data dir, its port, loopback only.
      const postmaster = ours().filter((p) => p.cmd.includes('stack-script-test/postgres/data'));
      expect(postmaster).toHaveLength(1);
      expect(postmaster[0].cmd).toContain(`listen_addresses=127.0.0.1 -p ${env.STACK_PG_PORT}`);

      const again = await stack('start');
      expect(again.stderr).toMatch(/rabbitmq: already running/);
      expect(again.stderr).toMatch(/postgres: already running/);
      expect(again.stderr).toMatch(/ferretdb: already running/);
      expect(ours().map((p) => p.pid).sort()).toEqual(first); // nothing new started

      const status = await stack('status');
      expect(status.stdout).toMatch(new RegExp(`rabbitmq: running .*amqp 127\\.0\\.0\\.1:${env.STACK_AMQP_PORT}`));
      expect(status.stdout).toMatch(new RegExp(`postgres: running .*@127\\.0\\.0\\.1:${env.STACK_PG_PORT}/ferretdb`));
      expect(status.stdout).toMatch(new RegExp(`ferretdb: running .*:${env.STACK_MONGO_PORT}, on postgresql`));

      // Every collection FerretDB creates gets the GIN indexes that serve its pushed-down equalities.
      expect(await equalityIndexKeys('stack_probe', 'fresh')).toEqual(['_id', 'blocked', 'blocker', 'dedupe_key', 'owner', 'pair', 'peer', 'user_id']);
    } finally {
      await stack('stop');
    }
    await stack('stop'); // stopping twice is fine too
    expect(ours()).toEqual([]);
    await expect(stack('status')).rejects.toMatchObject({
      stdout: expect.stringMatching(/rabbitmq: stopped[\s\S]*postgres: stopped[\s\S]*ferretdb: stopped/),
    });

    // Every system broker, port mapper, Mosquitto and PostgreSQL that ran before still runs, with the same pid.
    const pidsNow = new Set(processes().map((p) => p.pid));
    expect(othersBefore.filter((p) => !pidsNow.has(p.pid))).toEqual([]);
  });
});
