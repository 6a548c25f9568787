import { Qos } from '@app/client';

export type PathName = 'raw' | 'engine';
export type TopologyKind = 'pairs' | 'random';
export type Scenario = 'direct' | 'fanout' | 'connections';

/** `groups` groups of `members` members (`10x100`). */
export interface GroupClass {
  groups: number;
  members: number;
}

/** The one-to-one load measured alone and then beside one big group's fan-out. */
export interface MixedCheckConfig {
  /** Members of the group fanned out meanwhile. */
  members: number;
  /** Group messages/s to that group, or 'max' (closed loop with the fan-out window). */
  groupRate: number | 'max';
  /** One-to-one users (pairs) and their rate (msg/s). */
  users: number;
  rate: number;
}

/** The fan-out scenario (`--scenario fanout`). */
export interface FanoutConfig {
  classes: GroupClass[];
  /** Group messages/s across a class's groups (open loop), or 'max' (closed loop). */
  rate: number | 'max';
  /** With 'max': messages per group whose fan-out is not complete yet. */
  windowPerGroup: number;
  connectConcurrency: number;
  mixed: MixedCheckConfig | null;
}

/** What each held connection does once connected: nothing, or subscribe as the SDK does. */
export type HeldShape = 'bare' | 'sdk';

/**
 * The connections scenario (`--scenario connections`): N idle client connections opened and
 * closed at a bounded rate, presence watched, memory per connection, and the one-to-one load of
 * the direct scenario (`users`, `rate`, `stop`) measured without and then beside them.
 */
export interface ConnectionsConfig {
  /** Client connections held, each of a user of its own. */
  connections: number;
  /** Connections opened (and later closed) per second. */
  connectRate: number;
  /** Most connection attempts not yet answered (CONNACK or failure) at once. */
  maxPending: number;
  /** How long the connections are held once all showed online (the one-to-one trial runs at its start), ms. */
  holdMs: number;
  /** MQTT keepalive of every held connection, s. */
  keepaliveSeconds: number;
  /** Users one watcher watches (the engine's PRESENCE_MAX_WATCHED at most). */
  watchPerWatcher: number;
  heldShape: HeldShape;
}

/** The project's own broker node, FerretDB and a spawned engine, on the bench stack's ports. */
export interface LocalTarget {
  kind: 'local';
  stackName: string;
  portOffset: number;
  /** Build the engine before spawning it: when dist/ is older than the sources, always, or never. */
  build: 'auto' | 'always' | 'never';
  keepStack: boolean;
  /** Extra settings for the spawned engine (`--engine-env KEY=VALUE`). */
  engineEnv: Record<string, string>;
  /** Keep what the bench database holds from earlier runs (`--keep-database`) instead of dropping it. */
  keepDatabase: boolean;
  /** Messages inserted straight into the messages collection before the engine starts (`--preload`). */
  preload: number;
}

/** A broker (and engine) that already run; the bench only connects to them. */
export interface ExternalTarget {
  kind: 'external';
  mqttUrl: string;
  engineUrl?: string;
  enginePid?: number;
  brokerPid?: number;
  databasePid?: number;
}

export interface SearchConfig {
  /** A trial passes when its p99 send-to-receive latency is at most this (ms), with nothing lost. */
  p99BoundMs: number;
  trialDurationMs: number;
  startRate: number;
  maxRate: number;
  /** Stop when the bracket [highest pass, lowest fail] is this narrow, relative to its top. */
  precision: number;
  /** Rates are multiples of this (msg/s). */
  granularity: number;
  maxTrials: number;
}

export interface BenchConfig {
  /** direct: one-to-one users (the fields above `fanout`); fanout: groups (`fanout`), each trial as long as `stop` says. */
  scenario: Scenario;
  fanout?: FanoutConfig;
  /** The connections scenario; its one-to-one trials use `users`, `rate` and `stop`. */
  connections?: ConnectionsConfig;
  users: number;
  topology: TopologyKind;
  /** Peers per user in a random graph. */
  degree: number;
  /** Total messages, or how long to send (open loop: rate x duration messages). */
  stop: { messages: number } | { durationMs: number };
  /** Offered messages per second across all users, or 'max' (closed loop with `window` in flight). */
  rate: number | 'max';
  window: number;
  qos: Qos;
  payloadBytes: number;
  phases: PathName[];
  drainTimeoutMs: number;
  seed: number;
  jsonFile?: string;
  /** The picture (SVG) of the run's latencies; by default beside the JSON report. */
  pictureFile?: string;
  search?: SearchConfig;
  target: LocalTarget | ExternalTarget;
  /** Kill -9 the spawned engine this long (ms) into the engine path's trial and restart it (`--kill-engine-at`). */
  killEngineAtMs?: number;
  /** `--receipts`: the engine phase runs again, every recipient reporting delivered on arrival and read after `readDelayMs`. */
  receipts?: ReceiptsConfig;
  /** `--history N`: instead of the one-to-one trial (engine path, bench stack). */
  history?: HistoryConfig;
}

/** `--history N`: the database loaded to N messages through the pipeline, then the history endpoints measured. */
export interface HistoryConfig {
  messages: number;
}

/** The second engine phase of `--receipts`, and its end check of the stored read positions. */
export interface ReceiptsConfig {
  /** How long after a message arrives its recipient marks it read (ms). */
  readDelayMs: number;
  /** After the phase drained, how long the stored positions and unread counts may take to come right (ms). */
  settleTimeoutMs: number;
}
