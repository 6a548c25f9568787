import { parseArgs } from 'node:util';
import { BenchConfig, ConnectionsConfig, ExternalTarget, FanoutConfig, GroupClass, HistoryConfig, LocalTarget, PathName, ReceiptsConfig, SearchConfig } from './bench-config';
import { formatDuration, parseCount, parseDuration } from './units';

export const USAGE = `Usage: npm run bench -- [options]

Measures the raw broker path (MQTT publish -> MQTT subscriber) and then the engine path (MQTT
publish -> engine -> MQTT subscriber, persisted) with the same load, and prints both with ratios.
By default it starts its own broker node, PostgreSQL and FerretDB (.stack/bench, ports shifted by +20 from the
dev stack), builds the engine if dist/ is stale, spawns it, and stops what it started.

Scenario
  --scenario direct|fanout|connections  direct: one-to-one users (default); fanout: groups, each
                         message to every member; connections: N idle client connections with presence

Load (direct)
  --users N              virtual users, one MQTT connection each (default 100)
  --topology pairs|random  pairs send to each other; random: each user sends to --degree peers (default pairs)
  --degree N             peers per user in a random graph (default 5)
  --rate N|max           offered msg/s across all users, open loop (default 1000); max = closed loop
  --window N             with --rate max: messages in flight (sent, not yet received) (default 1000)

Load (fanout): per path, each class of groups on connections of its own, then the mixed check
  --groups LIST          classes of groups, GROUPSxMEMBERS, e.g. 10x100,2x1000 (the default); one
                         MQTT connection per member, member 0 of each group sends
  --group-rate N|max     group messages/s across a class's groups, open loop; max (default): closed
                         loop with --group-window messages per group not yet at every member
  --group-window N       (default 4)
  --connect-batch N      connections opened at a time (default 20)
  --mixed-group N        members of the group fanned out during the mixed check (default 1000;
                         0 skips the check)
  --mixed-group-rate N|max  its group messages/s (default 2, i.e. 2,000 deliveries/s at 1,000 members)
  --mixed-rate N         one-to-one msg/s of the mixed check, alone and then beside the group (default 100)
  --mixed-users N        one-to-one users of the mixed check, in pairs (default 20)

Connections (engine path only): the one-to-one load (--users, default 20, --rate, default 100,
--duration, default 20s) alone; then N idle connections opened, held while the one-to-one load runs
again beside them, and closed; presence watched throughout, memory per connection
  --connections N        idle client connections, each of a user of its own (default 10000)
  --connect-rate N       connections opened per second, and closed per second at the end (default 100:
                         the broker holds it on 2 cores, CONNACK p50 ~15 ms, up to 10,000 bare
                         connections; it tops out near 450/s bare and 110-130/s with --held-shape sdk)
  --hold D               how long they are held once all show online (default 60s; the one-to-one
                         trial beside them runs at its start and must fit)
  --watch-per-watcher N  users each presence watcher watches (default 500, the engine's default
                         PRESENCE_MAX_WATCHED; above it raise that with --engine-env)
  --held-shape bare|sdk  bare (default): a held connection only connects; sdk: it also subscribes as
                         the SDK does (5 filters, a subscription queue each: at 10,000 more than the
                         broker holds on 2 cores)

Both
  --messages N           messages per trial ...
  --duration D           ... or how long each trial sends, e.g. 60s, 5m (default: direct 60s, fanout 10s,
                         connections 20s)
  --qos 0|1              QoS of publishes and subscriptions (default 1)
  --payload-bytes N      size of the published JSON body (default 100)
  --phases LIST          raw,engine (default; connections: engine), raw, or engine
  --drain-timeout D      after the last send, how long to wait for stragglers (default 30s)
  --seed N               seed of the random graph and recipient choice (default 1)

Highest sustained rate
  --find-max-rate        search the highest rate whose p99 stays under --p99-bound with nothing lost
  --p99-bound D          (default 50ms)
  --trial-duration D     length of each trial (default 10s)
  --start-rate N         first rate tried (default: --rate, or 500)
  --max-rate N           never try above this (default 50000)
  --precision F          stop when (lowest fail - highest pass) / lowest fail <= F (default 0.1)

Target
  --mqtt-url URL         use this broker instead of the local bench stack (no stack, no spawned engine);
                         tokens are signed with JWT_SECRET / JWT_KEY_ID / JWT_AUDIENCE and topics use
                         PATH_PREFIX, from the environment or .env
  --engine-url URL       the running engine's HTTP base URL (users are registered with ADMIN_API_KEY from
                         the environment or .env, /metrics scraped)
  --engine-pid PID       the running engine's pid, for CPU and RSS
  --broker-pid PID       the broker's pid (beam.smp), for CPU
  --db-pid PID           the database's pid, for CPU
  --stack-name NAME      local stack's name: .stack/NAME (default bench)
  --stack-port-offset N  local stack ports = dev stack ports + N (default 20)
  --build auto|always|never  build the engine before spawning it (default auto: when dist/ is stale)
  --keep-stack           leave the local stack running afterwards (faster next run)
  --engine-env K=V       extra setting for the spawned engine (repeatable), e.g. BATCH_MAX_SIZE=500
  --keep-database        keep what the bench database holds from earlier runs (default: dropped)
  --preload N            insert N stored messages straight into the database before the engine
                         starts (distinct dedupe keys), so it runs against a realistic stored count

Kill and restart (direct scenario, engine phase, spawned engine, no rate search)
  --kill-engine-at D     SIGKILL the engine D into the engine trial and restart it 1 s later with
                         the same settings; the load keeps going until the --duration has passed and
                         at least 20 s after the restarted engine is ready; reports the restart figures

Receipts (direct scenario, bench stack, no rate search)
  --receipts             after the engine phase, run it again on the same stack with users of its own
                         who report delivered on arrival (the SDK's autoDelivered) and mark each
                         message read ~200 ms after it arrived; report throughput and p50/p99 with
                         receipts against without, and check the stored read positions and the
                         admin list's unread counts at the end (exit 2 on any mismatch)

History (bench stack, engine path)
  --history N            load the database to N stored messages through the pipeline (100 users,
                         1,000 conversations of two; resumable with --keep-stack --keep-database:
                         only what is missing is sent, at the closed loop's --window), then report
                         the load rate, the summaries' lag (one message per conversation until both
                         sides' summaries show it), median and p99 of 50 calls each of a
                         conversation's newest page, a page deep in it and a user's conversation
                         list, and the hot path's p99 at 200 msg/s alone and beside those queries

Output
  --json FILE            also write every figure as JSON
  --picture FILE         also write latency over time and its distribution, raw beside engine, as
                         an SVG (default with --json: the same name ending in .svg)
  --help

Exit status: 1 on errors; 2 when a run (not a rate search, whose failing trials may lose messages)
lost or misrouted any message, or (--receipts) found a read position or unread count wrong; else 0.`;

