import { PresenceTracker } from './presence-tracker';

describe('PresenceTracker', () => {
  it('times each user from CONNACK to online and from the close to offline, and the last of each from the last CONNACK and close', () => {
    const t = new PresenceTracker(2);
    t.notice(0, 'offline', 1); // the snapshot after the watch
    t.notice(1, 'offline', 1);
    t.connected(0, 100);
    t.connected(1, 110);
    t.notice(0, 'online', 130);
    t.notice(1, 'online', 200);
    t.notice(0, 'online', 300); // a second online (a status text) is no flap
    t.closing(0, 1000);
    t.closing(1, 1010);
    t.notice(1, 'offline', 1030);
    t.notice(0, 'offline', 1050);
    const s = t.summary();
    expect(s.counts).toEqual({
      users: 2,
      snapshotSeen: 2,
      connected: 2,
      seenOnline: 2,
      onlineWithoutConnack: 0,
      closed: 2,
      seenOffline: 2,
      neverOnline: 0,
      neverOffline: 0,
      flapping: 0,
      errors: 0,
      stray: 0,
    });
    expect(s.onlineLatency).toMatchObject({ count: 2, p50: 30, max: 90 });
    expect(s.offlineLatency).toMatchObject({ count: 2, p50: 20, max: 50 });
    expect(s.allOnlineAfterLastConnackMs).toBe(90); // 200 - 110
    expect(s.allOfflineAfterLastCloseMs).toBe(40); // 1050 - 1010
  });

  it('counts away and busy as online, and an online notice that beats the CONNACK as a negative latency', () => {
    const t = new PresenceTracker(2);
    t.notice(0, 'busy', 95);
    t.connected(0, 100);
    t.connected(1, 100);
    t.notice(1, 'away', 120);
    expect(t.seenOnlineConnected).toBe(2);
    expect(t.summary()).toMatchObject({ counts: { seenOnline: 2, errors: 0 }, onlineLatency: { p50: -5, max: 20 } });
  });

  it('takes a user never seen online, never seen offline, or seen offline while held or online after its offline, for a presence error (once per user)', () => {
    const t = new PresenceTracker(4);
    for (let u = 0; u < 4; u++) t.connected(u, 10);
    t.notice(1, 'online', 20);
    t.notice(2, 'online', 20);
    t.notice(2, 'offline', 30); // flap while held
    t.notice(2, 'online', 40);
    t.notice(3, 'online', 20);
    for (let u = 0; u < 4; u++) t.closing(u, 100);
    t.notice(0, 'offline', 110); // user 0: never online
    t.notice(2, 'offline', 110);
    t.notice(3, 'offline', 110);
    t.notice(3, 'online', 120); // back online after offline: a flap
    // user 1: never seen offline
    const s = t.summary();
    expect(s.counts).toMatchObject({ neverOnline: 1, neverOffline: 1, flapping: 2, errors: 4 });
    expect(s.allOnlineAfterLastConnackMs).toBeNull();
    expect(s.allOfflineAfterLastCloseMs).toBeNull();
  });

  it('does not take an online notice already on its way when the close came for a flap', () => {
    const t = new PresenceTracker(1);
    t.connected(0, 10);
    t.notice(0, 'online', 20);
    t.closing(0, 100);
    t.notice(0, 'online', 101);
    t.notice(0, 'offline', 120);
    expect(t.summary().counts).toMatchObject({ flapping: 0, errors: 0, seenOffline: 1 });
  });

  it('does not count a user seen online whose attempt never got its CONNACK as a connected one', () => {
    const t = new PresenceTracker(2);
    t.connected(0, 10);
    t.notice(0, 'online', 20);
    t.notice(1, 'online', 30); // the client gave up waiting; the broker connected it all the same
    expect([t.seenOnline, t.seenOnlineConnected]).toEqual([2, 1]);
    expect(t.summary().counts).toMatchObject({ connected: 1, seenOnline: 1, onlineWithoutConnack: 1, neverOnline: 0, errors: 0 });
  });

  it('ignores notices of users it does not follow or of an unknown status', () => {
    const t = new PresenceTracker(1);
    t.notice(-1, 'online', 1);
    t.notice(5, 'online', 1);
    t.notice(0, 'invisible', 1);
    expect(t.summary().counts).toMatchObject({ stray: 3, seenOnline: 0, snapshotSeen: 0 });
  });

  it('has no figures before anything happened', () => {
    expect(new PresenceTracker(3).summary()).toMatchObject({ onlineLatency: null, offlineLatency: null, allOnlineAfterLastConnackMs: null, lastConnackAt: null });
  });
});
