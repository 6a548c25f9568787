import { ruleBroken } from './connection-rules';

describe('the client id rule', () => {
  const conn = (protocol: 'mqtt' | 'web-mqtt' | 'amqp', clientId: string | null | undefined) => ({ name: 'n', user: 'alice', protocol, clientId });

  it.each([['mqtt'], ['web-mqtt']] as const)('keeps %s clients whose id starts with "<identity>~"', (protocol) => {
    expect(ruleBroken(conn(protocol, 'alice~phone'))).toBeNull();
  });

  it.each([
    ['any other id', 'x'],
    ["another user's id", 'bob~phone'],
    ['the identity without the separator', 'alicephone'],
    ['a longer user id with the same start', 'alicex~phone'],
    ['an id the engine could not read', null],
    ['no id at all', undefined],
  ])('refuses %s', (_n, clientId) => {
    expect(ruleBroken(conn('mqtt', clientId))).toBe('the client id must start with "alice~"');
  });

  it('does not apply to AMQP connections, which have no client id', () => {
    expect(ruleBroken(conn('amqp', undefined))).toBeNull();
  });
});
