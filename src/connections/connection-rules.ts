import { clientIdPrefix } from '@app/protocol';
import { IdentifiedConnection } from './connection-registry';

/**
 * Why a connection may not stay, or null. An MQTT client's id must be `<identity>~<anything>`
 * (docs/tokens.md): the token's queue scopes only cover such ids, but the broker checks them only
 * when the client subscribes, so a client that only publishes would otherwise live on with an id
 * that may be another user's. A client id the engine could not read counts as breaking the rule.
 */
export function ruleBroken(connection: IdentifiedConnection): string | null {
  if (connection.protocol !== 'mqtt' && connection.protocol !== 'web-mqtt') return null;
  const { clientId, user } = connection;
  if (typeof clientId === 'string' && clientId.startsWith(clientIdPrefix(user))) return null;
  return `the client id must start with "${clientIdPrefix(user)}"`;
}
