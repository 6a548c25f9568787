import { mongo } from 'mongoose';
import { isTransientWriteError } from './writes';

describe('isTransientWriteError', () => {
  it.each([
    ['a network error', new mongo.MongoNetworkError('socket closed')],
    ['no server to select', new mongo.MongoServerSelectionError('timed out', { type: 'Unknown' } as never)],
    ['a primary stepping down', new mongo.MongoServerError({ message: 'not primary', code: 10107 })],
    ['a retryable label', new mongo.MongoServerError({ message: 'x', code: 999, errorLabels: ['RetryableWriteError'] })],
    ['a time limit', new mongo.MongoServerError({ message: 'time limit', code: 50 })],
    ['an unknown failure', new Error('something else')],
  ])('retries %s', (_name, err) => {
    expect(isTransientWriteError(err)).toBe(true);
  });

  it.each([
    ['a server refusal of the document', new mongo.MongoServerError({ message: 'bad value', code: 2 })],
    ['a document the driver cannot encode', new mongo.BSON.BSONError('key must not contain null bytes')],
    ['a structure too deep to encode', new RangeError('Maximum call stack size exceeded')],
  ])('does not retry %s', (_name, err) => {
    expect(isTransientWriteError(err)).toBe(false);
  });
});
