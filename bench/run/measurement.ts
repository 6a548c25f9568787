import { monitorEventLoopDelay } from 'node:perf_hooks';
import { dbWritesBetween, DbWriteStats, scrapeMetrics, StageStats, stagesBetween } from '../measure/engine-metrics';
import { ProcessSampler, ProcessStats } from '../measure/proc-sampler';

/** database: FerretDB; postgres: its backend with all its processes (the stack's PostgreSQL, when it runs one). */
export const ROLES = ['engine', 'broker', 'database', 'postgres', 'generator'] as const;
export type ProcessRole = (typeof ROLES)[number];

export interface Measured {
  processes: Record<ProcessRole, ProcessStats | null>;
  /**
   * How long the generator's event loop was blocked (ms). Small while the generator is far behind
   * schedule means the generator was not scheduled (the CPUs were busy), rather than busy itself.
   */
  generatorLoopDelay: { p50: number; p99: number; max: number };
  /** null: the engine does not report database writes (or this is the raw path). */
  dbWrites: DbWriteStats[] | null;
  /** The engine's pipeline stages (`engine_stage_seconds`, `engine_pipeline_latency_seconds`); null when it reports none (or this is the raw path). */
  stages: StageStats[] | null;
}

export interface Measurement {
  /** Ends the measurement (once) and collects it. */
  stop(): Promise<Measured>;
  /** Stops the samplers without collecting (after an error). */
  abandon(): void;
}

/**
 * What a trial measures besides its messages, from its start to its end: each process's CPU and
 * memory (the generator is this process), the generator's event loop delay, and the engine's
 * database writes and pipeline stages between two scrapes of its /metrics.
 */
export async function startMeasurement(pids: Partial<Record<ProcessRole, number | null>>, engineUrl: string | undefined): Promise<Measurement> {
  const samplers = new Map<ProcessRole, ProcessSampler>();
  const all: Partial<Record<ProcessRole, number | null>> = { ...pids, generator: process.pid };
  for (const role of ROLES) {
    const pid = all[role];
    if (pid) samplers.set(role, new ProcessSampler(pid, 1000, role === 'postgres'));
  }
  const metricsBefore = await scrapeMetrics(engineUrl);
  for (const s of samplers.values()) s.start();
  const loopDelay = monitorEventLoopDelay({ resolution: 5 });
  loopDelay.enable();
  const abandon = () => {
    loopDelay.disable();
    for (const s of samplers.values()) s.stop();
  };
  return {
    abandon,
    async stop() {
      abandon();
      const processes: Record<ProcessRole, ProcessStats | null> = { engine: null, broker: null, database: null, postgres: null, generator: null };
      for (const [role, sampler] of samplers) processes[role] = sampler.stop();
      const metricsAfter = await scrapeMetrics(engineUrl);
      return {
        processes,
        // The histogram is in ns and includes the sampling resolution itself.
        generatorLoopDelay: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        dbWrites: engineUrl ? dbWritesBetween(metricsBefore, metricsAfter) : null,
        stages: engineUrl ? stagesBetween(metricsBefore, metricsAfter) : null,
      };
    },
  };
}
