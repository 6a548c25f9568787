import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_PATH_PREFIX } from '@app/client';
import { LocalTarget } from '../config/bench-config';
import { BrokerSettings } from '../config/settings';

type Service = 'rabbitmq' | 'postgres' | 'ferretdb';

export interface LocalStack {
  dir: string;
  mqttUrl: string;
  env: Record<string, string>;
  settings: BrokerSettings;
  mongoUri: string;
  /** The broker's CA and the engine's client certificate (AMQP over TLS, SASL EXTERNAL), made by the stack. */
  tls: { caFile: string; certFile: string; keyFile: string };
  /** The pid of the broker's VM, of FerretDB and of PostgreSQL's postmaster, read from their pid files (null if not running). */
  brokerPid(): number | null;
  databasePid(): number | null;
  postgresPid(): number | null;
  /** Stops what ensureLocalStack started (unless --keep-stack). */
  stop(): Promise<void>;
}

/** The dev stack's ports (scripts/lib/common.sh); the bench stack shifts them all by its offset. */
const DEV_PORTS = {
  STACK_AMQP_PORT: 5673,
  STACK_MQTT_PORT: 1884,
  STACK_WS_MQTT_PORT: 15676,
  STACK_MQTTS_PORT: 8884,
  STACK_WSS_MQTT_PORT: 15677,
  STACK_MGMT_PORT: 15673,
  STACK_DIST_PORT: 25673,
  STACK_EPMD_PORT: 4370,
  STACK_MONGO_PORT: 27027,
  STACK_PG_PORT: 5433,
};

const KEY_ID = 'bench-1';

function readPid(file: string): number | null {
  try {
    // The first line (PostgreSQL's postmaster.pid has more).
    const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The stack's own signing secret, made once and kept with its data (the broker's key is derived from it). */
function stackSecret(dir: string): string {
  const file = `${dir}/bench-jwt-secret`;
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

function runStack(root: string, env: Record<string, string>, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile('bash', [`${root}/scripts/stack.sh`, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 600_000 }, (err, stdout, stderr) =>
      resolve({ ok: !err, output: `${stdout}${stderr}` }),
    );
  });
}

/**
 * The bench's own broker node, PostgreSQL and FerretDB (scripts/stack.sh, in .stack/NAME on shifted ports, so
 * it never disturbs the dev or test stacks): started when not running, and stopped afterwards
 * only if this run started them.
 */
export async function ensureLocalStack(root: string, target: LocalTarget, log: (line: string) => void): Promise<LocalStack> {
  const dir = `${root}/.stack/${target.stackName}`;
  const ports = Object.fromEntries(Object.entries(DEV_PORTS).map(([k, p]) => [k, String(p + target.portOffset)]));
  const secret = stackSecret(dir);
  const env: Record<string, string> = {
    ...ports,
    STACK_DIR: dir,
    STACK_NODE_NAME: `engine-${target.stackName}@localhost`,
    // Never read the project's .env: this stack has its own key and ports.
    STACK_ENV_FILE: '/dev/null',
    JWT_SECRET: secret,
    JWT_KEY_ID: KEY_ID,
  };
  const started: Service[] = [];
  // postgres: FerretDB's backend (its status is "not used" when STACK_DATABASE=sqlite).
  for (const service of ['rabbitmq', 'postgres', 'ferretdb'] as const) {
    if ((await runStack(root, env, ['status', service])).ok) continue;
    log(`starting ${service} of the ${target.stackName} stack (${dir})`);
    const result = await runStack(root, env, ['start', service]);
    if (!result.ok) throw new Error(`could not start ${service}:\n${result.output.trim()}`);
    started.push(service);
  }
  return {
    dir,
    env,
    mqttUrl: `mqtt://127.0.0.1:${ports.STACK_MQTT_PORT}`,
    mongoUri: `mongodb://127.0.0.1:${ports.STACK_MONGO_PORT}/bench`,
    tls: { caFile: `${dir}/rabbitmq/tls/ca.pem`, certFile: `${dir}/rabbitmq/tls/engine.pem`, keyFile: `${dir}/rabbitmq/tls/engine.key` },
    // The spawned engine's admin key: made per run, it only lives in the engine's environment.
    settings: {
      jwtSecret: secret,
      jwtKeyId: KEY_ID,
      audience: 'rabbitmq',
      pathPrefix: DEFAULT_PATH_PREFIX,
      adminApiKey: randomBytes(32).toString('base64url'),
    },
    brokerPid: () => readPid(`${dir}/rabbitmq/rabbitmq.pid`),
    databasePid: () => readPid(`${dir}/ferretdb/ferretdb.pid`),
    postgresPid: () => readPid(`${dir}/postgres/data/postmaster.pid`),
    async stop() {
      if (target.keepStack) return;
      for (const service of started.reverse()) {
        log(`stopping ${service} of the ${target.stackName} stack`);
        const result = await runStack(root, env, ['stop', service]);
        if (!result.ok) log(`could not stop ${service}: ${result.output.trim()}`);
      }
    },
  };
}
