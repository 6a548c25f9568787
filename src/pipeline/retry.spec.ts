import { Logger } from '@nestjs/common';
import { retryWhileLive } from './retry';

const fast = { initialMs: 2, maxMs: 4 };

function failing(times: number) {
  let left = times;
  return jest.fn(async () => {
    if (left-- > 0) throw new Error(`down ${times - left}`);
    return 'done';
  });
}

describe('retryWhileLive', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined)));
  afterEach(() => jest.restoreAllMocks());

  it('tries again after each failure until the step succeeds, counting every failure', async () => {
    const step = failing(3);
    const onFailure = jest.fn();
    const result = await retryWhileLive(step, { operation: 'x', logger: new Logger('t'), live: () => true, onFailure, backoff: fast });
    expect(result).toEqual({ ok: true, value: 'done' });
    expect(step).toHaveBeenCalledTimes(4);
    expect(onFailure).toHaveBeenCalledTimes(3);
  });

  it('gives up with the last failure once the work is no longer live, without another attempt', async () => {
    let live = true;
    const step = jest.fn(async () => {
      live = false;
      throw new Error('connection refused');
    });
    const result = await retryWhileLive(step, { operation: 'x', logger: new Logger('t'), live: () => live, backoff: fast });
    expect(result).toEqual({ ok: false, lastError: new Error('connection refused') });
    expect(step).toHaveBeenCalledTimes(1);
  });

  it('does not start a step that is not live', async () => {
    const step = jest.fn(async () => 'done');
    const result = await retryWhileLive(step, { operation: 'x', logger: new Logger('t'), live: () => false });
    expect(result).toEqual({ ok: false, lastError: undefined });
    expect(step).not.toHaveBeenCalled();
  });

  it('starts the first attempt synchronously (batches published in order depend on it)', () => {
    const step = jest.fn(async () => 'done');
    void retryWhileLive(step, { operation: 'x', logger: new Logger('t'), live: () => true });
    expect(step).toHaveBeenCalledTimes(1);
  });

  it('logs failures on attempts 1, 2, 4 and 8 only', async () => {
    await retryWhileLive(failing(9), { operation: 'insert', logger: new Logger('t'), live: () => true, backoff: { initialMs: 1, maxMs: 1 } });
    expect(warn.mock.calls.map(([fields]) => (fields as { attempt: number }).attempt)).toEqual([1, 2, 4, 8]);
  });
});