export type ParsedArgs = { help: true } | { help: false; config: BenchConfig };

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${what} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

function engineEnv(pairs: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0 || !/^[A-Z][A-Z0-9_]*$/.test(pair.slice(0, at))) throw new Error(`--engine-env takes KEY=VALUE; got "${pair}"`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return env;
}

function rateOf(text: string, what: string): number | 'max' {
  return text === 'max' ? 'max' : parseCount(text, what);
}

/** `10x100,2x1000`: classes of groups, GROUPSxMEMBERS each (a group has at least 2 members: a sender and another). */
export function parseGroupClasses(text: string): GroupClass[] {
  const classes = text.split(',').map((part) => {
    const m = /^\s*([\d_]+)\s*x\s*([\d_]+)\s*$/.exec(part);
    if (!m) throw new Error(`--groups takes GROUPSxMEMBERS[,GROUPSxMEMBERS...], e.g. 10x100,2x1000; got "${part.trim()}"`);
    return { groups: parseCount(m[1], '--groups (groups)'), members: parseCount(m[2], '--groups (members)', 2) };
  });
  const seen = new Set(classes.map((c) => `${c.groups}x${c.members}`));
  if (seen.size !== classes.length) throw new Error('--groups lists a class twice');
  return classes;
}

function fanoutConfig(v: Record<string, string | boolean | string[] | undefined>): FanoutConfig {
  const text = (key: string) => v[key] as string;
  const mixedMembers = parseCount(text('mixed-group'), '--mixed-group', 0);
  if (mixedMembers === 1) throw new Error('--mixed-group needs at least 2 members (or 0 to skip the mixed check)');
  const mixedUsers = parseCount(text('mixed-users'), '--mixed-users', 2);
  if (mixedUsers % 2 !== 0) throw new Error('--mixed-users needs an even number (they talk in pairs)');
  return {
    classes: parseGroupClasses(text('groups')),
    rate: rateOf(text('group-rate'), '--group-rate'),
    windowPerGroup: parseCount(text('group-window'), '--group-window'),
    connectConcurrency: parseCount(text('connect-batch'), '--connect-batch'),
    mixed:
      mixedMembers === 0
        ? null
        : { members: mixedMembers, groupRate: rateOf(text('mixed-group-rate'), '--mixed-group-rate'), users: mixedUsers, rate: parseCount(text('mixed-rate'), '--mixed-rate') },
  };
}

