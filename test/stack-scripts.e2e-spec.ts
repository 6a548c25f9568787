import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { ROOT } from './support/test-env';

const run = promisify(execFile);

/** A stack of its own (own dir, ports +700), so the test can start and stop it freely. */
const env = {
  ...process.env,
  STACK_ENV_FILE: '/dev/null',
  STACK_DIR: `${ROOT}/.stack/stack-script-test`,
  STACK_NODE_NAME: 'engine-stack-script-test@localhost',
  STACK_AMQP_PORT: '6383',
  STACK_MQTT_PORT: '2594',
  STACK_WS_MQTT_PORT: '16386',
  STACK_MQTTS_PORT: '9594',
  STACK_WSS_MQTT_PORT: '16387',
  STACK_MGMT_PORT: '16383',
  STACK_DIST_PORT: '26383',
  STACK_EPMD_PORT: '5071',
  STACK_MONGO_PORT: '27737',
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

const ours = () => processes().filter((p) => p.cmd.includes('stack-script-test') || p.cmd.includes(`-port ${env.STACK_EPMD_PORT}`));

describe('scripts/stack.sh', () => {
  it('starts idempotently, stops completely, and leaves other brokers alone', async () => {
    // System services run as their own users (rabbitmq, mosquitto); other stacks of this project may come and go.
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    // A zombie (`<defunct>`) has exited already: its parent may reap it at any time.
    const othersBefore = processes().filter((p) => /beam\.smp|epmd|mosquitto/.test(p.cmd) && p.user !== me && !p.cmd.includes('<defunct>'));
    try {
      await stack('start');
      const first = ours().map((p) => p.pid).sort();
      expect(first.length).toBeGreaterThanOrEqual(2); // broker VM (+ epmd) and FerretDB

      const again = await stack('start');
      expect(again.stderr).toMatch(/rabbitmq: already running/);
      expect(again.stderr).toMatch(/ferretdb: already running/);
      expect(ours().map((p) => p.pid).sort()).toEqual(first); // nothing new started

      const status = await stack('status');
      expect(status.stdout).toMatch(/rabbitmq: running .*amqp 127\.0\.0\.1:6383/);
      expect(status.stdout).toMatch(/ferretdb: running .*27737/);
    } finally {
      await stack('stop');
    }
    await stack('stop'); // stopping twice is fine too
    expect(ours()).toEqual([]);
    await expect(stack('status')).rejects.toMatchObject({ stdout: expect.stringMatching(/rabbitmq: stopped[\s\S]*ferretdb: stopped/) });

    // Every system broker, port mapper and Mosquitto that ran before still runs, with the same pid.
    const pidsNow = new Set(processes().map((p) => p.pid));
    expect(othersBefore.filter((p) => !pidsNow.has(p.pid))).toEqual([]);
  });
});
