import { describeLoad, parseBenchArgs } from './args';
import { BenchConfig } from './bench-config';

function config(argv: string[]): BenchConfig {
  const parsed = parseBenchArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.config;
}

describe('parseBenchArgs', () => {
  it('defaults to the target scenario against the local stack: 100 users, 1,000 msg/s for 60 s, both paths', () => {
    expect(config([])).toMatchObject({
      users: 100,
      topology: 'pairs',
      stop: { durationMs: 60_000 },
      rate: 1000,
      qos: 1,
      payloadBytes: 100,
      phases: ['raw', 'engine'],
      target: { kind: 'local', stackName: 'bench', portOffset: 20, build: 'auto', keepStack: false, engineEnv: {} },
    });
  });

  it('reads a rate search', () => {
    expect(config(['--find-max-rate', '--p99-bound', '40ms', '--trial-duration', '5s', '--start-rate', '800']).search).toMatchObject({
      p99BoundMs: 40,
      trialDurationMs: 5000,
      startRate: 800,
    });
  });

  it('points at an existing deployment with --mqtt-url', () => {
    expect(config(['--mqtt-url', 'mqtt://127.0.0.1:1884', '--engine-url', 'http://127.0.0.1:3000/', '--engine-pid', '42']).target).toEqual({
      kind: 'external',
      mqttUrl: 'mqtt://127.0.0.1:1884',
      engineUrl: 'http://127.0.0.1:3000',
      enginePid: 42,
      brokerPid: undefined,
      databasePid: undefined,
    });
  });

  it('collects --engine-env settings', () => {
    const target = config(['--engine-env', 'BATCH_MAX_SIZE=500', '--engine-env', 'LOG_LEVEL=info']).target;
    expect(target.kind === 'local' && target.engineEnv).toEqual({ BATCH_MAX_SIZE: '500', LOG_LEVEL: 'info' });
  });

  it.each([
    [['--users', '3'], /even number of --users/],
    [['--messages', '10', '--duration', '5s'], /not both/],
    [['--qos', '2'], /--qos must be one of 0, 1/],
    [['--phases', 'raw,raw'], /twice/],
    [['--phases', 'broker'], /--phases must be one of/],
    [['--engine-pid', '5'], /only applies with --mqtt-url/],
    [['--engine-env', 'lower=1'], /KEY=VALUE/],
    [['--find-max-rate', '--precision', '2'], /--precision/],
    [['--no-such-flag'], /Unknown option/],
  ])('refuses %p', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('answers --help without a config', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
  });
});

describe('describeLoad', () => {
  it('says what a run offered', () => {
    expect(describeLoad(config(['--users', '20', '--messages', '5000']))).toBe('20 users (pairs), 1,000 msg/s offered, 5,000 messages, QoS 1, 100 B bodies');
  });

  it('says a search searched', () => {
    expect(describeLoad(config(['--find-max-rate', '--topology', 'random', '--degree', '3']))).toBe(
      '100 users (random graph, 3 peers each), rate search from 1,000 msg/s in 10s trials, QoS 1, 100 B bodies',
    );
  });
});