/** Options only the connections scenario reads (no parseArgs defaults, so a stray one is noticed). */
const CONNECTIONS_FLAGS = ['connections', 'connect-rate', 'hold', 'watch-per-watcher', 'held-shape'] as const;

/**
 * Connections opened (and closed) per second by default. Measured on the 2-core machine: bare
 * connections top out near 450/s (CONNACK p99 0.4 s, the broker at 1.1 cores), and at 100/s the
 * broker opened all 10,000 on schedule (CONNACK p50 13 ms); with the SDK's subscriptions (one
 * subscription queue and five bindings each) it answers 110-130/s at 1.2-1.4 cores with 1,000,
 * and falls to 15-35/s on the way to 10,000 (CONNACKs over 10 s). A rate the broker does not hold
 * measures the queue of CONNECTs, not presence.
 */
export const DEFAULT_CONNECT_RATE = 100;

/** Most connection attempts in flight: one second's worth at the connect rate, and at least 50. */
export function maxPendingConnects(connectRate: number): number {
  return Math.max(50, connectRate);
}

function connectionsConfig(v: Record<string, string | boolean | string[] | undefined>): ConnectionsConfig {
  const text = (key: (typeof CONNECTIONS_FLAGS)[number], fallback: string) => (v[key] as string | undefined) ?? fallback;
  const connectRate = parseCount(text('connect-rate', String(DEFAULT_CONNECT_RATE)), '--connect-rate');
  return {
    connections: parseCount(text('connections', '10000'), '--connections'),
    connectRate,
    maxPending: maxPendingConnects(connectRate),
    holdMs: parseDuration(text('hold', '60s'), '--hold'),
    keepaliveSeconds: 30,
    watchPerWatcher: parseCount(text('watch-per-watcher', '500'), '--watch-per-watcher'),
    heldShape: oneOf(text('held-shape', 'bare'), ['bare', 'sdk'] as const, '--held-shape'),
  };
}

function pid(text: string | undefined, what: string): number | undefined {
  return text === undefined ? undefined : parseCount(text, what);
}

