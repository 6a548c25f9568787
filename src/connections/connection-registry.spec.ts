import { ConnectionRegistry } from './connection-registry';

const created = (name: string, clientId: string | null = `alice~${name}`) =>
  ({ type: 'connection.created', name, protocol: 'mqtt', clientId, connectedAt: 1, peer: null }) as const;
const channel = (name: string, user: string) => ({ type: 'channel.created', name, user }) as const;

describe('ConnectionRegistry', () => {
  it('identifies a connection once both its events have come, in either order, and only once', () => {
    const r = new ConnectionRegistry();
    expect(r.apply(created('c1'))).toBeNull();
    expect(r.apply(channel('c1', 'alice'))).toEqual({ name: 'c1', protocol: 'mqtt', clientId: 'alice~c1', connectedAt: 1, peer: null, user: 'alice' });
    expect(r.apply(channel('c1', 'alice'))).toBeNull(); // the second channel of the same connection

    expect(r.apply(channel('c2', 'alice'))).toBeNull();
    expect(r.apply(created('c2'))).toMatchObject({ name: 'c2', user: 'alice' });
  });

  it('indexes connections by identity and forgets closed ones', () => {
    const r = new ConnectionRegistry();
    for (const [name, user] of [['a1', 'alice'], ['a2', 'alice'], ['b1', 'bob']]) {
      r.apply(created(name));
      r.apply(channel(name, user));
    }
    expect(r.namesOf('alice').sort()).toEqual(['a1', 'a2']);
    expect(r.namesOf('bob')).toEqual(['b1']);
    r.apply({ type: 'connection.closed', name: 'a1' });
    expect(r.namesOf('alice')).toEqual(['a2']);
    expect(r.get('a1')).toBeUndefined();
    r.apply({ type: 'connection.closed', name: 'b1' });
    expect(r.namesOf('bob')).toEqual([]);
    expect(r.size).toBe(1);
  });

  it('keeps what it knows when a listing merges the same connection again', () => {
    const r = new ConnectionRegistry();
    r.apply(created('c1', 'alice~from-event'));
    expect(r.merge({ name: 'c1', protocol: 'mqtt', clientId: 'alice~from-listing', user: 'alice' })).toMatchObject({ clientId: 'alice~from-event', user: 'alice' });
    r.clear();
    expect(r.namesOf('alice')).toEqual([]);
  });
});
