import { GetMessage } from 'amqplib';
import { TopicLayout } from '@app/protocol';
import { deadLetterId, originOf, replayProblem, replayProperties, toResponse } from './dead-letter.message';

const topics = new TopicLayout('apps/tilechat/users');

function deadLetter(content: Buffer | string, headers: Record<string, unknown>, extra: Partial<GetMessage['properties']> = {}): GetMessage {
  return {
    content: Buffer.isBuffer(content) ? content : Buffer.from(content),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'messaging-engine.dead-letter.exchange', routingKey: 'ignored', messageCount: 0 },
    properties: { headers, deliveryMode: 2, ...extra },
  } as unknown as GetMessage;
}

const transportHeaders = {
  'x-mqtt-publish-qos': 1,
  'x-reject-code': 'INVALID_PAYLOAD',
  'x-reject-reason': 'the body is not JSON',
  'x-original-routing-key': 'apps.tilechat.users.alice.bob.messages.outgoing',
  'x-original-exchange': 'amq.topic',
  'x-rejected-at': 1_700_000_000_000,
};

describe('dead letter messages', () => {
  it('shows why and where from, the users the topic names, and a UTF-8 body as text', () => {
    const view = toResponse(deadLetter('{not json', transportHeaders), topics);
    expect(view).toEqual({
      id: expect.stringMatching(/^sha256:[0-9a-f]{32}$/),
      code: 'INVALID_PAYLOAD',
      reason: 'the body is not JSON',
      routing_key: 'apps.tilechat.users.alice.bob.messages.outgoing',
      exchange: 'amq.topic',
      rejected_at: 1_700_000_000_000,
      sender: 'alice',
      recipient: 'bob',
      replay_count: 0,
      redelivered: false,
      headers: transportHeaders,
      payload: '{not json',
      payload_encoding: 'utf8',
      payload_bytes: 9,
      payload_truncated: false,
    });
    expect(toResponse(deadLetter('{not json', transportHeaders), topics).id).toBe(view.id); // stable
    expect(toResponse(deadLetter('{other', transportHeaders), topics).id).not.toBe(view.id);
    expect(toResponse(deadLetter('x', transportHeaders, { messageId: 'm-1' }), topics).id).toBe('m-1');
  });

  it('shows a binary body as base64 and cuts a long one at 4,096 bytes without a broken character', () => {
    const binary = toResponse(deadLetter(Buffer.from([0xff, 0xfe, 0x00, 0x41]), transportHeaders), topics);
    expect(binary).toMatchObject({ payload: '//4AQQ==', payload_encoding: 'base64', payload_bytes: 4, payload_truncated: false });

    const long = toResponse(deadLetter('a' + 'é'.repeat(3000), transportHeaders), topics);
    expect(long.payload_truncated).toBe(true);
    expect(long.payload_bytes).toBe(6001);
    expect(Buffer.byteLength(long.payload)).toBe(4095);
    expect(long.payload).not.toContain('\uFFFD');
  });

  it('names the sender of any topic under the prefix, and nobody for a key outside it', () => {
    const invalid = toResponse(deadLetter('{}', { ...transportHeaders, 'x-original-routing-key': 'apps.tilechat.users.alice.x.y.messages.outgoing' }), topics);
    expect([invalid.sender, invalid.recipient]).toEqual(['alice', null]);
    const elsewhere = toResponse(deadLetter('{}', { 'x-reject-code': 'NO_HANDLER', 'x-original-routing-key': 'messaging-engine.outgoing', 'x-original-exchange': '' }), topics);
    expect([elsewhere.sender, elsewhere.recipient, elsewhere.exchange]).toEqual([null, null, '']);
  });

  it('replays to the original exchange and key, without the dead-lettering headers, one replay more', () => {
    const msg = deadLetter('{}', { ...transportHeaders, 'x-replay-count': 2 });
    expect(originOf(msg)).toEqual({ exchange: 'amq.topic', routingKey: 'apps.tilechat.users.alice.bob.messages.outgoing' });
    expect(replayProperties(msg)).toMatchObject({
      headers: { 'x-mqtt-publish-qos': 1, 'x-replay-count': 3 },
      deliveryMode: 2,
      persistent: true,
      mandatory: true,
    });
    expect(Object.keys(replayProperties(msg).headers!)).toEqual(['x-mqtt-publish-qos', 'x-replay-count']);
  });

  it('understands a message the broker itself dead-lettered (x-death)', () => {
    const msg = deadLetter('{}', {
      'x-death': [{ exchange: 'amq.topic', 'routing-keys': ['apps.tilechat.users.carol.dan.messages.outgoing'], reason: 'rejected', time: { '!': 'timestamp', value: 1_700_000_000 } }],
      'x-first-death-reason': 'rejected',
    });
    expect(originOf(msg)).toEqual({ exchange: 'amq.topic', routingKey: 'apps.tilechat.users.carol.dan.messages.outgoing' });
    expect(toResponse(msg, topics)).toMatchObject({ code: 'rejected', rejected_at: 1_700_000_000_000, sender: 'carol', recipient: 'dan' });
    expect(replayProperties(msg).headers).toEqual({ 'x-replay-count': 1 });
  });

  it('tells what cannot be replayed before anything is sent: a routing key or exchange AMQP cannot carry, the broker\'s own exchanges', () => {
    expect(replayProblem('amq.topic', 'a'.repeat(255))).toBeNull();
    expect(replayProblem('', 'messaging-engine.outgoing')).toBeNull();
    expect(replayProblem('amq.topic', 'a'.repeat(256))).toEqual({ code: 'INVALID_ROUTING_KEY', reason: 'the original routing key is 256 bytes; AMQP carries at most 255' });
    expect(replayProblem('amq.topic', 'é'.repeat(128))).toMatchObject({ code: 'INVALID_ROUTING_KEY' }); // bytes, not characters
    expect(replayProblem('x'.repeat(256), 'k')).toMatchObject({ code: 'INVALID_EXCHANGE' });
    expect(replayProblem('amq.rabbitmq.event', 'k')).toMatchObject({ code: 'INVALID_EXCHANGE' });
  });

  it('names a dead letter by the same id in a replay answer as on inspection', () => {
    const msg = deadLetter('{}', transportHeaders);
    expect(deadLetterId(msg)).toBe(toResponse(msg, topics).id);
    const broker = deadLetter('{}', { 'x-death': [{ exchange: 'amq.topic', 'routing-keys': ['k'], time: { value: 1 } }] });
    expect(deadLetterId(broker)).toBe(toResponse(broker, topics).id);
  });
});
