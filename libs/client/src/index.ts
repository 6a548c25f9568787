export { ChatClient, connect } from './chat-client';
export type { ChatClientEvents, ChatClientStats, ConnectionState, CreateGroupOptions, GroupChanges, GroupCommandOptions, MessageUpdateOptions, PresenceCommandOptions } from './chat-client';
export { ClientErrorCode, ConnectError, GroupCommandError, MessageUpdateError, PresenceCommandError, SendError } from './errors';
export type { GroupCommandErrorCode, MessageUpdateErrorCode, PresenceCommandErrorCode, SendErrorCode } from './errors';
export type { Rejection } from './inbox-router';
export { DEFAULT_MAX_WATCHED_USERS, DEFAULT_PATH_PREFIX, DEFAULT_RECONNECT } from './options';
export type { ChatClientOptions, ReconnectOptions } from './options';
export type { SendOptions } from './outgoing';
export type { Qos, Transport, TransportEvents, TransportFactory, TransportOptions } from './transport';
export { mqttTransport } from './mqtt-transport';
// The wire types an app sees in events, re-exported so it needs only this package.
export { ErrorCode, GroupEvent, isValidGroupId, MessageStatus, newGroupId, PRESENCE_STATUSES, RejectionCode, SYSTEM_SENDER } from '@app/protocol';
export type {
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
  ShownStatus,
} from '@app/protocol';
