/**
 * Message bodies of an exact size. Both paths publish the body the SDK builds
 * (`{"text","type","client_message_id"}`, in that order), so they carry the same bytes; the
 * sequence number in the id has a fixed width so every body has the same length.
 */
export const SEQ_WIDTH = 9;

export function clientMessageId(tag: string, seq: number): string {
  return `${tag}-${String(seq).padStart(SEQ_WIDTH, '0')}`;
}

/**
 * The sequence number of an id of this run's tag (below `count` when given), or null for anything
 * else, counted in `strays.stray` when given.
 */
export function seqOf(tag: string, id: string | undefined, count = Infinity, strays?: { stray: number }): number | null {
  const seq = id !== undefined && id.length === tag.length + 1 + SEQ_WIDTH && id.startsWith(tag) && id[tag.length] === '-' ? Number(id.slice(tag.length + 1)) : NaN;
  if (Number.isInteger(seq) && seq < count) return seq;
  if (strays) strays.stray++;
  return null;
}

export function body(text: string, id: string): string {
  return JSON.stringify({ text, type: 'text', client_message_id: id });
}

/** The text that makes a body exactly `bytes` long (the smallest possible body when bytes is less). */
export function textFor(bytes: number, tag: string): string {
  const overhead = Buffer.byteLength(body('', clientMessageId(tag, 0)));
  return 'x'.repeat(Math.max(1, bytes - overhead));
}
