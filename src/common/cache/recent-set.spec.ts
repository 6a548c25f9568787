import { RecentSet } from './recent-set';

describe('RecentSet', () => {
  it('forgets the oldest key beyond its capacity, counting a re-added key as new', () => {
    const set = new RecentSet(2);
    set.add('a');
    set.add('b');
    set.add('a');
    set.add('c');
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([true, false, true]);
  });
});
