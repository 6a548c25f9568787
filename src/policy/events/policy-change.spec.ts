import { encodePolicyEvent, parsePolicyEvent, PolicyEvent } from './policy-change';

describe('policy events on the wire', () => {
  const meta = { app_id: 'tilechat', origin: 'instance-1' };

  it.each<PolicyEvent>([
    { ...meta, type: 'user.changed', user_id: 'alice' },
    { ...meta, type: 'user.deleted', user_id: 'alice' },
    { ...meta, type: 'block.changed', blocker: 'alice', blocked: 'bob' },
  ])('round-trips $type', (event) => {
    expect(parsePolicyEvent(encodePolicyEvent(event))).toEqual(event);
  });

  it.each([
    ['not JSON', '{'],
    ['JSON null', 'null'],
    ['no app', JSON.stringify({ origin: 'o', type: 'user.changed', user_id: 'a' })],
    ['an unknown type', JSON.stringify({ ...meta, type: 'user.renamed', user_id: 'a' })],
    ['an invalid user id', JSON.stringify({ ...meta, type: 'user.changed', user_id: 'a.b' })],
    ['a block without its blocked user', JSON.stringify({ ...meta, type: 'block.changed', blocker: 'a' })],
  ])('rejects %s', (_, body) => {
    expect(parsePolicyEvent(Buffer.from(body))).toBeNull();
  });
});
