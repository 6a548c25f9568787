/**
 * The largest message the broker takes (its `max_message_size`), derived from MAX_PAYLOAD_BYTES.
 * scripts/broker-config.js renders the same value into the broker's config (a unit spec keeps the
 * two equal); the engine's publisher refuses to send anything larger, because the broker answers
 * an oversized publish by closing the channel, which would stop every publish that shares it.
 *
 * What the engine adds to a client's payload (src/messages/delivery.publisher.ts): the delivered
 * copies carry message_id, sender, recipient, app_id, channel_type, timestamp, status (and type
 * when the client left it out), at most ~400 bytes; src/config/message-size.spec.ts builds the
 * largest one. The payload itself is measured as the engine re-encodes it (parseOutgoing), so
 * what is delivered is never larger than what was accepted plus this envelope.
 */
export const ENGINE_ENVELOPE_BYTES = 1024;

/**
 * Notices the engine sends on its own (a refusal on `clientrejected` with its reason, a block
 * command's result) do not grow with MAX_PAYLOAD_BYTES, but their reason may quote a topic or a
 * free-form path of the refused message (up to 16 keys of 256 characters): with a small
 * MAX_PAYLOAD_BYTES the broker still takes them.
 */
export const MIN_BROKER_MESSAGE_BYTES = 32 * 1024;

export function brokerMaxMessageBytes(maxPayloadBytes: number): number {
  return Math.max(maxPayloadBytes + ENGINE_ENVELOPE_BYTES, MIN_BROKER_MESSAGE_BYTES);
}
