import { LoadingCache } from './loading-cache';

/** A load the test resolves by hand, counting the calls per key. */
function manualLoads() {
  const calls: string[] = [];
  const pending = new Map<string, Array<(value: string) => void>>();
  const load = (key: string) => {
    calls.push(key);
    return new Promise<string>((resolve) => pending.set(key, [...(pending.get(key) ?? []), resolve]));
  };
  const finish = (key: string, value: string, which = 0) => pending.get(key)![which](value);
  return { calls, load, finish };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('LoadingCache', () => {
  it('loads a key once and serves it from memory after', async () => {
    const load = jest.fn(async (key: string) => `v-${key}`);
    const cache = new LoadingCache(10, load);
    expect(await cache.get('a')).toBe('v-a');
    expect(await cache.get('a')).toBe('v-a');
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('shares one load between concurrent misses of a key, and answers them in call order', async () => {
    const { calls, load, finish } = manualLoads();
    const cache = new LoadingCache(10, load);
    const order: number[] = [];
    const gets = [1, 2, 3].map((n) => cache.get('a').then(() => order.push(n)));
    finish('a', 'x');
    await Promise.all(gets);
    expect(calls).toEqual(['a']);
    expect(order).toEqual([1, 2, 3]);
  });

  it('drops the least recently used entry past its size', async () => {
    const load = jest.fn(async (key: string) => key);
    const cache = new LoadingCache(2, load);
    await cache.get('a');
    await cache.get('b');
    await cache.get('a'); // a is now more recent than b
    await cache.get('c');
    expect(cache.size).toBe(2);
    load.mockClear();
    await cache.get('a');
    await cache.get('b');
    expect(load.mock.calls.map(([key]) => key)).toEqual(['b']);
  });

  it('caches falsy values (a negative lookup is an answer too)', async () => {
    const load = jest.fn(async () => false);
    const cache = new LoadingCache<boolean>(10, load);
    await cache.get('a');
    expect(await cache.get('a')).toBe(false);
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('reloads an invalidated key', async () => {
    let value = 'old';
    const cache = new LoadingCache(10, async () => value);
    await cache.get('a');
    value = 'new';
    expect(await cache.get('a')).toBe('old');
    cache.invalidate('a');
    expect(await cache.get('a')).toBe('new');
  });

  it('does not let a load that started before an invalidation store or serve its result afterwards', async () => {
    const { calls, load, finish } = manualLoads();
    const cache = new LoadingCache(10, load);
    const stale = cache.get('a');
    cache.invalidate('a');
    const fresh = cache.get('a'); // must not join the stale load
    expect(calls).toEqual(['a', 'a']);
    finish('a', 'before the change', 0);
    expect(await stale).toBe('before the change');
    finish('a', 'after the change', 1);
    expect(await fresh).toBe('after the change');
    expect(await cache.get('a')).toBe('after the change');
    expect(calls).toHaveLength(2);
  });

  it('clear() also discards loads in flight', async () => {
    const { calls, load, finish } = manualLoads();
    const cache = new LoadingCache(10, load);
    const stale = cache.get('a');
    cache.clear();
    finish('a', 'stale');
    await stale;
    await flush();
    expect(cache.size).toBe(0);
    void cache.get('a');
    expect(calls).toEqual(['a', 'a']);
  });

  it('invalidateWhere() drops the matching keys only', async () => {
    const load = jest.fn(async (key: string) => key);
    const cache = new LoadingCache(10, load);
    await Promise.all(['a|b', 'b|c', 'c|d'].map((k) => cache.get(k)));
    cache.invalidateWhere((key) => key.split('|').includes('b'));
    expect(cache.size).toBe(1);
  });

  it('does not cache a failed load', async () => {
    const load = jest.fn().mockRejectedValueOnce(new Error('db down')).mockResolvedValueOnce('ok');
    const cache = new LoadingCache<string>(10, load);
    await expect(cache.get('a')).rejects.toThrow('db down');
    expect(await cache.get('a')).toBe('ok');
    expect(load).toHaveBeenCalledTimes(2);
  });
});
