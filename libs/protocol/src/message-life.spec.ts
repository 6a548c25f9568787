import { ErrorCode, RejectionCode } from './codes';
import { newMessageId } from './message-id';
import { isMessageId, parseMessageUpdate, parseReceipt, parseTyping } from './message-life';

const ID = newMessageId();

describe('what follows a message: parsers', () => {
  it('knows the engine\'s message ids', () => {
    expect([isMessageId(ID), isMessageId(ID.toLowerCase()), isMessageId(`${ID}0`), isMessageId('I'.repeat(26)), isMessageId(7)]).toEqual([true, false, false, false, false]);
  });

  it('reads a receipt and refuses anything but a message id', () => {
    expect(parseReceipt(JSON.stringify({ message_id: ID, extra: 1 }))).toEqual({ ok: true, value: { message_id: ID } });
    for (const body of ['{}', '{"message_id":7}', '{"message_id":{"$gt":""}}', JSON.stringify({ message_id: 'x'.repeat(26) })]) {
      expect(parseReceipt(body)).toMatchObject({ ok: false, code: ErrorCode.VALIDATION_FAILED });
    }
    expect(parseReceipt('[')).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
    expect(parseReceipt(JSON.stringify({ message_id: ID, pad: 'x'.repeat(2000) }))).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });

  it('reads typing states only', () => {
    expect(parseTyping('{"state":"typing"}')).toEqual({ ok: true, value: { state: 'typing' } });
    expect(parseTyping('{"state":"paused"}')).toEqual({ ok: true, value: { state: 'paused' } });
    expect(parseTyping('{"state":"dancing"}')).toMatchObject({ ok: false, code: RejectionCode.INVALID_PAYLOAD });
  });

  it('reads an edit or a delete, never both', () => {
    expect(parseMessageUpdate('{"text":"fixed","command_id":"e1"}', 1000)).toEqual({ ok: true, value: { text: 'fixed', command_id: 'e1' } });
    expect(parseMessageUpdate('{"deleted":true}', 1000)).toEqual({ ok: true, value: { deleted: true } });
    for (const body of ['{}', '{"text":""}', '{"text":5}', '{"deleted":false}', '{"deleted":true,"text":"x"}', '{"text":"a\\u0000b"}', '{"text":"x","command_id":""}']) {
      expect([body, parseMessageUpdate(body, 1000)]).toEqual([body, expect.objectContaining({ ok: false, code: ErrorCode.VALIDATION_FAILED })]);
    }
    expect(parseMessageUpdate(JSON.stringify({ text: 'x'.repeat(2000) }), 1000)).toMatchObject({ ok: false, code: RejectionCode.PAYLOAD_TOO_LARGE });
  });
});
