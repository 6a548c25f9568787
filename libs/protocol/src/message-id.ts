const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32, as ULID
let lastTime = -1;
let lastRandom: number[] = [];

function encodeTime(ms: number): string {
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

// Web Crypto (global in Node 20 and in browsers): the SDK, which runs in both, makes group ids with it.
function randomWords(): number[] {
  return Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b % 32);
}

/**
 * A new message id: a 26-character ULID. Ids sort by creation time (string order = time order),
 * and ids made in the same millisecond by this process are strictly increasing.
 */
export function newMessageId(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Same (or an earlier, after a clock step) millisecond: increment the random part.
    now = lastTime;
    let i = lastRandom.length - 1;
    while (i >= 0 && lastRandom[i] === 31) lastRandom[i--] = 0;
    if (i < 0) throw new Error('message id space exhausted for this millisecond');
    lastRandom[i]++;
  } else {
    lastTime = now;
    lastRandom = randomWords();
  }
  return encodeTime(now) + lastRandom.map((w) => ALPHABET[w]).join('');
}

/** The creation time (ms) encoded in a message id. */
export function messageIdTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(0, 10)) ms = ms * 32 + ALPHABET.indexOf(ch);
  return ms;
}

/** The smallest id a message made at `ms` can have: every message id made at or after `ms` sorts above it. */
export function messageIdFloor(ms: number): string {
  return encodeTime(ms) + '0'.repeat(16);
}
