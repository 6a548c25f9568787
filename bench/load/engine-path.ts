import { ChatClient, connect, MessageStatus, RejectionCode, SendError } from '@app/client';
import { inBatches, PathDriver } from './path-driver';
import { RawPathOptions } from './raw-path';
import { ReadLedger } from './read-ledger';

/** `--receipts`: every recipient reports delivered on arrival (the SDK's own) and marks each message read `delayMs` after. */
export interface ReadingUsers {
  ledger: ReadLedger;
  delayMs: number;
}

export interface EnginePathOptions extends RawPathOptions {
  /** Longer than any trial plus its drain: a send's timeout must not end before the bench stops waiting. */
  sendTimeoutMs: number;
  /** Unset: no receipts at all (the plain engine phase). */
  reads?: ReadingUsers;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const ENGINE_CODES: ReadonlySet<string> = new Set(Object.values(RejectionCode));

/** The engine path, through the SDK exactly as an app uses it: one ChatClient per user. */
export class EnginePath implements PathDriver {
  readonly name = 'engine';
  private readonly clients: ChatClient[] = [];

  constructor(private readonly o: EnginePathOptions) {}

  async connect(): Promise<void> {
    const { sink, reads } = this.o;
    await inBatches(this.o.userIds, 20, async (userId, index) => {
      const client = await connect({
        url: this.o.url,
        userId,
        token: await this.o.tokens.userToken(userId),
        getToken: () => this.o.tokens.userToken(userId),
        pathPrefix: this.o.layout.prefix,
        qos: this.o.qos,
        sendTimeoutMs: this.o.sendTimeoutMs,
        // Receipts are their own load (--receipts): off unless asked for.
        autoDelivered: reads !== undefined,
      });
      this.clients[index] = client;
      client.on('message', (m) => {
        sink.delivered(index, m.client_message_id, m.text.length, performance.now());
        if (!reads) return;
        reads.ledger.received(userId, m.sender, m.message_id);
        reads.ledger.track(sleep(reads.delayMs).then(() => client.markRead(m.sender, m.message_id)));
      });
      if (reads) client.on('receiptRefused', (r) => reads.ledger.refusal(r.code));
      client.on('duplicate', (m) => {
        if (m.status === MessageStatus.DELIVERED) sink.redelivered(index, m.client_message_id);
      });
      client.on('state', (state) => {
        if (state === 'reconnecting') sink.disconnected(index);
      });
    });
  }

  send(from: number, to: number, id: string, text: string): void {
    const { sink } = this.o;
    this.clients[from].send(this.o.userIds[to], text, { clientMessageId: id }).then(
      () => sink.confirmed(from, id, performance.now()),
      (err: unknown) => {
        // TIMEOUT and CLOSED are not answers: the tracker counts the message as unconfirmed.
        if (err instanceof SendError && ENGINE_CODES.has(err.code)) sink.rejected(from, id, err.code);
      },
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
  }
}
