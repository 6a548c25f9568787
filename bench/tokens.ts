import jwt from 'jsonwebtoken';
import { TopicLayout, userGrants } from '@app/protocol';
import { BrokerSettings } from './config/settings';

/**
 * Where the bench gets its broker tokens. Users' tokens are what the engine's token endpoint
 * issues (the same key and the same scopes, `userGrants`), signed here so that an external
 * deployment needs no admin call per virtual user. The raw path's tokens are the bench's own: they
 * allow the raw path's topics, which no engine-issued token does.
 */
export interface TokenIssuer {
  userToken(userId: string): Promise<string>;
  rawPathToken(userId: string, rawLayout: TopicLayout): Promise<string>;
  /** The raw path's fan-out: a member's own grants under the raw prefix, and read access to its group's shared topic. */
  rawGroupToken(userId: string, rawLayout: TopicLayout, groupId: string): Promise<string>;
}

/** Long enough for the longest run; the SDK asks again on reconnect anyway. */
const TTL_SECONDS = 3 * 3600;

export function signingIssuer(settings: BrokerSettings, layout: TopicLayout): TokenIssuer {
  const sign = (userId: string, scope: string[]) => {
    const now = Math.floor(Date.now() / 1000);
    return jwt.sign({ sub: userId, aud: [settings.audience], scope, iat: now, exp: now + TTL_SECONDS }, settings.jwtSecret, {
      algorithm: 'HS256',
      keyid: settings.jwtKeyId,
    });
  };
  return {
    userToken: async (userId) => sign(userId, userGrants(layout, userId, settings.audience).scopes),
    rawPathToken: async (userId, rawLayout) =>
      sign(userId, [
        // The user's own grants, moved to the raw prefix: publish to their outgoing topics,
        // subscribe under their own path (which covers the echo of their own publishes) ...
        ...userGrants(rawLayout, userId, settings.audience).scopes,
        // ... and, in place of the engine's copy, read what others publish to them.
        `${settings.audience}.read:*/amq.topic/${rawLayout.amqpPrefix}.*.${userId}.messages.outgoing`,
      ]),
    rawGroupToken: async (userId, rawLayout, groupId) =>
      sign(userId, [
        ...userGrants(rawLayout, userId, settings.audience).scopes,
        // ... and, in place of the engine's copies, read what any member publishes to the group.
        `${settings.audience}.read:*/amq.topic/${rawLayout.amqpPrefix}.*.${groupId}.messages.outgoing`,
      ]),
  };
}
