import { mongo } from 'mongoose';

/**
 * Server error codes that say the server, not the document, failed: a step-down, a shutdown, a
 * timeout, a network fault seen by the server (the driver's retryable set, plus time limits).
 */
const TRANSIENT_CODES: ReadonlySet<number> = new Set([
  6, 7, 24, 50, 63, 89, 91, 112, 134, 150, 189, 234, 262, 9001, 10107, 11600, 11602, 13388, 13435, 13436,
]);

/**
 * True when a failed write may succeed if tried again as it is (the database is away, busy or
 * changing primaries); false when the server or the driver refused what was written. Only a
 * refusal of the server, or a document the driver could not serialise, counts as the latter;
 * anything unknown is taken as transient (retried), never as a verdict on a message.
 */
export function isTransientWriteError(err: unknown): boolean {
  if (err instanceof mongo.MongoWriteConcernError) return true;
  if (err instanceof mongo.MongoServerError) {
    if (['RetryableWriteError', 'TransientTransactionError', 'ResetPool'].some((l) => err.hasErrorLabel(l))) return true;
    return typeof err.code === 'number' && TRANSIENT_CODES.has(err.code);
  }
  return !isSerialisationError(err);
}

/** The driver could not encode the document (BSON rules, or a structure too deep for it). */
function isSerialisationError(err: unknown): boolean {
  return err instanceof mongo.BSON.BSONError || err instanceof RangeError;
}

/** The per-document errors of an unordered bulk insert (empty when the command failed as a whole). */
export function writeErrorsOf(err: unknown): Array<{ index: number; code: number; message: string }> {
  if (!(err instanceof mongo.MongoBulkWriteError)) return [];
  const errors = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return errors.map((e) => ({ index: e.index, code: e.code, message: e.errmsg ?? String(e.code) }));
}

export const DUPLICATE_KEY = 11000;

export function transientCode(code: number): boolean {
  return TRANSIENT_CODES.has(code);
}

/**
 * Inserts complete documents as they are, with the driver (no Mongoose casting: they are built and
 * validated by the caller, and keyed by a string `_id`).
 */
export function insertAsIs(collection: mongo.Collection, docs: object[], options?: mongo.BulkWriteOptions): Promise<unknown> {
  return collection.insertMany(docs as mongo.OptionalId<mongo.Document>[], options);
}

/** Inserts one complete document as it is; false when a unique key of it is taken already. */
export async function insertUnlessTaken(collection: mongo.Collection, doc: object): Promise<boolean> {
  try {
    await collection.insertOne(doc as mongo.OptionalId<mongo.Document>);
    return true;
  } catch (err) {
    if ((err as { code?: unknown }).code === DUPLICATE_KEY) return false;
    throw err;
  }
}
