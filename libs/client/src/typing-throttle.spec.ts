import type { TypingState } from '@app/protocol';
import { TYPING_MIN_INTERVAL_MS, TYPING_REFRESH_MS, TypingThrottle } from './typing-throttle';

function setup(online = () => true) {
  const sent: Array<[string, TypingState, number]> = [];
  const throttle = new TypingThrottle((peer, state) => {
    if (!online()) return false;
    sent.push([peer, state, Date.now()]);
    return true;
  });
  return { throttle, sent };
}

describe('TypingThrottle', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('sends the first indicator at once, and drops repeats of it until a refresh is due', () => {
    const t = setup();
    for (let i = 0; i < 20; i++) {
      t.throttle.request('bob', 'typing');
      jest.advanceTimersByTime(100);
    }
    expect(t.sent.map(([, s]) => s)).toEqual(['typing']);
    jest.advanceTimersByTime(TYPING_REFRESH_MS);
    t.throttle.request('bob', 'typing');
    expect(t.sent.map(([, s]) => s)).toEqual(['typing', 'typing']);
  });

  it('holds a change made too soon until the interval ends, and sends the latest state then', () => {
    const t = setup();
    t.throttle.request('bob', 'typing');
    jest.advanceTimersByTime(100);
    t.throttle.request('bob', 'paused');
    expect(t.sent).toHaveLength(1);
    jest.advanceTimersByTime(TYPING_MIN_INTERVAL_MS);
    expect(t.sent.map(([, s, at]) => [s, at - 1_000_000])).toEqual([
      ['typing', 0],
      ['paused', TYPING_MIN_INTERVAL_MS],
    ]);
  });

  it('sends nothing at the interval\'s end when the latest state is the one already sent', () => {
    const t = setup();
    t.throttle.request('bob', 'typing');
    t.throttle.request('bob', 'paused');
    t.throttle.request('bob', 'typing');
    jest.advanceTimersByTime(TYPING_MIN_INTERVAL_MS * 4);
    expect(t.sent.map(([, s]) => s)).toEqual(['typing']);
  });

  it('never sends more than one indicator per interval per conversation, and keeps conversations apart', () => {
    const t = setup();
    for (let i = 0; i < 40; i++) {
      t.throttle.request('bob', i % 2 ? 'paused' : 'typing');
      t.throttle.request('group-1', i % 2 ? 'typing' : 'paused');
      jest.advanceTimersByTime(50);
    }
    jest.advanceTimersByTime(TYPING_MIN_INTERVAL_MS);
    for (const peer of ['bob', 'group-1']) {
      const times = t.sent.filter(([p]) => p === peer).map(([, , at]) => at);
      expect(times.length).toBeGreaterThan(2);
      for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(TYPING_MIN_INTERVAL_MS);
    }
  });

  it('records nothing it could not send, and drops what waits when cleared', () => {
    let online = false;
    const t = setup(() => online);
    t.throttle.request('bob', 'typing');
    online = true;
    t.throttle.request('bob', 'typing');
    expect(t.sent).toHaveLength(1);
    t.throttle.request('bob', 'paused');
    t.throttle.clear();
    jest.advanceTimersByTime(TYPING_REFRESH_MS);
    expect(t.sent).toHaveLength(1);
  });
});
