import { FanoutTracker, groupOf, senderOf } from './fanout-tracker';
import { clientMessageId } from './payload';

const id = (seq: number, tag = 't1') => clientMessageId(tag, seq);

/** Two groups of three: users 0-2 are group 0, users 3-5 group 1. */
function twoGroups(): FanoutTracker {
  const t = new FanoutTracker('t1', { groups: 2, members: 3 }, 10, 4);
  t.register(0, 1000, 1000); // seq 0 to group 0
  t.register(1, 1010, 1013); // seq 1 to group 1, published 3 ms late
  return t;
}

describe('FanoutTracker', () => {
  it('places users in groups, member 0 sending', () => {
    const shape = { groups: 2, members: 3 };
    expect([0, 2, 3, 5].map((u) => groupOf(shape, u))).toEqual([0, 0, 1, 1]);
    expect([senderOf(shape, 0), senderOf(shape, 1)]).toEqual([0, 3]);
  });

  it('times a message from its scheduled send to its last member, and counts it complete only then', () => {
    const t = twoGroups();
    t.delivered(0, id(0), 10, 1002);
    t.delivered(2, id(0), 10, 1004);
    expect(t.summary().counts).toMatchObject({ complete: 0, deliveries: 2 });
    t.delivered(1, id(0), 10, 1009);
    const s = t.summary();
    expect(s.counts).toMatchObject({ offered: 2, complete: 1, deliveries: 3, deliveriesExpected: 6 });
    expect(s.lastReceipt).toMatchObject({ count: 1, p50: 9, max: 9 });
    expect(s.firstReceipt).toMatchObject({ count: 1, p50: 2 });
    expect(s.generatorLag?.max).toBe(3);
    expect(s.lastReceiptProfile?.timeline).toEqual([{ t: 0, count: 1, p50: 9, p99: 9, max: 9 }]);
  });

  it('counts each member missing a message as a lost delivery', () => {
    const t = twoGroups();
    t.delivered(3, id(1), 10, 1020);
    expect(t.summary().counts).toMatchObject({ lostDeliveries: 5, incomplete: 2, complete: 0 });
    expect(t.summary().lastReceipt).toBeNull();
    expect(t.summary().lastReceiptProfile).toBeNull();
  });

  it('counts a second copy to the same member as a duplicate, not a delivery, and keeps the first time', () => {
    const t = twoGroups();
    for (const user of [0, 1, 2]) t.delivered(user, id(0), 10, 1005);
    t.delivered(1, id(0), 10, 1500);
    const s = t.summary();
    expect(s.counts).toMatchObject({ deliveries: 3, duplicatedDeliveries: 1, complete: 1 });
    expect(s.lastReceipt?.max).toBe(5);
  });

  it('counts a copy that reaches a member of another group as misrouted', () => {
    const t = twoGroups();
    t.delivered(4, id(0), 10, 1005);
    expect(t.summary().counts).toMatchObject({ misrouted: 1, deliveries: 0 });
  });

  it('counts changed text as corrupted and other trials\' ids as stray', () => {
    const t = twoGroups();
    t.delivered(0, id(0), 9, 1005);
    t.delivered(0, id(0, 't0'), 10, 1005);
    t.delivered(0, id(7), 10, 1005);
    expect(t.summary().counts).toMatchObject({ corrupted: 1, stray: 2, deliveries: 1 });
  });

  it('owes nothing for a refused message', () => {
    const t = twoGroups();
    t.rejected(0, id(0), 'NOT_A_MEMBER');
    expect(t.outstanding).toBe(3);
    expect(t.inFlight).toBe(1);
    for (const user of [3, 4, 5]) t.delivered(user, id(1), 10, 1020);
    expect(t.outstanding).toBe(0);
    expect(t.inFlight).toBe(0);
    expect(t.summary().counts).toMatchObject({ lostDeliveries: 0, deliveriesExpected: 3, rejected: { NOT_A_MEMBER: 1 } });
  });

  it('tells one member from another across the bytes of the bitset (members 7 and 8)', () => {
    const t = new FanoutTracker('t1', { groups: 1, members: 9 }, 10, 1);
    t.register(0, 0, 0);
    t.delivered(7, id(0), 10, 1);
    t.delivered(8, id(0), 10, 2);
    expect(t.summary().counts).toMatchObject({ deliveries: 2, duplicatedDeliveries: 0 });
  });

  it('grows past its first capacity without losing records', () => {
    const t = new FanoutTracker('t1', { groups: 1, members: 1000 }, 10, 1);
    t.register(0, 0, 0);
    t.delivered(999, id(0), 10, 5);
    for (let i = 1; i < 600; i++) t.register(0, i, i);
    t.delivered(999, id(599), 10, 700);
    t.delivered(999, id(0), 10, 800); // member 999 had seq 0 before the tracker grew
    expect(t.summary().counts).toMatchObject({ offered: 600, deliveries: 2, duplicatedDeliveries: 1 });
    expect(t.summary().firstReceipt).toMatchObject({ p50: 5, max: 101 });
  });
});
