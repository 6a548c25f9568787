import type { PolicyChangeListener, PolicyEvents } from '../../src/policy/events';

/** For unit specs of a policy cache: the PolicyEvents it subscribes to, and the listener it gave. */
export function fakePolicyEvents() {
  let listener: PolicyChangeListener | undefined;
  const events = { subscribe: (l: PolicyChangeListener) => (listener = l) } as unknown as PolicyEvents;
  return { events, listener: () => listener! };
}
