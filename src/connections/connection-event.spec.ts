import { clientIdOf, listedProtocol, parseConnectionEvent } from './connection-event';

// Header values as RabbitMQ 3.10.8's event exchange sent them (test stack, recorded).
const NAME = '127.0.0.1:49374 -> 127.0.0.1:2194';

describe('broker connection events', () => {
  it('reads connection.created of an MQTT client: name, protocol, client id, time; not the typed username', () => {
    const event = parseConnectionEvent('connection.created', {
      user: 'bobby',
      pid: '<engine-conn@localhost.1796083557.868.0>',
      name: NAME,
      variable_map: '#{<<"client_id">> => <<"alice~phone">>}',
      protocol: "{'MQTT',\"3.1.1\"}",
      connected_at: 1796083670778,
      peer_host: '{127,0,0,1}',
      peer_port: 49374,
    });
    expect(event).toEqual({ type: 'connection.created', name: NAME, protocol: 'mqtt', clientId: 'alice~phone', connectedAt: 1796083670778, peer: '127.0.0.1:49374' });
    expect(parseConnectionEvent('connection.created', { name: NAME, peer_host: '{0,0,0,0,0,0,0,1}', peer_port: '5' })).toMatchObject({ peer: '[0:0:0:0:0:0:0:1]:5' });
    expect(parseConnectionEvent('connection.created', { name: NAME, peer_host: '10.0.0.1', peer_port: 5 })).toMatchObject({ peer: '10.0.0.1:5' });
    expect(parseConnectionEvent('connection.created', { name: NAME, peer_host: '{1,2}', peer_port: 5 })).toMatchObject({ peer: null });
    expect(parseConnectionEvent('connection.created', { name: NAME, peer_host: '::1' })).toMatchObject({ peer: null });
  });

  it('reads the identity from channel.created and the connection name from its channel name', () => {
    expect(parseConnectionEvent('channel.created', { user: 'alice', name: `${NAME} (2)`, connection: '<x.1.0>' })).toEqual({
      type: 'channel.created',
      name: NAME,
      user: 'alice',
    });
    expect(parseConnectionEvent('connection.closed', { name: NAME, pid: '<x.1.0>' })).toEqual({ type: 'connection.closed', name: NAME });
  });

  it.each([
    ['Web MQTT', "{'Web MQTT',\"3.1.1\"}", 'web-mqtt'],
    ['AMQP 0-9-1', '{0,9,1}', 'amqp'],
    ['something else', "{'STOMP',\"1.2\"}", 'other'],
  ])('tells %s apart; only MQTT kinds have a client id', (_n, protocol, kind) => {
    const event = parseConnectionEvent('connection.created', { name: NAME, protocol, variable_map: '#{<<"client_id">> => <<"a~b">>}' });
    expect(event).toMatchObject({ protocol: kind, clientId: kind === 'web-mqtt' ? 'a~b' : null });
  });

  it.each([
    ['an unknown routing key', 'queue.created', { name: NAME }],
    ['no name', 'connection.closed', {}],
    ['a channel without its user', 'channel.created', { name: `${NAME} (1)` }],
    ['a channel name without the channel number', 'channel.created', { name: NAME, user: 'alice' }],
  ])('ignores %s', (_n, key, headers) => {
    expect(parseConnectionEvent(key, headers)).toBeNull();
  });

  it.each([
    ['a printable id', '#{<<"client_id">> => <<"alice~aaa">>}', 'alice~aaa'],
    ['escapes', '#{<<"client_id">> => <<"alice~\\"q\\\\\\\\">>}', 'alice~"q\\\\'],
    ['control escapes', '#{<<"client_id">> => <<"alice~\\nx\\t">>}', 'alice~\nx\t'],
    ['an id that looks like the end of the term', '#{<<"client_id">> => <<"x y ,>>">>}', 'x y ,>>'],
    ['a byte list (UTF-8)', '#{<<"client_id">> => <<97,108,105,99,101,126,195,169,226,152,131>>}', 'alice~é☃'],
    ['a byte list with a control byte', '#{<<"client_id">> => <<97,126,1,122>>}', 'a~\u0001z'],
  ])('decodes the client id from %s', (_n, text, id) => {
    expect(clientIdOf(text)).toBe(id);
  });

  it.each([
    ['no variable map', null],
    ['no client id in it', '#{}'],
    ['an unknown escape', '#{<<"client_id">> => <<"a\\qb">>}'],
    ['an unterminated string', '#{<<"client_id">> => <<"abc'],
    ['a byte above 255', '#{<<"client_id">> => <<97,300>>}'],
    ['something else', '#{<<"client_id">> => undefined}'],
  ])('gives null (unknown) for %s', (_n, text) => {
    expect(clientIdOf(text)).toBeNull();
  });

  it('reads the management API\'s protocol names', () => {
    expect(['MQTT 3.1.1', 'Web MQTT 3.1.1', 'AMQP 0-9-1', 'STOMP 1.2', undefined].map(listedProtocol)).toEqual(['mqtt', 'web-mqtt', 'amqp', 'other', 'other']);
  });
});
