import { RejectionCode } from '@app/protocol';

/** Why a send failed on the client's side, without an answer from the engine. */
export enum ClientErrorCode {
  /** No confirmation or rejection arrived in time. Safe to retry with the same clientMessageId. */
  TIMEOUT = 'TIMEOUT',
  /** The client was closed before the engine answered. */
  CLOSED = 'CLOSED',
}

export type SendErrorCode = RejectionCode | ClientErrorCode;

/**
 * A failed send. `code` is the engine's RejectionCode when it refused the message (or when the
 * SDK found the same fault before sending: `local` is then true), else a ClientErrorCode.
 */
export class SendError extends Error {
  override readonly name = 'SendError';

  constructor(
    readonly code: SendErrorCode,
    readonly reason: string,
    readonly clientMessageId: string,
    readonly local: boolean,
  ) {
    super(`${code}: ${reason}`);
  }
}

/** The first connection could not be made (bad token, unreachable broker, refused subscription). */
export class ConnectError extends Error {
  override readonly name = 'ConnectError';

  constructor(
    message: string,
    /** The MQTT CONNACK return code when the broker refused the connection (4: bad token, 5: not authorized). */
    readonly returnCode?: number,
  ) {
    super(message);
  }
}
