/** Event name -> the listener's argument list. */
export type EventMap = { [event: string]: unknown[] };

type Listener<Args extends unknown[]> = (...args: Args) => void;

/** A once() wrapper remembers what it wraps, so off() with the original listener removes it. */
type Registered = Listener<never> & { original?: Listener<never> };

/**
 * A minimal emitter with typed events, so listeners get checked argument types. It has no
 * special 'error' event (Node's EventEmitter throws when one has no listener), and a listener
 * that throws cannot break the client's bookkeeping: the error is re-thrown on its own tick, where
 * it surfaces like any other uncaught exception instead of being swallowed.
 */
export class TypedEmitter<Events extends EventMap> {
  private readonly listeners = new Map<keyof Events, Set<Registered>>();

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const set = this.listeners.get(event);
    if (!set) return this;
    for (const registered of set) {
      if (registered === listener || registered.original === listener) set.delete(registered);
    }
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper: Listener<Events[E]> & { original?: Listener<never> } = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    wrapper.original = listener as Listener<never>;
    return this.on(event, wrapper);
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[E]>)(...args);
      } catch (err) {
        setTimeout(() => {
          throw err;
        });
      }
    }
  }
}