/** Parses the command line into a checked configuration; throws with a message naming the option. */
export function parseBenchArgs(argv: string[]): ParsedArgs {
  const { values: v } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: 'boolean', short: 'h' },
      scenario: { type: 'string', default: 'direct' },
      users: { type: 'string' },
      topology: { type: 'string' },
      degree: { type: 'string' },
      messages: { type: 'string' },
      duration: { type: 'string' },
      rate: { type: 'string' },
      window: { type: 'string' },
      groups: { type: 'string', default: '10x100,2x1000' },
      'group-rate': { type: 'string', default: 'max' },
      'group-window': { type: 'string', default: '4' },
      'connect-batch': { type: 'string', default: '20' },
      'mixed-group': { type: 'string', default: '1000' },
      'mixed-group-rate': { type: 'string', default: '2' },
      'mixed-rate': { type: 'string', default: '100' },
      'mixed-users': { type: 'string', default: '20' },
      connections: { type: 'string' },
      'connect-rate': { type: 'string' },
      hold: { type: 'string' },
      'watch-per-watcher': { type: 'string' },
      'held-shape': { type: 'string' },
      qos: { type: 'string', default: '1' },
      'payload-bytes': { type: 'string', default: '100' },
      phases: { type: 'string' },
      'drain-timeout': { type: 'string', default: '30s' },
      seed: { type: 'string', default: '1' },
      'find-max-rate': { type: 'boolean', default: false },
      'p99-bound': { type: 'string', default: '50ms' },
      'trial-duration': { type: 'string', default: '10s' },
      'start-rate': { type: 'string' },
      'max-rate': { type: 'string', default: '50000' },
      precision: { type: 'string', default: '0.1' },
      'mqtt-url': { type: 'string' },
      'engine-url': { type: 'string' },
      'engine-pid': { type: 'string' },
      'broker-pid': { type: 'string' },
      'db-pid': { type: 'string' },
      'stack-name': { type: 'string', default: 'bench' },
      'stack-port-offset': { type: 'string', default: '20' },
      build: { type: 'string', default: 'auto' },
      'keep-stack': { type: 'boolean', default: false },
      'engine-env': { type: 'string', multiple: true, default: [] },
      'keep-database': { type: 'boolean', default: false },
      preload: { type: 'string', default: '0' },
      'kill-engine-at': { type: 'string' },
      receipts: { type: 'boolean' },
      history: { type: 'string' },
      json: { type: 'string' },
      picture: { type: 'string' },
    },
  });
  if (v.help) return { help: true };

  const scenario = oneOf(v.scenario, ['direct', 'fanout', 'connections'] as const, '--scenario');
  let fanout: FanoutConfig | undefined;
  let connections: ConnectionsConfig | undefined;
  if (scenario === 'connections') {
    for (const flag of ['find-max-rate', 'window'] as const) {
      if (v[flag] !== undefined && v[flag] !== false) throw new Error(`--${flag} is not for --scenario connections (its one-to-one trials run at one open-loop --rate)`);
    }
    if (v.rate === 'max') throw new Error('--scenario connections needs an open-loop --rate (msg/s), not max');
    if (v.phases !== undefined && v.phases.trim() !== 'engine') throw new Error('--scenario connections runs on the engine path only (presence is the engine\'s): --phases engine');
    connections = connectionsConfig(v);
  } else {
    for (const flag of CONNECTIONS_FLAGS) {
      if (v[flag] !== undefined) throw new Error(`--${flag} is for --scenario connections`);
    }
  }
  if (scenario === 'fanout') {
    for (const flag of ['users', 'topology', 'degree', 'rate', 'window', 'find-max-rate'] as const) {
      if (v[flag] !== undefined && v[flag] !== false) throw new Error(`--${flag} is for --scenario direct (the fan-out scenario has --groups, --group-rate, --mixed-*)`);
    }
    fanout = fanoutConfig(v);
  }
  const users = parseCount(v.users ?? (connections ? '20' : '100'), '--users', 2);
  const topology = oneOf(v.topology ?? 'pairs', ['pairs', 'random'] as const, '--topology');
  if (topology === 'pairs' && users % 2 !== 0) throw new Error('--topology pairs needs an even number of --users');
  const degree = Math.min(parseCount(v.degree ?? '5', '--degree'), users - 1);
  if (v.messages !== undefined && v.duration !== undefined) throw new Error('give --messages or --duration, not both');
  const defaultDuration = scenario === 'fanout' ? '10s' : scenario === 'connections' ? '20s' : '60s';
  const stop: BenchConfig['stop'] = v.messages !== undefined ? { messages: parseCount(v.messages, '--messages') } : { durationMs: parseDuration(v.duration ?? defaultDuration, '--duration') };
  const rate = rateOf(v.rate ?? (connections ? '100' : '1000'), '--rate');
  if (connections && rate !== 'max') {
    const trialMs = 'durationMs' in stop ? stop.durationMs : (stop.messages / rate) * 1000;
    if (trialMs > connections.holdMs) throw new Error('the one-to-one trial beside the held connections (--duration, or --messages / --rate) must fit in --hold');
  }
  const phases: PathName[] = (v.phases ?? (connections ? 'engine' : 'raw,engine')).split(',').map((p) => oneOf(p.trim(), ['raw', 'engine'] as const, '--phases'));
  if (new Set(phases).size !== phases.length) throw new Error('--phases lists a phase twice');

  let search: SearchConfig | undefined;
  if (v['find-max-rate']) {
    const precision = Number(v.precision);
    if (!(precision > 0 && precision < 1)) throw new Error(`--precision must be between 0 and 1; got "${v.precision}"`);
    const startRate = v['start-rate'] !== undefined ? parseCount(v['start-rate'], '--start-rate') : rate === 'max' ? 500 : rate;
    search = {
      p99BoundMs: parseDuration(v['p99-bound'], '--p99-bound'),
      trialDurationMs: parseDuration(v['trial-duration'], '--trial-duration'),
      startRate,
      maxRate: parseCount(v['max-rate'], '--max-rate'),
      precision,
      granularity: 50,
      maxTrials: 12,
    };
    if (search.startRate > search.maxRate) throw new Error('--start-rate is above --max-rate');
  }

  const external = v['mqtt-url'] !== undefined;
  for (const flag of ['engine-url', 'engine-pid', 'broker-pid', 'db-pid'] as const) {
    if (!external && v[flag] !== undefined) throw new Error(`--${flag} only applies with --mqtt-url (the local stack knows its own)`);
  }
  const target: LocalTarget | ExternalTarget = external
    ? {
        kind: 'external',
        mqttUrl: v['mqtt-url']!,
        engineUrl: v['engine-url']?.replace(/\/+$/, ''),
        enginePid: pid(v['engine-pid'], '--engine-pid'),
        brokerPid: pid(v['broker-pid'], '--broker-pid'),
        databasePid: pid(v['db-pid'], '--db-pid'),
      }
    : {
        kind: 'local',
        stackName: stackName(v['stack-name']),
        portOffset: parseCount(v['stack-port-offset'], '--stack-port-offset', 0),
        build: oneOf(v.build, ['auto', 'always', 'never'] as const, '--build'),
        keepStack: v['keep-stack'] ?? false,
        engineEnv: engineEnv(v['engine-env'] ?? []),
        keepDatabase: v['keep-database'] ?? false,
        preload: parseCount(v.preload, '--preload', 0),
      };
  if (external && (v['keep-database'] || v.preload !== '0')) throw new Error('--keep-database and --preload are for the local stack (the bench leaves an existing database alone)');

  const drainTimeoutMs = parseDuration(v['drain-timeout'], '--drain-timeout');
  const config: BenchConfig = {
    scenario,
    fanout,
    connections,
    users,
    topology,
    degree,
    stop,
    rate,
    window: parseCount(v.window ?? '1000', '--window'),
    qos: oneOf(v.qos, ['0', '1'] as const, '--qos') === '1' ? 1 : 0,
    payloadBytes: parseCount(v['payload-bytes'], '--payload-bytes'),
    phases,
    drainTimeoutMs,
    seed: parseCount(v.seed, '--seed', 0),
    jsonFile: v.json,
    pictureFile: v.picture ?? (v.json !== undefined ? `${v.json.replace(/\.json$/i, '')}.svg` : undefined),
    search,
    target,
    killEngineAtMs: v['kill-engine-at'] === undefined ? undefined : killEngineAt(v['kill-engine-at'], { scenario, search, external, phases, rate, stop }),
    history: v.history === undefined ? undefined : historyConfig(v.history, { scenario, search, external, phases, receipts: Boolean(v.receipts), killEngineAt: v['kill-engine-at'] !== undefined }),
    receipts: v.receipts ? receiptsConfig({ scenario, search, external, phases, killEngineAt: v['kill-engine-at'] !== undefined, drainTimeoutMs }) : undefined,
  };
  return { help: false, config };
}

