import { TopicLayout } from '@app/protocol';
import { AppConfig } from '../config';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { MessageRecord } from '../messages/message.record';
import { MessagesRepository } from '../messages/messages.repository';
import { ReadState } from './read-state.schema';
import { Advance, ReadStateRepository } from './read-state.repository';
import { ReceiptsService } from './receipts.service';

const layout = new TopicLayout('p');
const message = (id: string, pair: string, sender = 'alice'): MessageRecord =>
  ({ _id: id, app_id: 'app', pair, sender, recipient: 'bob', type: 'text', text: 't', dedupe_key: `~${id}`, timestamp: 1 }) as MessageRecord;

function setup(stored: MessageRecord[]) {
  const states = new Map<string, ReadState>();
  const advances: Advance[] = [];
  const published: Array<{ topic: string; body: Record<string, unknown> }> = [];
  const repo = {
    advance: async (a: Advance) => {
      advances.push(a);
      const key = `${a.owner}:${a.peer}`;
      const before = states.get(key);
      const s = { ...(before ?? ({ _id: key, app_id: 'app', owner: a.owner, peer: a.peer, updated_at: 0 } as ReadState)) };
      if (a.delivered && !(s.delivered_up_to && s.delivered_up_to >= a.delivered)) s.delivered_up_to = a.delivered;
      if (a.read && !(s.read_up_to && s.read_up_to >= a.read)) s.read_up_to = a.read;
      states.set(key, s);
      return before ? { ...before } : null;
    },
  } as unknown as ReadStateRepository;
  const messages = {
    placesOf: async (ids: string[]) => new Map(stored.filter((m) => ids.includes(m._id)).map((m) => [m._id, { app_id: m.app_id, pair: m.pair }])),
  } as unknown as MessagesRepository;
  const delivery = {
    body: (p: object) => Buffer.from(JSON.stringify(p)),
    requestTo: (topic: string, p: object | Buffer) => ({ topic, body: JSON.parse(Buffer.isBuffer(p) ? p.toString() : JSON.stringify(p)) }),
    publishAll: async (rs: Array<{ topic: string; body: Record<string, unknown> }>) => void published.push(...rs),
  } as unknown as DeliveryPublisher;
  const service = new ReceiptsService({ appId: 'app' } as AppConfig, layout, messages, repo, delivery);
  return { service, advances, published, states };
}

describe('ReceiptsService', () => {
  const pair = 'alice|bob';

  it('coalesces a burst into one advance per conversation, read implying delivered, and tells the reader and the sender', async () => {
    const { service, advances, published } = setup([message('01A', pair), message('01B', pair), message('01C', pair)]);
    const outcomes = await Promise.all([
      service.record({ owner: 'bob', peer: 'alice', kind: 'delivered', messageId: '01C', order: 1 }),
      service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01B', order: 2 }),
      service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01A', order: 3 }),
    ]);
    expect(outcomes).toEqual([{ applied: true }, { applied: true }, { applied: true }]);
    expect(advances).toEqual([{ owner: 'bob', peer: 'alice', delivered: '01C', read: '01B' }]);
    expect(published.map((p) => p.topic).sort()).toEqual([layout.receiptsUpdated('alice', 'bob'), layout.receiptsUpdated('bob', 'alice')].sort());
    expect(published[0].body).toMatchObject({ user: 'bob', delivered_up_to: '01C', read_up_to: '01B' });
  });

  it('tells no one and writes nothing when the positions it knows cover a receipt', async () => {
    const { service, advances, published } = setup([message('01A', pair), message('01B', pair)]);
    await service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01B', order: 1 });
    published.length = 0;
    advances.length = 0;
    await service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01A', order: 2 });
    await service.record({ owner: 'bob', peer: 'alice', kind: 'delivered', messageId: '01B', order: 3 });
    expect(advances).toEqual([]);
    expect(published).toEqual([]);
  });

  it('tells only the other party when only the delivered position moved', async () => {
    const { service, published } = setup([message('01A', pair)]);
    await service.record({ owner: 'bob', peer: 'alice', kind: 'delivered', messageId: '01A', order: 1 });
    expect(published.map((p) => p.topic)).toEqual([layout.receiptsUpdated('alice', 'bob')]);
    expect(published[0].body).toMatchObject({ user: 'bob', delivered_up_to: '01A' });
    expect(published[0].body.read_up_to).toBeUndefined();
  });

  it('after a restart (nothing known), a receipt below the stored positions is written but tells no one', async () => {
    const { service, states, advances, published } = setup([message('01A', pair), message('01B', pair)]);
    states.set('bob:alice', { _id: 'bob:alice', app_id: 'app', owner: 'bob', peer: 'alice', delivered_up_to: '01B', read_up_to: '01B', updated_at: 1 });
    await service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01A', order: 1 });
    expect(advances).toHaveLength(1);
    expect(states.get('bob:alice')).toMatchObject({ read_up_to: '01B' });
    expect(published).toEqual([]);
  });

  it('refuses an unknown id and another conversation\'s message, answering the reader, and moves nothing for them', async () => {
    const { service, advances, published } = setup([message('01A', 'alice|carol')]);
    const outcomes = await Promise.all([
      service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01A', order: 1 }),
      service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01Z', order: 2 }),
    ]);
    expect(outcomes.map((o) => o.applied)).toEqual([false, false]);
    expect(advances).toEqual([]);
    expect(published.map((p) => [p.topic, p.body.code])).toEqual([
      [layout.receiptsResult('bob', 'alice'), 'MESSAGE_NOT_FOUND'],
      [layout.receiptsResult('bob', 'alice'), 'MESSAGE_NOT_FOUND'],
    ]);
  });

  it('in a group, tells only the reader\'s own devices', async () => {
    const { service, published } = setup([message('01A', 'group-1')]);
    await service.record({ owner: 'bob', peer: 'group-1', kind: 'read', messageId: '01A', order: 1 });
    expect(published.map((p) => p.topic)).toEqual([layout.receiptsUpdated('bob', 'group-1')]);
  });

  it('fails the receipts (the broker redelivers them) when the database fails', async () => {
    const { service } = setup([]);
    (service as unknown as { messages: { placesOf: () => Promise<never> } }).messages.placesOf = async () => {
      throw new Error('db down');
    };
    await expect(service.record({ owner: 'bob', peer: 'alice', kind: 'read', messageId: '01A', order: 1 })).rejects.toThrow('db down');
  });
});
