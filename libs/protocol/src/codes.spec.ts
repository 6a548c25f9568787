import { DEAD_LETTER_CODES, ErrorCode, isBlockRefusalCode, isGroupRefusalCode, RejectionCode } from './codes';

// Clients match on these strings: a renamed or removed code breaks them silently.
describe('wire codes', () => {
  it('are exactly these strings on each surface', () => {
    expect(Object.values(RejectionCode)).toEqual([
      'INVALID_PAYLOAD',
      'PAYLOAD_TOO_LARGE',
      'INVALID_TOPIC',
      'BLOCKED',
      'SENDER_DISABLED',
      'UNKNOWN_RECIPIENT',
      'RATE_LIMITED',
      'UNPROCESSABLE',
      'NOT_A_MEMBER',
      'GROUP_NOT_FOUND',
    ]);
    expect(Object.values(ErrorCode)).toEqual([
      'VALIDATION_FAILED',
      'NOT_FOUND',
      'USER_NOT_FOUND',
      'USER_DISABLED',
      'CONFLICT',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'RATE_LIMITED',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'HEADERS_TOO_LARGE',
      'REQUEST_TIMEOUT',
      'DEPENDENCY_UNAVAILABLE',
      'INTERNAL',
      'GROUP_NOT_FOUND',
      'NOT_A_MEMBER',
      'GROUP_FULL',
      'MESSAGE_NOT_FOUND',
      'NOT_THE_SENDER',
      'EDIT_WINDOW_PASSED',
    ]);
  });

  it('name each value by itself', () => {
    for (const codes of [RejectionCode, ErrorCode]) {
      for (const [name, value] of Object.entries(codes)) expect(value).toBe(name);
    }
  });

  it('dead-letter only what can never succeed', () => {
    expect([...DEAD_LETTER_CODES].sort()).toEqual(['INVALID_PAYLOAD', 'INVALID_TOPIC', 'PAYLOAD_TOO_LARGE', 'UNPROCESSABLE']);
  });

  it('answer a block command only for the rules it broke, not for faults', () => {
    expect(Object.values(ErrorCode).filter(isBlockRefusalCode).sort()).toEqual(['USER_NOT_FOUND', 'VALIDATION_FAILED']);
  });

  it('answer a group command only for the rules it broke, not for faults', () => {
    expect(Object.values(ErrorCode).filter(isGroupRefusalCode).sort()).toEqual([
      'CONFLICT',
      'FORBIDDEN',
      'GROUP_FULL',
      'GROUP_NOT_FOUND',
      'NOT_A_MEMBER',
      'USER_NOT_FOUND',
      'VALIDATION_FAILED',
    ]);
  });
});