/** `--kill-engine-at`: only where there is one spawned engine and one open-loop trial to kill it in. */
function killEngineAt(text: string, c: Pick<BenchConfig, 'scenario' | 'search' | 'phases' | 'rate' | 'stop'> & { external: boolean }): number {
  const at = parseDuration(text, '--kill-engine-at');
  if (c.scenario !== 'direct' || c.search) throw new Error('--kill-engine-at is for one trial of the direct scenario (no other --scenario, no --find-max-rate)');
  if (c.external) throw new Error('--kill-engine-at needs the engine the bench spawns (not --mqtt-url)');
  if (!c.phases.includes('engine')) throw new Error('--kill-engine-at needs the engine phase in --phases');
  if (c.rate === 'max') throw new Error('--kill-engine-at needs an open-loop --rate (a closed loop stops sending while the engine is down)');
  if (!('durationMs' in c.stop)) throw new Error('--kill-engine-at needs --duration (not --messages)');
  if (at >= c.stop.durationMs) throw new Error('--kill-engine-at must be within the --duration');
  return at;
}

/** How long after its arrival a message is marked read with `--receipts` (the issue's "shortly after"). */
export const READ_DELAY_MS = 200;

/**
 * `--receipts`: a second engine phase of the direct scenario on the bench's own stack, whose
 * database the end check reads (so not against an existing deployment), beside one plain trial.
 */
