import { AmqpPublisher, PublishRequest } from '@app/amqp-transport';
import { MessageStatus, parseOutgoing, RejectionCode, TopicLayout } from '@app/protocol';
import { DeliveryPublisher } from '../messages/delivery.publisher';
import { AppConfig } from './app-config';
import { validateEnv } from './env.validation';
import { brokerMaxMessageBytes, ENGINE_ENVELOPE_BYTES, MIN_BROKER_MESSAGE_BYTES } from './message-size';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const brokerConfig = require('../../scripts/broker-config.js') as {
  maxMessageSize(env: Record<string, string>): number;
  render(env: Record<string, string>, profile: string): Record<string, string>;
};

/** What the delivery publisher hands the broker, captured. */
function capture(): { delivery: DeliveryPublisher; sent: PublishRequest[] } {
  const sent: PublishRequest[] = [];
  const publisher = { publish: async (r: PublishRequest) => void sent.push(r), publishAll: async (rs: PublishRequest[]) => void sent.push(...rs) };
  return { delivery: new DeliveryPublisher(publisher as unknown as AmqpPublisher, new TopicLayout('apps/tilechat/users'), new AppConfig(validateEnv({ JWT_SECRET: 'x'.repeat(32) }))), sent };
}

const longest = (c: string) => c.repeat(64); // user ids and APP_ID are at most 64 characters

describe("the broker's max_message_size", () => {
  it('is what scripts/broker-config.js renders, in both profiles', () => {
    for (const payload of ['1', '1024', '31744', '65536', '1000000', '16777216']) {
      const env = { JWT_SECRET: 'x'.repeat(40), STACK_ADMIN_PASSWORD: 'p', STACK_TLS_DIR: '/tls', STACK_CONFIG_DIR: '/etc', MAX_PAYLOAD_BYTES: payload };
      expect(brokerConfig.maxMessageSize(env)).toBe(brokerMaxMessageBytes(Number(payload)));
      for (const profile of ['local', 'docker']) {
        expect(brokerConfig.render(env, profile)['rabbitmq.conf']).toContain(`\nmax_message_size = ${brokerMaxMessageBytes(Number(payload))}\n`);
      }
    }
    expect(brokerMaxMessageBytes(65536)).toBe(65536 + ENGINE_ENVELOPE_BYTES);
    expect(brokerMaxMessageBytes(100)).toBe(MIN_BROKER_MESSAGE_BYTES);
  });

  it("holds the largest delivered copy of an accepted payload: the payload plus the engine's envelope", () => {
    // Accepted at exactly the limit, as the engine re-encodes it (no type: the engine adds "text").
    const body = JSON.stringify({ text: 'é'.repeat(1000), client_message_id: 'c'.repeat(128), attributes: { n: [1e20, -5e-324] } });
    const parsed = parseOutgoing(body, Buffer.byteLength(body) + '"type":"text",'.length);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const accepted = Buffer.byteLength(JSON.stringify(parsed.value));
    const { delivery, sent } = capture();
    const message = {
      ...parsed.value,
      message_id: '01JAAAAAAAAAAAAAAAAAAAAAAA',
      sender: longest('s'),
      recipient: longest('r'),
      app_id: longest('a'),
      channel_type: 'direct' as const,
      timestamp: 9_999_999_999_999,
    };
    sent.push(...delivery.deliveryRequests(message));
    for (const request of sent) expect(request.body.length - accepted).toBeLessThanOrEqual(ENGINE_ENVELOPE_BYTES);
    expect(JSON.parse(sent[0].body.toString()).status).toBe(MessageStatus.DELIVERED);
  });

  it('holds the largest refusal notice, whatever MAX_PAYLOAD_BYTES (the reason quotes a free-form path)', async () => {
    // 16 nested keys of 256 control characters (6 bytes each once escaped again), then a bad number.
    const key = '\u0001'.repeat(256);
    let metadata = '1e400';
    for (let i = 0; i < 16; i++) metadata = `{${JSON.stringify(key)}:${metadata}}`;
    const body = `{"text":"x","client_message_id":${JSON.stringify('\u0001'.repeat(128))},"metadata":${metadata}}`;
    const refused = parseOutgoing(body, 1 << 20);
    expect(refused).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    if (refused.ok) return;
    const { delivery, sent } = capture();
    await delivery.reject(longest('s'), longest('r'), { client_message_id: refused.clientMessageId, code: refused.code, reason: refused.reason, timestamp: 9_999_999_999_999 });
    expect(sent[0].body.length).toBeGreaterThan(24_000); // the case is as large as it gets
    expect(sent[0].body.length).toBeLessThanOrEqual(MIN_BROKER_MESSAGE_BYTES);
  });
});
