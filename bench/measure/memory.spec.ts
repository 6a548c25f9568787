import { kbPerConnection, rssMb } from './memory';

describe('memory per connection', () => {
  it('is the RSS growth from before to held, per connection, in KB', () => {
    expect(kbPerConnection(150, 400, 1000)).toBeCloseTo(256);
    expect(kbPerConnection(170, 160, 500)).toBeCloseTo(-20.48); // a shrinking heap is shown as it is
  });

  it('has no figure without both readings or without connections', () => {
    expect(kbPerConnection(null, 400, 1000)).toBeNull();
    expect(kbPerConnection(150, null, 1000)).toBeNull();
    expect(kbPerConnection(150, 400, 0)).toBeNull();
  });

  it('reads this process and gives null for no process', async () => {
    expect(await rssMb(process.pid, 1)).toBeGreaterThan(1);
    expect(await rssMb(null)).toBeNull();
  });
});