function receiptsConfig(c: Pick<BenchConfig, 'scenario' | 'search' | 'phases' | 'drainTimeoutMs'> & { external: boolean; killEngineAt: boolean }): ReceiptsConfig {
  if (c.scenario !== 'direct') throw new Error('--receipts is for the direct scenario');
  if (c.search) throw new Error('--receipts compares one trial with receipts and one without (no --find-max-rate)');
  if (c.killEngineAt) throw new Error('--receipts and --kill-engine-at do not go together (the comparison needs two undisturbed trials)');
  if (c.external) throw new Error('--receipts needs the bench\'s own stack (not --mqtt-url): its end check reads the stored read positions');
  if (!c.phases.includes('engine')) throw new Error('--receipts needs the engine phase in --phases');
  return { readDelayMs: READ_DELAY_MS, settleTimeoutMs: c.drainTimeoutMs };
}

/** `--history N`: its own run on the bench stack's engine (no other scenario, search, receipts or kill). */
function historyConfig(
  text: string,
  c: Pick<BenchConfig, 'scenario' | 'search' | 'phases'> & { external: boolean; receipts: boolean; killEngineAt: boolean },
): HistoryConfig {
  const messages = parseCount(text, '--history');
  if (c.scenario !== 'direct' || c.search || c.receipts || c.killEngineAt) {
    throw new Error('--history is a run of its own (no --scenario, --find-max-rate, --receipts or --kill-engine-at)');
  }
  if (c.external) throw new Error('--history needs the bench\'s own stack (not --mqtt-url): it counts and reads the stored messages');
  if (!c.phases.includes('engine')) throw new Error('--history needs the engine phase in --phases');
  return { messages };
}

function stackName(name: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,30}$/.test(name)) throw new Error(`--stack-name must be lower case letters, digits and "-"; got "${name}"`);
  return name;
}

