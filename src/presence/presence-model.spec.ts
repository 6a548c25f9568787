import { Effects, OFFLINE_SETTING_GRACE_MS, PresenceModel } from './presence-model';

const limits = { maxConnectionsPerUser: 3, takeoverGraceMs: 2000, listingLagMs: 10_000 };

const created = (name: string, clientId: string | null, connectedAt = 1, protocol: 'mqtt' | 'web-mqtt' | 'amqp' = 'mqtt') =>
  ({ type: 'connection.created', name, protocol, clientId, connectedAt, peer: '127.0.0.1:1' }) as const;
const channel = (name: string, user: string) => ({ type: 'channel.created', name, user }) as const;
const closed = (name: string) => ({ type: 'connection.closed', name }) as const;

/** Applies events at time `now`; returns the effects. */
function step(model: PresenceModel, now: number, ...events: Array<Parameters<PresenceModel['apply']>[0]>): Effects {
  const fx = new Effects();
  for (const e of events) model.apply(e, now, fx);
  return fx;
}

function connect(model: PresenceModel, name: string, user: string, device = name, now = 1): Effects {
  return step(model, now, created(name, `${user}~${device}`, now), channel(name, user));
}

describe('PresenceModel', () => {
  it('is online from the first identified connection to the close of the last; last seen is kept', () => {
    const m = new PresenceModel(limits);
    const fx = connect(m, 'c1', 'alice');
    expect([m.shown('alice'), [...fx.changed], fx.added.has('c1')]).toEqual(['online', ['alice'], true]);
    expect([...connect(m, 'c2', 'alice').changed]).toEqual([]); // a second device changes nothing
    expect([...step(m, 5, closed('c1')).changed]).toEqual([]);
    expect(m.shown('alice')).toBe('online');
    const last = step(m, 9, closed('c2'));
    expect([m.shown('alice'), [...last.changed], [...last.removed], m.presenceOf('alice')]).toEqual(['offline', ['alice'], ['c2'], { lastSeenAt: 9 }]);
  });

  it('identifies by the channel identity, whatever username the client typed, in either order of events', () => {
    const m = new PresenceModel(limits);
    step(m, 1, channel('c1', 'alice'), created('c1', 'alice~x'));
    expect(m.isOnline('alice')).toBe(true);
    step(m, 1, created('c2', 'bob~x')); // no identity yet: counts for no one
    expect(m.isOnline('bob')).toBe(false);
  });

  it('does not count a connection that breaks the client id rule, and asks to close it', () => {
    const m = new PresenceModel(limits);
    const fx = step(m, 1, created('c1', 'bob~x'), channel('c1', 'alice'));
    expect(m.isOnline('alice')).toBe(false);
    expect(fx.close.map((c) => [c.connection.name, c.reason])).toEqual([['c1', 'the client id must start with "alice~"']]);
    expect(m.isOnline('bob')).toBe(false);
  });

  it('counts MQTT and Web-MQTT connections only (an AMQP one is tracked, not presence)', () => {
    const m = new PresenceModel(limits);
    step(m, 1, created('a1', null, 1, 'amqp'), channel('a1', 'svc'));
    expect([m.isOnline('svc'), m.connections.namesOf('svc')]).toEqual([false, ['a1']]);
    step(m, 1, created('w1', 'svc~w', 1, 'web-mqtt'), channel('w1', 'svc'));
    expect(m.isOnline('svc')).toBe(true);
  });

  it('shows no flap on a client-id takeover whose old close comes before the new identity', () => {
    const m = new PresenceModel(limits);
    connect(m, 'old', 'alice', 'phone');
    const fx = step(m, 10, created('new', 'alice~phone', 10), closed('old'));
    expect([m.shown('alice'), [...fx.changed]]).toEqual(['online', []]);
    const after = step(m, 11, channel('new', 'alice'));
    expect([m.shown('alice'), [...after.changed]]).toEqual(['online', []]);
    // And when the newcomer never identifies, the user goes offline once the grace is over.
    const m2 = new PresenceModel(limits);
    connect(m2, 'old', 'bob', 'phone');
    step(m2, 10, created('new', 'bob~phone', 10), closed('old'));
    const early = new Effects();
    m2.tick(10 + 1999, early);
    expect(m2.isOnline('bob')).toBe(true);
    const late = new Effects();
    m2.tick(10 + 2000, late);
    expect([m2.isOnline('bob'), [...late.changed]]).toEqual([false, ['bob']]);
  });

  it('closes the oldest connection beyond the per-user limit', () => {
    const m = new PresenceModel(limits);
    for (const [name, at] of [['c2', 20], ['c1', 10], ['c3', 30]] as const) step(m, at, created(name, `alice~${name}`, at), channel(name, 'alice'));
    const fx = step(m, 40, created('c4', 'alice~c4', 40), channel('c4', 'alice'));
    expect(fx.close.map((c) => c.connection.name)).toEqual(['c1']);
    expect(m.connectionCount('alice')).toBe(4); // until the broker's closed event comes
    const unlimited = new PresenceModel({ ...limits, maxConnectionsPerUser: 0 });
    for (let i = 0; i < 20; i++) expect(connect(unlimited, `c${i}`, 'alice').close).toEqual([]);
  });

  it('keeps a set status while online, shows invisible as offline, and forgets both when the last connection closes', () => {
    const m = new PresenceModel(limits);
    connect(m, 'c1', 'alice');
    const fx = new Effects();
    m.setStatus('alice', 'away', 'lunch', 2, fx);
    expect([m.shown('alice'), m.presenceOf('alice'), [...fx.changed], [...fx.presenceDirty]]).toEqual(['away', { status: 'away', text: 'lunch' }, ['alice'], ['alice']]);
    m.setStatus('alice', 'invisible', undefined, 3, new Effects());
    expect(m.shown('alice')).toBe('offline');
    step(m, 4, closed('c1'));
    connect(m, 'c2', 'alice', 'c2', 5);
    expect([m.shown('alice'), m.presenceOf('alice')]).toEqual(['online', { lastSeenAt: 4 }]);
  });

  it('keeps a watch list while the watcher is online, replaces it, and drops it when they go offline', () => {
    const m = new PresenceModel(limits);
    connect(m, 'w1', 'wendy');
    m.watch('wendy', ['alice', 'bob'], 1, new Effects());
    expect([[...m.watchersOf('alice')], [...m.watchedBy('wendy')]]).toEqual([['wendy'], ['alice', 'bob']]);
    m.watch('wendy', ['bob'], 2, new Effects());
    expect([[...m.watchersOf('alice')], [...m.watchersOf('bob')]]).toEqual([[], ['wendy']]);
    const fx = step(m, 3, closed('w1'));
    // Written behind (the watch list with it), not holding the events' acks.
    expect([[...m.watchersOf('bob')], [...fx.watchesDirty], [...fx.lazy]]).toEqual([[], [], [['wendy', true]]]);
  });

  it('keeps what a user set just before their connection shows up, and drops it if it never does', () => {
    const m = new PresenceModel(limits);
    m.watch('wendy', ['alice'], 100, new Effects());
    m.setStatus('wendy', 'busy', undefined, 100, new Effects());
    connect(m, 'w1', 'wendy', 'w1', 200);
    m.tick(100 + OFFLINE_SETTING_GRACE_MS + 1, new Effects());
    expect([[...m.watchedBy('wendy')], m.shown('wendy')]).toEqual([['alice'], 'busy']);

    m.watch('ghost', ['alice'], 100, new Effects());
    m.tick(100 + OFFLINE_SETTING_GRACE_MS - 1, new Effects());
    expect([...m.watchersOf('alice')].sort()).toEqual(['ghost', 'wendy']);
    const fx = new Effects();
    m.tick(100 + OFFLINE_SETTING_GRACE_MS, fx);
    expect([[...m.watchersOf('alice')], [...fx.lazy]]).toEqual([['wendy'], [['ghost', true]]]);
  });

  it('reconciles with the broker listing: adds the listed, closes the missing unless too new to be listed', () => {
    const m = new PresenceModel(limits);
    connect(m, 'gone', 'alice', 'gone', 1_000);
    connect(m, 'fresh', 'bob', 'fresh', 95_000);
    const fx = new Effects();
    m.reconcile([{ name: 'listed', user: 'carol', protocol: 'mqtt', clientId: 'carol~x', connectedAt: 50_000 }], 100_000, 100_001, fx);
    expect([m.isOnline('alice'), m.isOnline('bob'), m.isOnline('carol')]).toEqual([false, true, true]);
    expect([...fx.changed].sort()).toEqual(['alice', 'carol']);
    expect([...fx.removed, ...fx.added.keys()]).toEqual(['gone', 'listed']);
  });

  it('never brings back a closed connection through a repeated event or a late listing', () => {
    const m = new PresenceModel(limits);
    connect(m, 'c1', 'alice');
    step(m, 2, closed('c1'));
    step(m, 3, created('c1', 'alice~c1'), channel('c1', 'alice'));
    m.reconcile([{ name: 'c1', user: 'alice', protocol: 'mqtt', clientId: 'alice~c1', connectedAt: 1 }], 4, 4, new Effects());
    expect(m.isOnline('alice')).toBe(false);
  });

  it('restores stored state without telling anyone', () => {
    const m = new PresenceModel(limits);
    m.restore(
      [{ name: 'c1', user: 'alice', protocol: 'mqtt', clientId: 'alice~x', connectedAt: 1 }],
      new Map([['alice', { status: 'busy' as const }], ['bob', { lastSeenAt: 7 }]]),
      new Map([['alice', ['bob']]]),
    );
    expect([m.shown('alice'), m.shown('bob'), m.presenceOf('bob'), [...m.watchersOf('bob')]]).toEqual(['busy', 'offline', { lastSeenAt: 7 }, ['alice']]);
    // A status or a watch list of a user who is not online is a leftover of a lost write: dropped.
    const again = new PresenceModel(limits);
    again.restore([], new Map([['carol', { status: 'away' as const, lastSeenAt: 3 }]]), new Map([['carol', ['bob']]]));
    expect([again.presenceOf('carol'), [...again.watchersOf('bob')]]).toEqual([{ lastSeenAt: 3 }, []]);
    expect(m.connectionsByProtocol()).toEqual(new Map([['mqtt', 1]]));
  });
});
