/** What the two paths report about each message, by the client_message_id they saw. */
export interface DeliverySink {
  /** The recipient's copy arrived at user index `user`. */
  delivered(user: number, id: string | undefined, textLength: number, at: number): void;
  /** The sender's copy arrived: the engine's confirmation, or on the raw path the echo of the publish. */
  confirmed(user: number, id: string | undefined, at: number): void;
  /** The engine refused the message. */
  rejected(user: number, id: string | undefined, code: string): void;
  /** The SDK dropped a recipient copy it had already delivered (same message_id). */
  redelivered(user: number, id: string | undefined): void;
  /** A user's connection was lost. */
  disconnected(user: number): void;
}

/**
 * Forwards to the current trial's sink: the users stay connected across the trials of a rate
 * search, and a late copy from an earlier trial lands in the current one, which counts it as
 * stray (its id has another tag).
 */
export class SinkSwitch implements DeliverySink {
  /** When the last copy or rejection arrived (performance.now()). */
  lastEventAt = 0;

  constructor(public current: DeliverySink) {}

  delivered(user: number, id: string | undefined, textLength: number, at: number): void {
    this.lastEventAt = at;
    this.current.delivered(user, id, textLength, at);
  }

  confirmed(user: number, id: string | undefined, at: number): void {
    this.lastEventAt = at;
    this.current.confirmed(user, id, at);
  }

  rejected(user: number, id: string | undefined, code: string): void {
    this.lastEventAt = performance.now();
    this.current.rejected(user, id, code);
  }

  redelivered(user: number, id: string | undefined): void {
    this.lastEventAt = performance.now();
    this.current.redelivered(user, id);
  }

  disconnected(user: number): void {
    this.current.disconnected(user);
  }
}
