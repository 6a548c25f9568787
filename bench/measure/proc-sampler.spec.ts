import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readProcess, summarize } from './proc-sampler';

describe('readProcess', () => {
  it('reads the CPU time and RSS of a live process', () => {
    const self = readProcess(process.pid);
    expect(self).not.toBeNull();
    expect(self!.cpuSeconds).toBeGreaterThan(0);
    expect(self!.rssKb * 1024).toBeGreaterThan(process.memoryUsage().heapUsed / 4);
  });

  it("with children, counts a child's CPU while it runs and once it has ended", async () => {
    const before = readProcess(process.pid, true)!.cpuSeconds;
    const own = () => readProcess(process.pid)!.cpuSeconds;
    const ownBefore = own();
    // A child that spins for 600 ms of CPU, then waits to be told to end.
    const child = spawn(process.execPath, ['-e', "const t = process.cpuUsage(); while (process.cpuUsage(t).user < 600e3); console.log('spun'); setTimeout(() => {}, 60e3)"], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(child.stdout!, 'data');
    const whileAlive = readProcess(process.pid, true)!.cpuSeconds - before - (own() - ownBefore);
    child.kill();
    await once(child, 'exit');
    const afterEnd = readProcess(process.pid, true)!.cpuSeconds - before - (own() - ownBefore);
    expect(whileAlive).toBeGreaterThanOrEqual(0.5);
    expect(afterEnd).toBeGreaterThanOrEqual(whileAlive - 0.05);
    // Without children, the child's 600 ms are not counted (this process only waited meanwhile).
    expect(own() - ownBefore).toBeLessThan(0.4);
  });

  it('is null for a process that does not exist', () => {
    expect(readProcess(2 ** 22 + 1)).toBeNull();
  });
});

describe('summarize', () => {
  it('averages CPU over the window in % of one core and finds the peaks', () => {
    const samples = [
      { at: 0, cpuSeconds: 10, rssKb: 100 * 1024 },
      { at: 1000, cpuSeconds: 10.5, rssKb: 120 * 1024 },
      { at: 2000, cpuSeconds: 12, rssKb: 110 * 1024 },
    ];
    expect(summarize(7, samples)).toEqual({
      pid: 7,
      cpuPercent: 100,
      cpuSeconds: 2,
      peakCpuPercent: 150,
      peakRssMb: 120,
      rssSlopeMbPerMin: null,
      samples: 3,
    });
  });

  it('reports the RSS trend per minute once there are enough samples', () => {
    const samples = Array.from({ length: 12 }, (_, i) => ({ at: i * 5000, cpuSeconds: i, rssKb: (100 + i) * 1024 }));
    expect(summarize(7, samples)!.rssSlopeMbPerMin).toBeCloseTo(12); // 1 MB per 5 s
  });

  it('needs two samples', () => {
    expect(summarize(7, [{ at: 0, cpuSeconds: 1, rssKb: 1 }])).toBeNull();
  });
});
