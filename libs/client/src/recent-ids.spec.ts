import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('reports an id seen before as a duplicate', () => {
    const ids = new RecentIds(3);
    expect(ids.add('a')).toBe(true);
    expect(ids.add('a')).toBe(false);
  });

  it('forgets the oldest ids beyond its capacity, so memory stays bounded', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');
    expect(ids.size).toBe(2);
    expect(ids.add('a')).toBe(true); // forgotten, so new again
    expect(ids.add('c')).toBe(false);
  });

  it.each([0, -1, 1.5])('refuses a capacity of %p', (capacity) => {
    expect(() => new RecentIds(capacity)).toThrow(RangeError);
  });
});
