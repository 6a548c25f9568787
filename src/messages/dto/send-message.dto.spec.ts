import { ValidationPipe } from '@nestjs/common';
import { parseOutgoing } from '@app/protocol';
import { SendMessageDto } from './send-message.dto';

const pipe = new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true });

async function refusal(body: Record<string, unknown>): Promise<string | null> {
  try {
    await pipe.transform(body, { type: 'body', metatype: SendMessageDto });
    return null;
  } catch (err) {
    return JSON.stringify((err as { getResponse(): unknown }).getResponse());
  }
}

/** The fields the admin API sends on to the pipeline (sender and recipient go into the topic). */
function pipelineRefuses(body: Record<string, unknown>): boolean {
  const { sender: _s, recipient: _r, ...fields } = body;
  return !parseOutgoing(JSON.stringify({ client_message_id: 'id', ...fields })).ok;
}

const base = { recipient: 'bob', text: 'hi' };
const cases: Array<Record<string, unknown>> = [
  base,
  { ...base, type: 'image', text: '' },
  { ...base, type: 'text', text: ' \n\t ' },
  { ...base, text: '' },
  { ...base, type: 'system' },
  { ...base, type: 'Bad' },
  { ...base, type: 'x'.repeat(33) },
  { ...base, text: 'a\u0000b' },
  { ...base, text: 'a\uD800' },
  { ...base, attributes: { system: true } },
  { ...base, attributes: { $gt: '', 'a.b': 1, 'a\u0000': [[1], [2]] } },
  { ...base, metadata: { $where: 'x' } },
  { ...base, metadata: JSON.parse('{"a":' + '['.repeat(16) + ']'.repeat(16) + '}') },
  { ...base, metadata: JSON.parse('{"a":' + '['.repeat(15) + ']'.repeat(15) + '}') },
  { ...base, attributes: { k: 'x\uDC00' } },
  { ...base, metadata: [1] },
  { ...base, attributes: null },
  { ...base, type: null },
  { ...base, sender_fullname: 'Zoë' },
  { ...base, sender_fullname: 'a\u0000' },
  { ...base, recipient_fullname: 'x'.repeat(257) },
  { ...base, recipient_fullname: null },
  { ...base, client_message_id: 'c\u0000' },
  { ...base, client_message_id: 'c'.repeat(129) },
  { ...base, client_message_id: '' },
];

describe('SendMessageDto', () => {
  it.each(cases.map((c) => [JSON.stringify(c).slice(0, 90), c]))('refuses exactly what the pipeline would refuse: %s', async (_label, body) => {
    const refused = await refusal(body as Record<string, unknown>);
    expect({ refused: refused !== null, reason: refused }).toEqual({ refused: pipelineRefuses(body as Record<string, unknown>), reason: refused });
  });

  it('names the reserved type and attribute in its message', async () => {
    expect(await refusal({ ...base, type: 'system' })).toContain('type \\"system\\" is reserved');
    expect(await refusal({ ...base, attributes: { system: 1 } })).toContain('attributes.system is reserved');
  });

  it('refuses a null sender instead of sending as "null"', async () => {
    expect(await refusal({ ...base, sender: null })).toContain('sender must be a valid user id');
  });
});
