/** Messages one replay or limited purge handles at most (one broker round trip each). */
export const MAX_PER_CALL = 10_000;

/** Bytes of a payload shown by the inspection endpoint; the rest is cut (payload_truncated). */
export const PAYLOAD_PREVIEW_BYTES = 4096;

/** Bound of each broker call of the admin operations; past it the call answers 503. */
export const BROKER_CALL_TIMEOUT_MS = 5000;

/** Messages a replay names in `left` (those it left in the queue, with why) at most; the counts cover all. */
export const MAX_LEFT_LISTED = 100;
