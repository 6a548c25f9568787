import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { slope } from './stats';

export interface ProcessStats {
  pid: number;
  /** Average CPU over the trial, in % of one core (200% = both cores of a 2-core machine). */
  cpuPercent: number;
  /** CPU time (user + system) used over the trial, s. */
  cpuSeconds: number;
  /** Highest one-interval CPU. */
  peakCpuPercent: number;
  /** Highest resident set size seen, MB. */
  peakRssMb: number;
  /** Trend of the RSS over the trial (least squares), MB per minute; null on short trials. */
  rssSlopeMbPerMin: number | null;
  samples: number;
}

interface Sample {
  at: number;
  cpuSeconds: number;
  rssKb: number;
}

let clockTicks: number | undefined;

/** Kernel clock ticks per second (the unit of /proc/PID/stat times); 100 on Linux unless told otherwise. */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The fields of /proc/PID/stat after the command name, which may contain spaces and parentheses. */
function statFields(pid: number): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime (fields 14 and 15), and with `reaped` the children's it waited for (16 and 17), in ticks. */
function cpuTicks(fields: string[], reaped: boolean): number {
  return Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
}

/**
 * CPU seconds (user + system) and RSS of a process, from /proc; null once it is gone. With
 * `children`, the CPU also counts its children, live (their own time) and ended (the time the
 * kernel added to the parent when it waited for them), so a child that ends between two reads
 * moves its time from one sum to the other: PostgreSQL's backends, say. The RSS is the process's own.
 */
export function readProcess(pid: number, children = false): { cpuSeconds: number; rssKb: number } | null {
  try {
    let ticks = cpuTicks(statFields(pid), children);
    if (children) {
      for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean)) {
        try {
          ticks += cpuTicks(statFields(Number(child)), false);
        } catch {
          // Ended since the list was read: its time is in the parent's once it is waited for.
        }
      }
    }
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return { cpuSeconds: ticks / ticksPerSecond(), rssKb: rss ? Number(rss[1]) : 0 };
  } catch {
    return null;
  }
}

/** Samples one process's CPU (with `children`, its children's too) and RSS every interval while a trial runs. */
export class ProcessSampler {
  private readonly samples: Sample[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;
  private result: ProcessStats | null | undefined;

  constructor(
    readonly pid: number,
    private readonly intervalMs = 1000,
    private readonly children = false,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling (once; later calls answer the same); null when the process could not be read. */
  stop(): ProcessStats | null {
    if (this.result !== undefined) return this.result;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    this.result = summarize(this.pid, this.samples);
    return this.result;
  }

  private sample(): void {
    const now = performance.now();
    const read = readProcess(this.pid, this.children);
    if (read) this.samples.push({ at: now, ...read });
  }
}

export function summarize(pid: number, samples: readonly Sample[]): ProcessStats | null {
  if (samples.length < 2) return null;
  const first = samples[0];
  const last = samples[samples.length - 1];
  const seconds = (last.at - first.at) / 1000;
  if (seconds <= 0) return null;
  let peakCpu = 0;
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].at - samples[i - 1].at) / 1000;
    if (dt > 0) peakCpu = Math.max(peakCpu, ((samples[i].cpuSeconds - samples[i - 1].cpuSeconds) / dt) * 100);
  }
  // Fewer than ten samples make a trend of noise.
  const trend = samples.length >= 10 ? slope(samples.map((s) => s.at / 60_000), samples.map((s) => s.rssKb / 1024)) : null;
  return {
    pid,
    cpuPercent: ((last.cpuSeconds - first.cpuSeconds) / seconds) * 100,
    cpuSeconds: last.cpuSeconds - first.cpuSeconds,
    peakCpuPercent: peakCpu,
    peakRssMb: Math.max(...samples.map((s) => s.rssKb)) / 1024,
    rssSlopeMbPerMin: trend,
    samples: samples.length,
  };
}
