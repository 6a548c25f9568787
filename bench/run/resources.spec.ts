import { Resources } from './resources';

describe('Resources', () => {
  it('releases in reverse order, and what was released early only once', async () => {
    const order: string[] = [];
    const r = new Resources();
    r.add('stack', async () => void order.push('stack'));
    const releaseEngine = r.add('engine', async () => void order.push('engine'));
    r.add('clients', async () => void order.push('clients'));
    await releaseEngine();
    await releaseEngine();
    await r.releaseAll(() => undefined);
    expect(order).toEqual(['engine', 'clients', 'stack']);
  });

  it('goes on releasing after a failure, and reports it', async () => {
    const r = new Resources();
    const released: string[] = [];
    r.add('a', async () => void released.push('a'));
    r.add('b', async () => {
      throw new Error('stuck');
    });
    const log: string[] = [];
    await r.releaseAll((l) => log.push(l));
    expect(released).toEqual(['a']);
    expect(log).toEqual(['could not release b: stuck']);
  });
});
