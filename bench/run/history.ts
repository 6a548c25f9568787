import { randomBytes } from 'node:crypto';
import mongoose, { mongo } from 'mongoose';
import { HistoryConfig } from '../config/bench-config';
import { seededRandom } from '../load/random';
import { Topology } from '../load/topology';
import { percentiles, Percentiles } from '../measure/stats';
import { histogramsBetween, HistogramStats, scrapeMetrics } from '../measure/engine-metrics';
import { adminGet, storedMessages } from '../stack/engine-admin';
import { connectDirectUsers, pidsFor, prepareEngine, RunContext } from './targets';
import { warmUp } from './phase';
import { SummaryProbe, SummaryProbeResult } from './summary-probe';
import { runTrial, TrialContext, TrialResult } from './trial';

/** `--history`: 100 users, each in 20 conversations of two, 1,000 conversations in all (the issue's data shape). */
export const HISTORY_USERS = 100;
const REACH = 10;
/** Calls of each history endpoint measured. */
const CALLS = 50;
const PAGE = 20;
/** The hot path's trials beside the history queries: their rate and length. */
const HOT_RATE = 200;
const HOT_MS = 20_000;
/** The sustained load beside which the summaries' probe runs when nothing is loaded (and after the load). */
const PROBE_MS = 20_000;
const LAG_TIMEOUT_MS = 180_000;

export interface HistoryResult {
  /** Messages stored before, loaded by this run (through the pipeline), and stored at the end. */
  storedBefore: number;
  loaded: number;
  storedAfter: number;
  conversations: number;
  /** The load's trial (null when the database held enough already). */
  load: TrialResult | null;
  /** The summaries' lag seen from outside (`SummaryProbe`): beside the load (null without one), and beside PROBE_MS at the highest rate. */
  probeBesideLoad: SummaryProbeResult | null;
  probeAtMax: SummaryProbeResult;
  atMax: TrialResult;
  /** From the last of one message per conversation sent until every summary (both sides) showed it (ms); null: not within the timeout. */
  summariesLagMs: number | null;
  /** From the same send until the last copy of those messages reached its user (ms): the pipeline's share of the lag. */
  summariesDeliveredMs: number | null;
  /** How long the poll that saw the last summary took (ms): the lag is at most that much shorter. */
  summariesLastPollMs: number | null;
  /** The engine's own figure over the check (`engine_summary_lag_seconds`): per insert of change records, from the first change it holds. */
  summariesEngineLag: HistogramStats | null;
  /** Time per call (ms) of a conversation's newest page, a page deep in it (from its oldest end), a user's conversation list. */
  firstPage: Percentiles | null;
  deepPage: Percentiles | null;
  conversationList: Percentiles | null;
  /** The hot path at HOT_RATE msg/s, alone and while the three queries run in a loop (with how many ran meanwhile). */
  hotAlone: TrialResult;
  hotBeside: TrialResult;
  queriesBeside: number;
}

interface Page {
  items: Array<{ message_id?: string }>;
  next_cursor?: string | null;
}

/**
 * Loads the database to `messages` stored messages through the real pipeline (MQTT -> engine ->
 * database; resumable: only what is missing is sent), then measures the history endpoints, the
 * summaries' lag, and the hot path beside history queries.
 */
