import { randomBytes } from 'node:crypto';
import { ChatClient, connect } from '@app/client';
import { percentiles, Percentiles } from '../measure/stats';
import { adminGet, registerUsers } from '../stack/engine-admin';
import { RunContext, sendTimeoutMs } from './targets';

/** Two users of the probe's own, outside the load's topology (their conversation gets only the probe's messages). */
export const PROBE_USERS = ['summary-probe-a', 'summary-probe-b'] as const;
/** A sample starts at most this often; the next waits for the one before to be seen (or to time out). */
const EVERY_MS = 1_000;
const POLL_MS = 100;
const SAMPLE_TIMEOUT_MS = 30_000;

export interface SummaryProbeResult {
  /** Messages the probe sent, and those both lists had not shown within SAMPLE_TIMEOUT_MS. */
  samples: number;
  timedOut: number;
  /** From each send until both users' conversation lists (GET .../conversations, as apps read them) showed it (ms). */
  lag: Percentiles | null;
  /** The same, from when the message reached its recipient (ms): the summaries' own share, without the pipeline's queue. */
  lagAfterDelivery: Percentiles | null;
  /** How long one poll of both lists took (ms): each lag is at most one poll plus POLL_MS late. */
  poll: Percentiles | null;
}

interface ConversationPage {
  items: Array<{ peer: string; last_message?: { text: string } }>;
}

/**
 * The summaries' lag seen from outside, beside a load: one message at a time between two users of
 * its own, each timed from its send until both users' conversation lists, read through the admin
 * API, show it. The probe's messages share the load's pipeline, writer windows and database; its
 * lists are short, so its reads cost the database little.
 */
export class SummaryProbe {
  private running = false;
  private loop: Promise<void> = Promise.resolve();
  private readonly lags: number[] = [];
  private readonly lagsAfterDelivery: number[] = [];
  /** The text of the sample in flight, and when its recipient got it. */
  private current = { text: '', deliveredAt: 0 };
  private readonly polls: number[] = [];
  private timedOut = 0;

  private constructor(
    private readonly clients: ChatClient[],
    private readonly list: (user: string) => Promise<ConversationPage>,
  ) {
    for (const client of clients)
      client.on('message', (m) => {
        if (m.text === this.current.text) this.current.deliveredAt = performance.now();
      });
  }

  static async open(run: RunContext, engineUrl: string): Promise<SummaryProbe> {
    const { target, tokens, layout, config, progress } = run;
    await registerUsers(engineUrl, target.settings.adminApiKey, PROBE_USERS, (l) => progress.log(l));
    const clients = await Promise.all(
      PROBE_USERS.map(async (userId) =>
        connect({
          url: target.mqttUrl,
          userId,
          token: await tokens.userToken(userId),
          getToken: () => tokens.userToken(userId),
          pathPrefix: layout.engine.prefix,
          qos: config.qos,
          sendTimeoutMs: sendTimeoutMs(config),
          autoDelivered: false,
        }),
      ),
    );
    run.resources.add("the summaries' probe", async () => {
      await Promise.all(clients.map((c) => c.close()));
    });
    return new SummaryProbe(clients, (user) => adminGet<ConversationPage>(engineUrl, target.settings.adminApiKey, `users/${user}/conversations?limit=5`));
  }

  /** Starts sampling; `stop` ends it and returns what was measured since. */
  start(): void {
    this.lags.length = 0;
    this.lagsAfterDelivery.length = 0;
    this.polls.length = 0;
    this.timedOut = 0;
    this.running = true;
    this.loop = (async () => {
      for (let k = 0; this.running; k++) {
        const startedAt = performance.now();
        await this.sample(k % 2, 1 - (k % 2));
        await sleep(Math.max(0, startedAt + EVERY_MS - performance.now()));
      }
    })();
  }

  async stop(): Promise<SummaryProbeResult> {
    this.running = false;
    await this.loop;
    const f = (values: number[]) => percentiles(Float64Array.from(values));
    return { samples: this.lags.length + this.timedOut, timedOut: this.timedOut, lag: f(this.lags), lagAfterDelivery: f(this.lagsAfterDelivery), poll: f(this.polls) };
  }

  private async sample(from: number, to: number): Promise<void> {
    const text = `probe ${randomBytes(6).toString('hex')}`;
    const sides: Array<[string, string]> = [
      [PROBE_USERS[from], PROBE_USERS[to]],
      [PROBE_USERS[to], PROBE_USERS[from]],
    ];
    this.current = { text, deliveredAt: 0 };
    const sentAt = performance.now();
    // Its confirmation is not awaited: the lists are polled from the send on.
    this.clients[from].send(PROBE_USERS[to], text).catch(() => undefined);
    while (performance.now() - sentAt < SAMPLE_TIMEOUT_MS) {
      const pollAt = performance.now();
      const shown = await Promise.all(sides.map(([owner, peer]) => this.list(owner).then((page) => page.items.some((c) => c.peer === peer && c.last_message?.text === text))));
      const now = performance.now();
      this.polls.push(now - pollAt);
      if (shown.every(Boolean)) {
        this.lags.push(now - sentAt);
        // Shown before its copy arrived (or the copy is late): no delivery-relative figure for it.
        if (this.current.deliveredAt > 0) this.lagsAfterDelivery.push(now - this.current.deliveredAt);
        return;
      }
      await sleep(POLL_MS);
    }
    this.timedOut++;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
