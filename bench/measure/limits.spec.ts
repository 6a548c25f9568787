import { limitProblem, parseOpenFiles, parsePortRange } from './limits';

describe('connection limits', () => {
  it('reads the soft open-files limit of /proc/PID/limits (null when unlimited)', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseOpenFiles(limits)).toBe(20_000);
    expect(parseOpenFiles('Max open files            unlimited            unlimited            files')).toBeNull();
    expect(parseOpenFiles('')).toBeNull();
  });

  it('counts the local ports of ip_local_port_range', () => {
    expect(parsePortRange('32768\t60999\n')).toBe(28_232);
    expect(parsePortRange('junk')).toBeNull();
  });

  it('says which limit a number of connections breaks', () => {
    const roomy = { generatorOpenFiles: 20_000, brokerOpenFiles: 20_000, ephemeralPorts: 28_232 };
    expect(limitProblem(roomy, 10_000, 40)).toBeNull();
    expect(limitProblem({ ...roomy, generatorOpenFiles: 1024 }, 10_000, 40)).toMatch(/load generator may open 1024 files \(ulimit -n\)/);
    expect(limitProblem({ ...roomy, brokerOpenFiles: 10_200 }, 10_000, 40)).toMatch(/broker may open 10200 files/);
    expect(limitProblem({ ...roomy, ephemeralPorts: 5000 }, 10_000, 40)).toMatch(/local ports/);
    expect(limitProblem({ generatorOpenFiles: null, brokerOpenFiles: null, ephemeralPorts: null }, 10_000, 40)).toBeNull();
  });
});
