import { EngineActivity, engineActivity, scrapeMetrics } from '../measure/engine-metrics';
import { RestartFigures, restartFigures, RestartTimes, Timeline } from '../measure/restart-window';
import { EngineHandle } from './targets';

/** With `--kill-engine-at`, the load goes on at least this long after the restarted engine is ready. */
export const MIN_SEND_AFTER_READY_MS = 20_000;

/** The restart of `--kill-engine-at`, as the trial reports it. */
export interface RestartResult extends RestartFigures {
  /** When the kill came, ms into the trial. */
  killAtMs: number;
  killedPid: number;
  restartedPid: number | null;
  /** The restarted engine's log. */
  logFile: string | null;
  /** Messages the database held when the first engine started. */
  storedAtStart: number | null;
  /** The restarted engine's /metrics at the end of the trial (everything it did since it started); null when unread. */
  restartedEngine: EngineActivity | null;
}

/**
 * Kills and restarts a spawned engine `atMs` into a trial. Until the restarted engine is ready
 * `minEndAt` is Infinity (the load must not stop before it), then ready + MIN_SEND_AFTER_READY_MS.
 */
export class ScheduledRestart {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private times: (RestartTimes & { killedPid: number }) | null = null;
  private failure: Error | null = null;
  private running: Promise<void> | null = null;
  private startedAt = 0;

  constructor(
    readonly atMs: number,
    private readonly engine: EngineHandle,
  ) {
    if (!engine.restart) throw new Error('--kill-engine-at needs the engine the bench spawns');
  }

  /** Schedules the kill, `atMs` after the trial's start. */
  arm(startedAt: number): void {
    this.startedAt = startedAt;
    this.timer = setTimeout(() => {
      this.running = this.engine.restart!().then(
        (t) => void (this.times = t),
        (err: unknown) => void (this.failure = err instanceof Error ? err : new Error(String(err))),
      );
    }, Math.max(0, startedAt + this.atMs - performance.now()));
  }

  minEndAt(): number {
    if (this.failure) return -Infinity;
    return this.times ? this.times.readyAt + MIN_SEND_AFTER_READY_MS : Infinity;
  }

  /** After the trial: the restart's figures from the trial's timeline; throws when the restart failed or never came. */
  async result(timeline: Timeline): Promise<RestartResult> {
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    if (this.failure) throw new Error(`restarting the engine failed: ${this.failure.message}`);
    if (!this.times) throw new Error('the trial ended before the engine was killed');
    const metrics = await scrapeMetrics(this.engine.url);
    return {
      killAtMs: this.times.killedAt - this.startedAt,
      ...restartFigures(timeline, this.times),
      killedPid: this.times.killedPid,
      restartedPid: this.engine.pid ?? null,
      logFile: this.engine.logFile ?? null,
      storedAtStart: this.engine.storedAtStart ?? null,
      restartedEngine: metrics === null ? null : engineActivity(metrics),
    };
  }
}