export async function runHistory(run: RunContext, history: HistoryConfig, onEngineLog: (file: string) => void): Promise<HistoryResult> {
  const { config, target, progress } = run;
  const engine = await prepareEngine(config, run.root, target, run.resources, progress);
  if (engine.logFile) onEngineLog(engine.logFile);
  const userIds = Array.from({ length: HISTORY_USERS }, (_, i) => `history-${i}`);
  const topology = Topology.circulant(HISTORY_USERS, REACH, seededRandom(config.seed));
  const conversations = topology.conversations();
  const { driver, sink, disconnect } = await connectDirectUsers(run, 'engine', userIds, engine);
  const ctx: TrialContext = {
    path: 'engine',
    driver,
    sink,
    topology,
    payloadBytes: config.payloadBytes,
    drainTimeoutMs: config.drainTimeoutMs,
    pids: pidsFor(config, target, engine),
    engineUrl: engine.url,
    progress,
  };
  const mongoUri = target.stack!.mongoUri;

  const storedBefore = await storedMessages(mongoUri);
  // The summaries' check sends one message per conversation at the end: part of the N.
  const loaded = Math.max(0, history.messages - conversations.length - storedBefore);
  const probe = await SummaryProbe.open(run, engine.url!);
  let load: TrialResult | null = null;
  let probeBesideLoad: SummaryProbeResult | null = null;
  if (loaded > 0) {
    progress.log(`history: ${storedBefore.toLocaleString('en-US')} messages stored; loading ${loaded.toLocaleString('en-US')} more, the summaries' probe beside`);
    probe.start();
    try {
      load = await runTrial(ctx, { label: 'load', rate: 'max', window: config.window, total: loaded });
    } finally {
      probeBesideLoad = await probe.stop();
    }
  } else {
    progress.log(`history: ${storedBefore.toLocaleString('en-US')} messages stored already; nothing to load`);
  }
  const derivedDb = config.target.kind === 'local' ? config.target.engineEnv.MONGODB_DERIVED_DB : undefined;
  const metricsBefore = await scrapeMetrics(engine.url);
  const { lagMs: summariesLagMs, deliveredMs: summariesDeliveredMs, lastPollMs: summariesLastPollMs } = await summariesLag(mongoUri, derivedDb, ctx, conversations, userIds, (l) => progress.log(l));
  const summariesEngineLag = histogramsBetween(metricsBefore, await scrapeMetrics(engine.url), SUMMARY_LAG, '')?.get('') ?? null;

  const call = (path: string) => adminGet<Page>(engine.url!, target.settings.adminApiKey, path);
  const sample = Array.from({ length: CALLS }, (_, i) => conversations[Math.floor((i * conversations.length) / CALLS)]);
  const messagesOf = ([a, b]: [number, number]) => `users/${userIds[a]}/conversations/${userIds[b]}/messages`;
  // The deep page: the second page from the oldest end, by the cursor of the first (ascending).
  const deepCursors: Array<string | undefined> = [];
  for (const c of sample) deepCursors.push((await call(`${messagesOf(c)}?order=asc&limit=${PAGE}`)).next_cursor ?? undefined);
  const queries = [
    (i: number) => call(`${messagesOf(sample[i])}?order=desc&limit=${PAGE}`),
    (i: number) => call(`${messagesOf(sample[i])}?order=asc&limit=${PAGE}${deepCursors[i] ? `&cursor=${encodeURIComponent(deepCursors[i]!)}` : ''}`),
    (i: number) => call(`users/${userIds[sample[i][0]]}/conversations?limit=${PAGE}`),
  ];
  progress.log(`history: ${CALLS} calls of each endpoint`);
  const timings: Array<Percentiles | null> = [];
  for (const query of queries) {
    const times = new Float64Array(CALLS);
    for (let i = 0; i < CALLS; i++) {
      const start = performance.now();
      await query(i);
      times[i] = performance.now() - start;
    }
    timings.push(percentiles(times));
  }

  progress.log(`history: the highest rate for ${PROBE_MS / 1000} s, the summaries' probe beside`);
  probe.start();
  const atMax = await runTrial(ctx, { label: 'highest rate, probe beside', rate: 'max', window: config.window, durationMs: PROBE_MS });
  const probeAtMax = await probe.stop();

  progress.log(`history: the hot path at ${HOT_RATE} msg/s for ${HOT_MS / 1000} s, alone and then beside history queries in a loop`);
  await warmUp(ctx, HISTORY_USERS, config.window);
  const hotAlone = await runTrial(ctx, { label: `${HOT_RATE} msg/s alone`, rate: HOT_RATE, window: config.window, durationMs: HOT_MS });
  let querying = true;
  let queriesBeside = 0;
  const loop = (async () => {
    for (let i = 0; querying; i++) {
      await queries[i % queries.length](Math.floor(i / queries.length) % CALLS);
      queriesBeside++;
    }
  })();
  const hotBeside = await runTrial(ctx, { label: `${HOT_RATE} msg/s beside history queries`, rate: HOT_RATE, window: config.window, durationMs: HOT_MS }).finally(() => {
    querying = false;
  });
  await loop;
  await disconnect();
  const storedAfter = await storedMessages(mongoUri);
  await engine.release();
  return {
    storedBefore,
    loaded,
    storedAfter,
    conversations: conversations.length,
    load,
    summariesLagMs,
    summariesDeliveredMs,
    summariesLastPollMs,
    summariesEngineLag,
    firstPage: timings[0],
    deepPage: timings[1],
    conversationList: timings[2],
    hotAlone,
    hotBeside,
    queriesBeside,
    probeBesideLoad,
    probeAtMax,
    atMax,
  };
}

