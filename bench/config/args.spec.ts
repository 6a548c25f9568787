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

  it('writes the picture beside the JSON report unless told where, and none without either', () => {
    expect(config(['--json', 'bench/results/run.json']).pictureFile).toBe('bench/results/run.svg');
    expect(config(['--json', 'out']).pictureFile).toBe('out.svg');
    expect(config(['--json', 'a.json', '--picture', 'b.svg'])).toMatchObject({ jsonFile: 'a.json', pictureFile: 'b.svg' });
    expect(config(['--picture', 'b.svg']).jsonFile).toBeUndefined();
    expect(config([]).pictureFile).toBeUndefined();
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

  it('reads the fan-out scenario with its defaults: 10 x 100 and 2 x 1,000, closed loop, 10 s trials, the mixed check', () => {
    expect(config(['--scenario', 'fanout'])).toMatchObject({
      scenario: 'fanout',
      stop: { durationMs: 10_000 },
      phases: ['raw', 'engine'],
      fanout: {
        classes: [
          { groups: 10, members: 100 },
          { groups: 2, members: 1000 },
        ],
        rate: 'max',
        windowPerGroup: 4,
        connectConcurrency: 20,
        mixed: { members: 1000, groupRate: 2, users: 20, rate: 100 },
      },
    });
  });

  it('reads fan-out options, and skips the mixed check with --mixed-group 0', () => {
    const c = config(['--scenario', 'fanout', '--groups', '3x50', '--group-rate', '20', '--duration', '30s', '--mixed-group', '0']);
    expect(c.fanout).toMatchObject({ classes: [{ groups: 3, members: 50 }], rate: 20, mixed: null });
    expect(c.stop).toEqual({ durationMs: 30_000 });
  });

  it('keeps the one-to-one defaults for the direct scenario', () => {
    expect(config([])).toMatchObject({ scenario: 'direct', fanout: undefined, stop: { durationMs: 60_000 } });
  });

  it.each([
    [['--scenario', 'fanout', '--groups', '10by100'], /GROUPSxMEMBERS/],
    [['--scenario', 'fanout', '--groups', '10x1'], /members.*>= 2/],
    [['--scenario', 'fanout', '--groups', '2x10,2x10'], /twice/],
    [['--scenario', 'fanout', '--rate', '100'], /--rate is for --scenario direct/],
    [['--scenario', 'fanout', '--find-max-rate'], /--find-max-rate is for --scenario direct/],
    [['--scenario', 'fanout', '--mixed-group', '1'], /at least 2 members/],
    [['--scenario', 'fanout', '--mixed-users', '3'], /even number/],
    [['--scenario', 'groups'], /--scenario must be one of/],
    [['--kill-engine-at', '30s', '--find-max-rate'], /one trial of the direct scenario/],
    [['--kill-engine-at', '5s', '--scenario', 'fanout'], /one trial of the direct scenario/],
    [['--kill-engine-at', '30s', '--mqtt-url', 'mqtt://127.0.0.1:1884'], /needs the engine the bench spawns/],
    [['--kill-engine-at', '30s', '--phases', 'raw'], /needs the engine phase/],
    [['--kill-engine-at', '30s', '--rate', 'max'], /open-loop --rate/],
    [['--kill-engine-at', '30s', '--messages', '5000'], /needs --duration/],
    [['--kill-engine-at', '60s', '--duration', '60s'], /within the --duration/],
    [['--kill-engine-at', 'soon'], /not a duration/],
    [['--preload', '-5'], /--preload/],
    [['--preload', '1000', '--mqtt-url', 'mqtt://127.0.0.1:1884'], /for the local stack/],
    [['--keep-database', '--mqtt-url', 'mqtt://127.0.0.1:1884'], /for the local stack/],
  ])('refuses %p', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('reads the connections scenario with its defaults: 10,000 at 100/s held 60 s, watchers of 500, the one-to-one load of 20 users at 100 msg/s for 20 s, engine only', () => {
    expect(config(['--scenario', 'connections'])).toMatchObject({
      scenario: 'connections',
      users: 20,
      rate: 100,
      stop: { durationMs: 20_000 },
      phases: ['engine'],
      connections: { connections: 10_000, connectRate: 100, maxPending: 100, holdMs: 60_000, keepaliveSeconds: 30, watchPerWatcher: 500, heldShape: 'bare' },
    });
  });

  it('reads the connections options, and gates at least 50 attempts at a time', () => {
    const c = config(['--scenario', 'connections', '--connections', '1_000', '--connect-rate', '20', '--hold', '2m', '--watch-per-watcher', '1000', '--held-shape', 'sdk', '--rate', '50', '--duration', '30s']);
    expect(c.connections).toEqual({ connections: 1000, connectRate: 20, maxPending: 50, holdMs: 120_000, keepaliveSeconds: 30, watchPerWatcher: 1000, heldShape: 'sdk' });
    expect(c).toMatchObject({ rate: 50, stop: { durationMs: 30_000 } });
    expect(config(['--scenario', 'connections', '--phases', 'engine']).phases).toEqual(['engine']);
  });

  it('says what a connections run does', () => {
    expect(describeLoad(config(['--scenario', 'connections', '--connections', '500']))).toBe(
      'connections: 500 idle (connected only, keepalive 30 s) opened and closed at 100/s, held 1m; presence watched 500 users per watcher; ' +
        'one-to-one 20 users (pairs) at 100 msg/s for 20s alone and beside them, QoS 1',
    );
  });

  it.each([
    [['--scenario', 'connections', '--phases', 'raw,engine'], /engine path only/],
    [['--scenario', 'connections', '--rate', 'max'], /open-loop --rate/],
    [['--scenario', 'connections', '--find-max-rate'], /not for --scenario connections/],
    [['--scenario', 'connections', '--connections', '0'], /--connections/],
    [['--scenario', 'connections', '--connect-rate', 'fast'], /--connect-rate/],
    [['--scenario', 'connections', '--held-shape', 'busy'], /--held-shape must be one of bare, sdk/],
    [['--scenario', 'connections', '--hold', '10s', '--duration', '20s'], /must fit in --hold/],
    [['--scenario', 'connections', '--hold', '10s', '--messages', '2000'], /must fit in --hold/],
    [['--scenario', 'connections', '--kill-engine-at', '5s'], /one trial of the direct scenario/],
    [['--connections', '100'], /--connections is for --scenario connections/],
    [['--scenario', 'fanout', '--hold', '10s'], /--hold is for --scenario connections/],
  ])('refuses %p', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('reads a kill and restart of the engine, and what the database holds', () => {
    const c = config(['--rate', '200', '--duration', '60s', '--phases', 'engine', '--kill-engine-at', '30s', '--preload', '60_000', '--keep-database']);
    expect(c.killEngineAtMs).toBe(30_000);
    expect(c.target).toMatchObject({ kind: 'local', preload: 60_000, keepDatabase: true });
    expect(describeLoad(c)).toBe(
      '100 users (pairs), 200 msg/s offered, 1m, QoS 1, 100 B bodies; engine killed (SIGKILL) at 30s and restarted; database kept from earlier runs, then 60,000 messages preloaded',
    );
    expect(config([]).killEngineAtMs).toBeUndefined();
    expect(config([]).target).toMatchObject({ preload: 0, keepDatabase: false });
  });

  it('reads --receipts: a second engine phase, read 200 ms after arrival, positions given the drain timeout to settle', () => {
    const c = config(['--receipts', '--rate', '100', '--duration', '15s', '--users', '20', '--drain-timeout', '20s']);
    expect(c.receipts).toEqual({ readDelayMs: 200, settleTimeoutMs: 20_000 });
    expect(describeLoad(c)).toBe('20 users (pairs), 100 msg/s offered, 15s, QoS 1, 100 B bodies; engine phase again with receipts (delivered on arrival, read 200 ms after)');
    expect(config(['--receipts', '--phases', 'engine', '--rate', 'max', '--messages', '5000']).receipts).toBeDefined();
    expect(config([]).receipts).toBeUndefined();
  });

  it.each([
    [['--receipts', '--scenario', 'fanout'], /--receipts is for the direct scenario/],
    [['--receipts', '--scenario', 'connections'], /--receipts is for the direct scenario/],
    [['--receipts', '--find-max-rate'], /no --find-max-rate/],
    [['--receipts', '--kill-engine-at', '10s'], /do not go together/],
    [['--receipts', '--mqtt-url', 'mqtt://127.0.0.1:1884'], /bench's own stack/],
    [['--receipts', '--phases', 'raw'], /needs the engine phase/],
    [['--receipts=yes'], /does not take an argument|--receipts/],
  ])('refuses %p', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('reads --history N: a run of its own on the bench stack', () => {
    const c = config(['--history', '100_000', '--keep-stack', '--keep-database']);
    expect(c.history).toEqual({ messages: 100_000 });
    expect(describeLoad(c)).toBe('history: 100,000 stored messages, 100 users, 1,000 conversations (database kept from earlier runs), QoS 1, 100 B bodies');
    expect(config([]).history).toBeUndefined();
  });

  it.each([
    [['--history', '1000', '--scenario', 'fanout'], /--history is a run of its own/],
    [['--history', '1000', '--receipts'], /--history is a run of its own/],
    [['--history', '1000', '--find-max-rate'], /--history is a run of its own/],
    [['--history', '1000', '--mqtt-url', 'mqtt://127.0.0.1:1884'], /bench's own stack/],
    [['--history', '1000', '--phases', 'raw'], /needs the engine phase/],
    [['--history', 'lots'], /--history/],
  ])('refuses %p', (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });

  it('answers --help without a config', () => {
    expect(parseBenchArgs(['--help'])).toEqual({ help: true });
  });
});

describe('describeLoad', () => {
  it('says what a fan-out run offered', () => {
    expect(describeLoad(config(['--scenario', 'fanout', '--groups', '10x100,2x1000', '--mixed-group', '0']))).toBe(
      'fan-out: groups 10 x 100, 2 x 1,000 (groups x members), closed loop, 4 in flight per group, 10s per trial, QoS 1, 100 B bodies',
    );
  });

  it('says what a run offered', () => {
    expect(describeLoad(config(['--users', '20', '--messages', '5000']))).toBe('20 users (pairs), 1,000 msg/s offered, 5,000 messages, QoS 1, 100 B bodies');
  });

  it('says a search searched', () => {
    expect(describeLoad(config(['--find-max-rate', '--topology', 'random', '--degree', '3']))).toBe(
      '100 users (random graph, 3 peers each), rate search from 1,000 msg/s in 10s trials, QoS 1, 100 B bodies',
    );
  });
});
