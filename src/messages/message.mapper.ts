import { DeliveredMessage } from '@app/protocol';
import { MessageRecord } from './message.record';

/** A delivered message before its status, which depends on whose inbox the copy goes to. */
export type DeliveredFields = Omit<DeliveredMessage, 'status'>;

/**
 * The one place a stored message becomes what clients read: the delivered copies, the silent
 * refusal's sent copy and the REST history are all built here, so a field added to the record
 * reaches every reader at once. Optional fields the client did not send are left out (not null).
 */
export function toDelivered(r: MessageRecord, appId: string): DeliveredFields {
  const message: DeliveredFields = {
    message_id: r._id,
    sender: r.sender,
    recipient: r.recipient,
    app_id: appId,
    channel_type: r.channel_type ?? 'direct',
    type: r.type,
    text: r.text,
    timestamp: r.timestamp,
  };
  if (r.client_message_id !== undefined) message.client_message_id = r.client_message_id;
  if (r.attributes !== undefined) message.attributes = r.attributes;
  if (r.metadata !== undefined) message.metadata = r.metadata;
  if (r.sender_fullname !== undefined) message.sender_fullname = r.sender_fullname;
  if (r.recipient_fullname !== undefined) message.recipient_fullname = r.recipient_fullname;
  if (r.edited_at !== undefined) message.edited_at = r.edited_at;
  if (r.deleted_at !== undefined) message.deleted_at = r.deleted_at;
  return message;
}

/** A stored message as the history API shows it: the delivered fields without the envelope (app, channel). */
export function toHistoryItem(r: MessageRecord): Omit<DeliveredFields, 'app_id' | 'channel_type'> {
  const { app_id: _app, channel_type: _channel, ...fields } = toDelivered(r, r.app_id);
  return fields;
}
