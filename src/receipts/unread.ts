import { MessagesRepository } from '../messages/messages.repository';

/**
 * A user's unread count in one conversation (docs/receipts.md): the messages of others after their
 * read position (and after `floor`, e.g. when they joined a group). Counted only when a message may
 * be unread: none when the position is at or past the conversation's last message.
 */
export async function unreadCount(
  messages: MessagesRepository,
  q: { appId: string; owner: string; pair: string; readUpTo?: string; lastMessageId?: string; floor?: string },
): Promise<number> {
  if (q.readUpTo && q.lastMessageId && q.readUpTo >= q.lastMessageId) return 0;
  const after = q.readUpTo && (!q.floor || q.readUpTo > q.floor) ? q.readUpTo : q.floor;
  return messages.countInConversation(q.appId, q.pair, { after, notFrom: q.owner });
}
