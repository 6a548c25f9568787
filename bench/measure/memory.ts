import { readProcess } from './proc-sampler';

/** The processes whose memory the connections scenario follows. */
export const MEMORY_ROLES = ['broker', 'engine', 'generator'] as const;
export type MemoryRole = (typeof MEMORY_ROLES)[number];

/** Resident set size of each process at one moment (MB); null when it could not be read. */
export type MemoryPoint = Record<MemoryRole, number | null>;

/** The median of a few RSS readings `intervalMs` apart (MB), or null when the process cannot be read. */
export async function rssMb(pid: number | null | undefined, readings = 3, intervalMs = 500): Promise<number | null> {
  if (!pid) return null;
  const values: number[] = [];
  for (let i = 0; i < readings; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, intervalMs));
    const read = readProcess(pid);
    if (read) values.push(read.rssKb / 1024);
  }
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[Math.floor((values.length - 1) / 2)];
}

/** Every role's RSS now (read one after the other). */
export async function memoryPoint(pids: Partial<Record<MemoryRole, number | null>>): Promise<MemoryPoint> {
  return { broker: await rssMb(pids.broker), engine: await rssMb(pids.engine), generator: await rssMb(pids.generator) };
}

/** What each connection costs a process: (RSS held - RSS before) / connections, in KB; null without both readings or connections. */
export function kbPerConnection(beforeMb: number | null, heldMb: number | null, connections: number): number | null {
  if (beforeMb === null || heldMb === null || connections <= 0) return null;
  return ((heldMb - beforeMb) * 1024) / connections;
}