/** The history run's trials, in the order they ran. */
export function historyTrials(h: HistoryResult): TrialResult[] {
  return [h.load, h.atMax, h.hotAlone, h.hotBeside].filter((t): t is TrialResult => t !== null);
}

const SUMMARY_LAG = 'engine_summary_lag_seconds';

/**
 * Sends one message in each conversation (a text of this check's own), then polls the summaries
 * until both sides of every conversation show it: the time from the last send (ms), or null; and
 * when the last copy of those messages arrived (the check runs alone, so the last one is theirs).
 */
async function summariesLag(
  mongoUri: string,
  derivedDb: string | undefined,
  ctx: TrialContext,
  conversations: Array<[number, number]>,
  userIds: string[],
  log: (line: string) => void,
): Promise<{ lagMs: number | null; deliveredMs: number | null; lastPollMs: number | null }> {
  const text = `summary check ${randomBytes(4).toString('hex')}`;
  const conn = await mongoose.createConnection(mongoUri, { serverSelectionTimeoutMS: 10_000 }).asPromise();
  try {
    const derived = conn.useDb(derivedDb ?? `${conn.name}_derived`).db!;
    const sides = new Set(conversations.flatMap(([a, b]) => [`${userIds[a]}:${userIds[b]}`, `${userIds[b]}:${userIds[a]}`]));
    log(`history: one message in each of the ${conversations.length} conversations; waiting for every summary to show it`);
    conversations.forEach(([a, b], k) => ctx.driver.send(k % 2 ? b : a, k % 2 ? a : b, `${text.replace(/ /g, '-')}-${k}`, text));
    const sentAt = performance.now();
    const delivered = () => (ctx.sink.lastEventAt > sentAt ? ctx.sink.lastEventAt - sentAt : null);
    while (performance.now() - sentAt < LAG_TIMEOUT_MS) {
      const pollAt = performance.now();
      for (const side of await sidesShowing(derived, text)) sides.delete(side);
      const now = performance.now();
      if (sides.size === 0) return { lagMs: now - sentAt, deliveredMs: delivered(), lastPollMs: now - pollAt };
      await new Promise((r) => setTimeout(r, 100));
    }
    return { lagMs: null, deliveredMs: delivered(), lastPollMs: null };
  } finally {
    await conn.close();
  }
}

/**
 * The conversation sides (`owner:peer`) that show a message with this text, as the engine's readers
 * see them: in the stored summary, or in a change record not folded into it yet
 * (docs/architecture.md). Both collections are read whole, without filters FerretDB would run over
 * every row anyway: the summaries are one per side, and the change records stay few (compacted).
 */
async function sidesShowing(derived: mongo.Db, text: string): Promise<string[]> {
  const [summaries, records] = await Promise.all([
    derived.collection('conversations').find({}, { projection: { owner: 1, peer: 1, 'last_message.text': 1 } }).toArray(),
    derived.collection('conversation_changes').find({}, { projection: { owner: 1, changes: 1 } }).toArray(),
  ]);
  const changes = records.flatMap((r) => (r.changes as Array<{ peer: string; revised: boolean; last_message: { text: string } }>).map((c) => ({ ...c, owner: r.owner as string })));
  return [
    ...summaries.filter((s) => s.last_message?.text === text).map((s) => `${s.owner}:${s.peer}`),
    ...changes.filter((c) => !c.revised && c.last_message.text === text).map((c) => `${c.owner}:${c.peer}`),
  ];
}
