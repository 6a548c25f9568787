import { compareReadState, readCheckMismatches } from './read-check';

describe('compareReadState', () => {
  const expected = [
    { reader: 'a', peer: 'b', readUpTo: '01C' },
    { reader: 'b', peer: 'a', readUpTo: '01D' },
    { reader: 'c', peer: 'd', readUpTo: '01E' },
  ];
  const positions: Record<string, string> = { 'a/b': '01C', 'b/a': '01D', 'c/d': '01E' };
  const unread: Record<string, number> = { 'a/b': 0, 'b/a': 0, 'c/d': 0 };

  it('finds nothing wrong when every position is the last message received and nothing is unread', () => {
    expect(compareReadState(expected, (r, p) => positions[`${r}/${p}`], (r, p) => unread[`${r}/${p}`])).toEqual({ conversations: 3, positionsWrong: 0, unreadWrong: 0 });
  });

  it('counts a position behind, ahead or missing, and an unread count not 0 or a conversation not listed', () => {
    const wrong = { 'a/b': '01B', 'b/a': '01E' };
    const counts: Record<string, number> = { 'a/b': 2 };
    const m = compareReadState(expected, (r, p) => wrong[`${r}/${p}` as keyof typeof wrong], (r, p) => counts[`${r}/${p}`]);
    expect(m).toEqual({ conversations: 3, positionsWrong: 3, unreadWrong: 3, example: 'a with b: read_up_to 01B, expected 01C' });
    expect(compareReadState(expected, (r, p) => positions[`${r}/${p}`], (r, p) => counts[`${r}/${p}`]).example).toBe('a with b: unread_count 2, expected 0');
  });

  it('compares positions only when no list was read', () => {
    expect(compareReadState(expected, () => undefined)).toMatchObject({ positionsWrong: 3, unreadWrong: 0 });
  });

  it('adds both kinds of mismatch', () => {
    expect(readCheckMismatches({ conversations: 9, positionsWrong: 2, unreadWrong: 3, settleSeconds: 1, pendingReads: 0, failedReads: 0, refused: {} })).toBe(5);
  });
});
