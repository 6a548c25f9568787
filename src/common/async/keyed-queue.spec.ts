import { KeyedQueue } from './keyed-queue';

const tick = () => new Promise((r) => setImmediate(r));

describe('KeyedQueue', () => {
  it('runs one key\'s tasks in order, one at a time, and other keys beside them', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    let releaseA!: () => void;
    const a1 = queue.run('a', () => new Promise<void>((r) => (releaseA = () => (log.push('a1'), r()))));
    const a2 = queue.run('a', async () => void log.push('a2'));
    const b1 = queue.run('b', async () => void log.push('b1'));
    await b1;
    await tick();
    expect(log).toEqual(['b1']); // a2 waits for a1
    releaseA();
    await Promise.all([a1, a2]);
    expect(log).toEqual(['b1', 'a1', 'a2']);
    await tick();
    expect(queue.size).toBe(0);
  });

  it('goes on after a failed task, which fails only its own caller', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', async () => Promise.reject(new Error('boom')));
    const next = queue.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