/** One line that says what load was run, for the report's header. */
export function describeLoad(c: BenchConfig): string {
  if (c.history) {
    const kept = c.target.kind === 'local' && c.target.keepDatabase ? 'kept from earlier runs' : 'emptied first';
    return `history: ${c.history.messages.toLocaleString('en-US')} stored messages, 100 users, 1,000 conversations (database ${kept}), QoS ${c.qos}, ${c.payloadBytes} B bodies`;
  }
  if (c.fanout) return describeFanout(c, c.fanout);
  if (c.connections) return describeConnections(c, c.connections);
  const graph = c.topology === 'pairs' ? 'pairs' : `random graph, ${c.degree} peers each`;
  const shape = `QoS ${c.qos}, ${c.payloadBytes} B bodies`;
  if (c.search) {
    return `${c.users} users (${graph}), rate search from ${c.search.startRate.toLocaleString('en-US')} msg/s in ${formatDuration(c.search.trialDurationMs)} trials, ${shape}`;
  }
  const amount = 'messages' in c.stop ? `${c.stop.messages.toLocaleString('en-US')} messages` : formatDuration(c.stop.durationMs);
  const rate = c.rate === 'max' ? `closed loop, ${c.window} in flight` : `${c.rate.toLocaleString('en-US')} msg/s offered`;
  const kill = c.killEngineAtMs === undefined ? '' : `; engine killed (SIGKILL) at ${formatDuration(c.killEngineAtMs)} and restarted`;
  const receipts = c.receipts ? `; engine phase again with receipts (delivered on arrival, read ${c.receipts.readDelayMs} ms after)` : '';
  const stored = c.target.kind === 'local' && (c.target.preload > 0 || c.target.keepDatabase) ? `; database ${storedDescription(c.target)}` : '';
  return `${c.users} users (${graph}), ${rate}, ${amount}, ${shape}${kill}${receipts}${stored}`;
}

function storedDescription(t: LocalTarget): string {
  const kept = t.keepDatabase ? 'kept from earlier runs' : 'emptied';
  return t.preload > 0 ? `${kept}, then ${t.preload.toLocaleString('en-US')} messages preloaded` : kept;
}

function describeFanout(c: BenchConfig, f: FanoutConfig): string {
  const amount = 'messages' in c.stop ? `${c.stop.messages.toLocaleString('en-US')} messages` : formatDuration(c.stop.durationMs);
  const rate = f.rate === 'max' ? `closed loop, ${f.windowPerGroup} in flight per group` : `${f.rate.toLocaleString('en-US')} group msg/s`;
  const classes = f.classes.map((k) => `${k.groups} x ${k.members.toLocaleString('en-US')}`).join(', ');
  const mixed = f.mixed
    ? `; mixed check: ${f.mixed.users} users at ${f.mixed.rate} msg/s beside a ${f.mixed.members.toLocaleString('en-US')}-member group at ${f.mixed.groupRate === 'max' ? 'max' : `${f.mixed.groupRate} msg/s`}`
    : '';
  return `fan-out: groups ${classes} (groups x members), ${rate}, ${amount} per trial, QoS ${c.qos}, ${c.payloadBytes} B bodies${mixed}`;
}

function describeConnections(c: BenchConfig, k: ConnectionsConfig): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const amount = 'messages' in c.stop ? `${n(c.stop.messages)} messages` : formatDuration(c.stop.durationMs);
  const shape = k.heldShape === 'sdk' ? "subscribed as the SDK is" : 'connected only';
  return (
    `connections: ${n(k.connections)} idle (${shape}, keepalive ${k.keepaliveSeconds} s) opened and closed at ${n(k.connectRate)}/s, held ${formatDuration(k.holdMs)}; ` +
    `presence watched ${n(k.watchPerWatcher)} users per watcher; one-to-one ${c.users} users (pairs) at ${n(c.rate === 'max' ? 0 : c.rate)} msg/s for ${amount} alone and beside them, QoS ${c.qos}`
  );
}
