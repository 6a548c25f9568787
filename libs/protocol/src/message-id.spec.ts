import { messageIdTime, newMessageId } from './message-id';

describe('newMessageId', () => {
  it('makes 26-character Crockford ids that encode their time', () => {
    const id = newMessageId(1_700_000_000_123);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(messageIdTime(id)).toBe(1_700_000_000_123);
  });

  it('is strictly increasing, also within one millisecond and across a clock step back', () => {
    const ids = [
      ...Array.from({ length: 1000 }, () => newMessageId(1_800_000_000_000)),
      newMessageId(1_799_999_999_000),
      newMessageId(1_800_000_000_001),
    ];
    for (let i = 1; i < ids.length; i++) expect(ids[i] > ids[i - 1]).toBe(true);
  });
});
