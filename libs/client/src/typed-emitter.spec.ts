import { TypedEmitter } from './typed-emitter';

type Events = { ping: [n: number]; done: [] };

class Emitter extends TypedEmitter<Events> {
  fire<E extends keyof Events>(event: E, ...args: Events[E]): void {
    this.emit(event, ...args);
  }
}

describe('TypedEmitter', () => {
  it('calls listeners with the arguments, until they are removed', () => {
    const e = new Emitter();
    const seen: number[] = [];
    const listener = (n: number) => seen.push(n);
    e.on('ping', listener);
    e.fire('ping', 1);
    e.off('ping', listener);
    e.fire('ping', 2);
    expect(seen).toEqual([1]);
    expect(e.listenerCount('ping')).toBe(0);
  });

  it('calls a once() listener once, and off() removes it before it fires', () => {
    const e = new Emitter();
    const once = jest.fn();
    const removed = jest.fn();
    e.once('done', once).once('done', removed).off('done', removed);
    e.fire('done');
    e.fire('done');
    expect(once).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
  });

  it('does nothing for an event without listeners (no special error event)', () => {
    expect(() => new Emitter().fire('done')).not.toThrow();
  });
});
