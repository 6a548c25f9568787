export { ChatClient, connect } from './chat-client';
export type {
  ChatClientEvents,
  ChatClientStats,
  ConnectionState,
  ConversationCommandOptions,
  CreateGroupOptions,
  GroupChanges,
  GroupCommandOptions,
  MessageUpdateOptions,
  PresenceCommandOptions,
} from './chat-client';
export { ClientErrorCode, ConnectError, ConversationCommandError, GroupCommandError, MessageUpdateError, PresenceCommandError, ReceiptError, SendError } from './errors';
export type { ConversationCommandErrorCode, GroupCommandErrorCode, MessageUpdateErrorCode, PresenceCommandErrorCode, ReceiptErrorCode, SendErrorCode } from './errors';
export type { ReceiptRefusal, ReceiptUpdate, Rejection } from './inbox-router';
export type { ReceiptKind } from './pending-receipts';
export { DEFAULT_MAX_WATCHED_USERS, DEFAULT_PATH_PREFIX, DEFAULT_RECEIPT_INTERVAL_MS, DEFAULT_RECONNECT } from './options';
export type { ChatClientOptions, PemCertificate, ReconnectOptions } from './options';
export type { SendOptions } from './outgoing';
export type { Qos, Transport, TransportEvents, TransportFactory, TransportOptions } from './transport';
export { mqttTransport } from './mqtt-transport';
export { refreshTokenFrom, TokenRefreshError } from './token-refresh';
export type { RefreshedToken, TokenRefresher, TokenRefreshOptions } from './token-refresh';
// The wire types an app sees in events, re-exported so it needs only this package.
export { ErrorCode, GroupEvent, isMessageId, isValidGroupId, MessageStatus, newGroupId, PRESENCE_STATUSES, RejectionCode, SYSTEM_SENDER } from '@app/protocol';
export type {
  ConversationNotice,
  DeliveredMessage,
  GroupDeletedNotice,
  GroupEventAttributes,
  GroupMember,
  GroupResultCode,
  GroupRole,
  GroupNotice,
  GroupState,
  GroupSystemMessage,
  MessageDeletedNotice,
  MessageEditedNotice,
  MessageUpdateResult,
  MessageUpdateResultCode,
  PresenceNotice,
  PresenceResult,
  PresenceResultCode,
  PresenceStatus,
  ReceiptResultCode,
  ShownStatus,
  TypingNotice,
  TypingState,
} from '@app/protocol';
