import { readFileSync } from 'node:fs';

/** The operating system limits that bound how many connections one machine can hold. */
export interface ConnectionLimits {
  /** The load generator's open files (soft `ulimit -n`): one per connection. */
  generatorOpenFiles: number | null;
  /** The broker's open files: one per connection, and its own files besides. */
  brokerOpenFiles: number | null;
  /** Local ports for outgoing connections (`net.ipv4.ip_local_port_range`): one per connection to the one broker port. */
  ephemeralPorts: number | null;
}

/** The soft "Max open files" of a process (from /proc/PID/limits), null when unreadable or unlimited. */
export function openFilesLimit(pid: number | 'self'): number | null {
  try {
    return parseOpenFiles(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  } catch {
    return null;
  }
}

export function parseOpenFiles(limits: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limits);
  return m && /^\d+$/.test(m[1]) ? Number(m[1]) : null;
}

/** How many local ports `ip_local_port_range` ("32768\t60999") holds. */
export function parsePortRange(range: string): number | null {
  const m = /^\s*(\d+)\s+(\d+)\s*$/.exec(range);
  return m ? Number(m[2]) - Number(m[1]) + 1 : null;
}

export function connectionLimits(brokerPid: number | null | undefined): ConnectionLimits {
  let ephemeralPorts: number | null = null;
  try {
    ephemeralPorts = parsePortRange(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
  } catch {
    // not Linux: unknown
  }
  return { generatorOpenFiles: openFilesLimit('self'), brokerOpenFiles: brokerPid ? openFilesLimit(brokerPid) : null, ephemeralPorts };
}

/** Files a process needs besides its connections (its own files, listeners, the stack's other sockets). */
export const SPARE_FILES = 500;

/**
 * Why `connections` (plus `others` of the bench's own) cannot be opened under these limits, or
 * null: each connection takes a file in the generator and in the broker, and a local port.
 */
export function limitProblem(limits: ConnectionLimits, connections: number, others: number): string | null {
  const needed = connections + others + SPARE_FILES;
  if (limits.generatorOpenFiles !== null && limits.generatorOpenFiles < needed) {
    return `the load generator may open ${limits.generatorOpenFiles} files (ulimit -n) and ${connections} connections need about ${needed}: raise ulimit -n, or ask for fewer --connections`;
  }
  if (limits.brokerOpenFiles !== null && limits.brokerOpenFiles < needed) {
    return `the broker may open ${limits.brokerOpenFiles} files and ${connections} connections need about ${needed}: start its stack with a higher ulimit -n, or ask for fewer --connections`;
  }
  if (limits.ephemeralPorts !== null && limits.ephemeralPorts < connections + others) {
    return `${connections + others} connections to one broker port need as many local ports, and net.ipv4.ip_local_port_range has ${limits.ephemeralPorts}`;
  }
  return null;
}
